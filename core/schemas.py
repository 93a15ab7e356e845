"""The JSON API's shared schemas: error bodies, paging, and marshmallow's messages in the reader's language.

Input schemas check shapes and types only; the services own the rules and say what is wrong.
"""

from datetime import UTC

from marshmallow import Schema, fields, validate

from core.i18n import _, _l

# marshmallow's own messages, in English only; these say the same in the reader's language.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field may not be null."),
    "Unknown field.": _l("This field is not part of the request."),
    "Invalid input type.": _l("A JSON object is expected here."),
    "Invalid type.": _l("A JSON object is expected here."),
    "Not a valid mapping type.": _l("A JSON object is expected here."),
    "Not a valid list.": _l("A list is expected here."),
    "Not a valid string.": _l("Text is expected here."),
    "Not a valid integer.": _l("A whole number is expected here."),
    "Not a valid boolean.": _l("true or false is expected here."),
    "Not a valid date.": _l("A date written YYYY-MM-DD is expected here."),
}


LOCATIONS = ("json", "query", "querystring", "view_args", "headers", "form")


def translate_message(message: str) -> str:
    """A marshmallow message in the reader's language; our validators' messages pass through."""
    known = FIELD_MESSAGES.get(str(message))
    return str(known) if known is not None else str(message)


def flatten_messages(messages, path=()) -> list[tuple[str | None, str]]:
    """webargs' nested error dict as (dotted field, message) pairs, the location left out."""
    if isinstance(messages, dict):
        pairs = []
        for key, value in messages.items():
            # Dict fields nest value errors under "value"; "_schema" marks the object itself.
            skip = key in ("value", "_schema") or (not path and key in LOCATIONS)
            step = () if skip else (str(key),)
            pairs.extend(flatten_messages(value, path + step))
        return pairs
    if isinstance(messages, list | tuple) and messages and all(isinstance(m, str) for m in messages):
        return [(".".join(path) or None, translate_message(m)) for m in messages]
    if isinstance(messages, list | tuple):
        return [pair for m in messages for pair in flatten_messages(m, path)]
    return [(".".join(path) or None, translate_message(messages))]


class OneOf(validate.OneOf):
    """OneOf whose message is in the reader's language."""

    def _format_error(self, value) -> str:
        return _("“%(value)s” is not one of: %(choices)s.", value=value, choices=self.choices_text)


class Range(validate.Range):
    """Range whose message is in the reader's language."""

    def _format_error(self, value, message) -> str:
        if self.max is None:
            return _("Give a number of at least %(min)s.", min=self.min)
        return _("Give a number from %(min)s to %(max)s.", min=self.min, max=self.max)


def enum_values(enum_cls) -> list[str]:
    """The values of a StrEnum, for OneOf."""
    return [member.value for member in enum_cls]


class UtcDateTime(fields.DateTime):
    """A timestamp in ISO 8601; SQLite hands back naive values that are UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


# --- Errors ------------------------------------------------------------------------------


class ErrorDetailSchema(Schema):
    field = fields.String(allow_none=True, metadata={"description": "Dotted name of the field at fault"})
    message = fields.String()


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine code: invalid, not_found, …"})
    message = fields.String(required=True, metadata={"description": "What went wrong, in the request's language"})
    field = fields.String(allow_none=True, required=True, metadata={"description": "The field at fault, if any"})
    details = fields.List(fields.Nested(ErrorDetailSchema), metadata={"description": "Every problem found (422)"})


class ErrorResponseSchema(Schema):
    """The body of every error response of the API."""

    error = fields.Nested(ErrorSchema, required=True)


# --- Paging ------------------------------------------------------------------------------


class PagingSchema(Schema):
    """What every paged answer says about its place in the results."""

    total = fields.Integer()
    page = fields.Integer(allow_none=True, metadata={"description": "Its number; null on a page asked by cursor"})
    per_page = fields.Integer()
    pages = fields.Integer()


class PageLinksSchema(Schema):
    next = fields.String(allow_none=True, metadata={
        "format": "uri", "description": "The page after this one, by cursor; null on the last"})  # fmt: skip
    prev = fields.String(allow_none=True, metadata={
        "format": "uri", "description": "The page before this one, by cursor; null on the first"})  # fmt: skip


class CursorPagingSchema(PagingSchema):
    """A list that pages by cursor: follow `links.next` to the end, each page as fast as the first."""

    links = fields.Nested(PageLinksSchema)


CURSOR = {"description": "Where the page starts: the opaque cursor of a `links.next` or `links.prev`. Pages by "
          "cursor cost the same at any depth; `page` (by number) is kept for existing clients and costs more the "
          "deeper it goes. Not both."}  # fmt: skip
