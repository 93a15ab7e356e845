"""The rights an item's images carry in IIIF: a URI of RightsStatements.org or Creative Commons, or nothing.

`Item.rights` is becoming such a URI (issue 21, structured rights); until it is one everywhere, free text is
never put where IIIF wants a URI (`rights`): it stays in the manifest's metadata.
"""

RIGHTS_PREFIXES = ("http://rightsstatements.org/", "http://creativecommons.org/")


def rights_uri(rights: str | None) -> str | None:
    """The rights as IIIF's `rights` takes them (a RightsStatements.org or Creative Commons URI), else None."""
    value = (rights or "").strip()
    return value if value.startswith(RIGHTS_PREFIXES) and " " not in value else None
