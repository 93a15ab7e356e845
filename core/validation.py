"""Validation helpers shared by the domains: collecting every problem of a submission, ids from forms, and
the one rule of every text people type (line ends, control characters)."""

import re
from dataclasses import dataclass, field

from core.errors import ValidationError
from core.i18n import _
from core.urls import MAX_ID


@dataclass
class Problems:
    """Collects every problem of a submission so the form can show them all at once."""

    errors: list = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        """Note one problem of one field."""
        self.errors.append((field_name, message))

    def check(self, func, *args):
        """Run a validator; keep its error instead of stopping at the first one."""
        try:
            return func(*args)
        except ValidationError as error:
            self.errors.extend(error.errors)
            return None

    def raise_if_any(self) -> None:
        """ValidationError listing every problem noted, if there is one."""
        if self.errors:
            name, message = self.errors[0]
            raise ValidationError(message, field=name, errors=self.errors)


# Windows (CR LF) and old Mac (CR) line ends, as forms, the API and CSV files bring them.
_LINE_ENDS = re.compile(r"\r\n?")
# Control characters (Unicode Cc: C0, DEL and C1) other than tab and newline: invisible on a page, they break
# the XML of OAI-PMH, EPUB and IIIF documents made from the text, and stand for nothing a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normalise_line_ends(text: str) -> str:
    """`text` with every line ending in a newline alone."""
    return _LINE_ENDS.sub("\n", text)


def check_text(text: str, label: str, field_name: str, problems: Problems) -> str:
    """`text` with its line ends normalised; a problem naming the field (`label`, in the reader's language) and
    the character if it holds a control character other than tab and newline. Every text of every domain, from
    forms, the API and CSV imports, passes here."""
    text = normalise_line_ends(text)
    if found := _CONTROL.search(text):
        problems.add(field_name, _("%(field)s contains a control character (U+%(code)s), which a text may not hold.",
                                   field=label, code=f"{ord(found.group()):04X}"))  # fmt: skip
    return text


def record_id(value, message: str, field_name: str | None = None) -> int:
    """An id sent in a form or a body: a whole number the id columns can hold, else ValidationError(message)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(message, field=field_name) from None
    # A larger number would fail in the database (32-bit ids), not as a refusal.
    if not 0 < number <= MAX_ID:
        raise ValidationError(message, field=field_name)
    return number


def expected_version(value) -> int | None:
    """The version a save was made from (optimistic locking): None when not given, else a whole number."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("The version must be a whole number."), field="version") from None
