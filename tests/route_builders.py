"""Werkzeug compiles two URL builders for every route of every app (Python source made and compiled
at run time); a test session builds about a thousand apps with the same routes. Here a rule reuses the
builder compiled for an equal rule earlier in the process: the code depends only on what the key holds,
and it reads the rule's own converters through the `self` it is bound to."""

from flask import Flask
from werkzeug.routing import Rule

_builders: dict[tuple, object] = {}


class ReusedBuilderRule(Rule):
    """A Rule whose compiled URL builders are shared with equal rules of other apps."""

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


def install() -> None:
    """Every Flask app built from now on in this process makes its rules as ReusedBuilderRule."""
    Flask.url_rule_class = ReusedBuilderRule
