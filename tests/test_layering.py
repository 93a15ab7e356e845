"""The dependency arrows point one way, exhibitions → archive → core, read from the imports."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each layer must not import; `app` is the factory that sits above every domain.
FORBIDDEN = {
    "core": {"archive", "exhibitions", "app"},
    "archive": {"exhibitions", "app"},
    "exhibitions": {"app"},
}
# Libraries kept behind one adapter module each, so a test double can stand in.
SINGLE_IMPORTER = ("whoosh", "PIL", "qrcode")


def application_files() -> list[Path]:
    """app.py and every module of the layered packages that exist."""
    files = [ROOT / "app.py"]
    for package in FORBIDDEN:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module the file imports, at top level or inside functions."""
    package_parts = list(path.relative_to(ROOT).parent.parts)
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package_parts[: len(package_parts) - node.level + 1]
                names.add(".".join([*base, *([node.module] if node.module else [])]))
            else:
                names.add(node.module)
    return names


def top_level(module: str) -> str:
    return module.split(".")[0]


def test_the_scan_sees_the_code():
    scanned = {str(p.relative_to(ROOT)) for p in application_files()}
    assert {"app.py", "core/db.py", "archive/models.py"} <= scanned


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_below_it(layer):
    breaches = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for module in sorted(imported_modules(path))
        if top_level(module) in FORBIDDEN[layer]
    ]
    assert breaches == []


def test_heavy_libraries_are_each_imported_by_one_module():
    importers = defaultdict(set)
    for path in application_files():
        for module in imported_modules(path):
            if top_level(module) in SINGLE_IMPORTER:
                importers[top_level(module)].add(str(path.relative_to(ROOT)))
    assert {lib: sorted(files) for lib, files in importers.items() if len(files) > 1} == {}
