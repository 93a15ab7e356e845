"""What the search package raises when it cannot answer, whatever engine keeps the index."""


class IndexUnavailable(RuntimeError):
    """The index cannot be opened (missing, damaged, copied from elsewhere): `flask search reindex` builds a
    fresh one from the database. Pages answer 503 meanwhile (core.errors)."""
