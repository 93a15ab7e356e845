"""Resumption tokens: where a list request stopped, signed so a harvester cannot forge one, and dated.

A token carries the whole query (verb, format, set, from, until), the last item id sent (lists go by item id,
so a record changed meanwhile neither comes twice nor moves inside the list), the cursor and the complete
list's size as counted at the first request. Nothing is kept on the server: a token stays good
across restarts and processes until it expires (OAI_TOKEN_HOURS) or the secret key changes.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

SALT = "vitrine.oai.resumption"
MAX_LENGTH = 1000  # a longer argument is refused before it is decoded


class BadToken(ValueError):
    """The token is malformed, forged, for another verb, or expired."""


@dataclass(frozen=True)
class Resumption:
    """Where a list stopped: the query, the last item id sent (ListSets: the sets sent), cursor and list size."""

    verb: str
    prefix: str | None
    set_spec: str | None
    start: str | None  # ISO UTC
    until: str | None  # ISO UTC
    after: int
    cursor: int
    size: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def encode(resumption: Resumption, secret: str) -> str:
    return _serializer(secret).dumps(list(asdict(resumption).values()))


def decode(token: str, verb: str, secret: str, max_age_seconds: float) -> Resumption:
    """The resumption a token names; BadToken if it is not one of ours, is for another verb, or expired."""
    if not token or len(token) > MAX_LENGTH:
        raise BadToken("The resumption token is empty or too long.")
    try:
        values = _serializer(secret).loads(token, max_age=max_age_seconds)
        resumption = Resumption(*values)
    except SignatureExpired:
        raise BadToken("The resumption token has expired: start the list again.") from None
    except (BadData, TypeError):
        raise BadToken("The resumption token is not valid.") from None
    if resumption.verb != verb:
        raise BadToken(f"The resumption token belongs to {resumption.verb}, not {verb}.")
    if not all(isinstance(v, int) and v >= 0 for v in (resumption.after, resumption.cursor, resumption.size)):
        raise BadToken("The resumption token is not valid.")
    for value in (resumption.start, resumption.until):
        if value is not None:
            try:
                datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise BadToken("The resumption token is not valid.") from None
    return resumption
