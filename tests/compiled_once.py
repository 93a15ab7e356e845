"""A test session builds about a thousand apps from the same code, and each would compile the same things
again: werkzeug's two URL builders for every route (Python source made and compiled at run time), and
every template it renders. Here each is compiled once a process and shared by the apps built after."""

from flask import Flask
from jinja2 import BytecodeCache
from werkzeug.routing import Rule

_builders: dict[tuple, object] = {}


class ReusedBuilderRule(Rule):
    """A Rule whose compiled URL builders are shared with equal rules of other apps.

    The builder's code depends only on what the key holds, and it reads the rule's own converters
    through the `self` it is bound to."""

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (
            self.rule,
            tuple(self._trace),
            tuple((name, type(value), repr(value)) for name, value in defaults.items()),
            tuple((name, type(converter)) for name, converter in self._converters.items()),
            append_unknown,
        )
        builder = _builders.get(key)
        if builder is None:
            builder = _builders[key] = super()._compile_builder(append_unknown)
        return builder


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the process; Jinja checks each against its source's checksum."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if (compiled := self._compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


def install() -> None:
    """Every Flask app built from now on in this process shares compiled URL builders and templates."""
    Flask.url_rule_class = ReusedBuilderRule
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": MemoryBytecodeCache()}
