"""The order of the rooms of exhibitions/: qr lowest, then reading, then composing and publications, then the
web and API layers; a room imports only rooms below it (import cycles are kept out by tests/test_layering.py)."""

from tests.test_layering import ROOT, _imports, module_name

# A room may import the rooms of lower rank only; composing and publications stand side by side.
RANKS = {"qr": 0, "reading": 1, "composing": 2, "publications": 2, "web": 3, "api": 3}


def room_of(module: str) -> str | None:
    """The room of exhibitions/ a module belongs to, if any."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "exhibitions" and parts[1] in RANKS else None


def upward(room: str, targets: list[str]) -> list[str]:
    """The targets that are in another room of the same rank or higher."""
    return [t for t in targets if (other := room_of(t)) and other != room and RANKS[other] >= RANKS[room]]


def test_every_room_is_ranked():
    assert {path.parent.name for path in (ROOT / "exhibitions").glob("*/__init__.py")} == set(RANKS)


def test_a_room_imports_only_the_rooms_below_it():
    breaches = []
    for path in sorted((ROOT / "exhibitions").rglob("*.py")):
        if (room := room_of(module_name(path))) is None:
            continue
        for module, names in _imports(path):
            found = upward(room, [module, *(f"{module}.{name}" for name in names or [])])
            breaches += [f"{path.relative_to(ROOT)} ({room}) imports {target}" for target in found]
    assert breaches == []


def test_the_rule_sees_an_upward_import():
    assert upward("qr", ["exhibitions.reading", "exhibitions.models", "core.urls"]) == ["exhibitions.reading"]
    assert upward("publications", ["exhibitions.composing.lifecycle"]) == ["exhibitions.composing.lifecycle"]
    assert upward("web", ["exhibitions.publications", "exhibitions.reading.view", "exhibitions.qr"]) == []
