"""Validation helpers shared by the domains: collecting every problem of a submission, ids from forms."""

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
