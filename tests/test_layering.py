"""The house rules, read from the code with `ast`: the arrows between packages, the faces of the
subpackages, no import cycle, libraries behind one adapter each, and role sets named once.

portal/interop/reports → exhibitions → archive → core, nothing back; a lower package tells a higher
one something through a domain event (core.events).
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The packages, lowest first; each may import only those before it (and `app` none of them may).
LAYERS = ["core", "archive", "exhibitions"]
# Above both domains: features that need both. They may import the domains, not each other.
ABOVE_DOMAINS = ["portal", "interop", "reports"]
PACKAGES = [*LAYERS, *ABOVE_DOMAINS]
# Libraries kept behind one adapter module each, so a test double can stand in.
SINGLE_IMPORTER = ("whoosh", "PIL", "qrcode")


def forbidden_for(package: str) -> set[str]:
    """The top-level packages a module of `package` must not import."""
    if package in ABOVE_DOMAINS:
        return {"app", *(p for p in ABOVE_DOMAINS if p != package)}
    return {"app", *ABOVE_DOMAINS, *LAYERS[LAYERS.index(package) + 1 :]}


def application_files() -> list[Path]:
    """app.py and every module of the layered packages that exist."""
    files = [ROOT / "app.py"]
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(module, names imported from it or None) for every import in the file, at any depth,
    `if TYPE_CHECKING:` blocks included."""
    package_parts = list(path.relative_to(ROOT).parent.parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package_parts[: len(package_parts) - node.level + 1]
                yield ".".join([*base, *([node.module] if node.module else [])]), [a.name for a in node.names]
            else:
                yield node.module, [alias.name for alias in node.names]


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module the file imports."""
    return {module for module, _names in _imports(path)}


def top_level(module: str) -> str:
    return module.split(".")[0]


def is_module(name: str) -> bool:
    """True when `name` is a module or package of this project."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_the_scan_sees_the_code():
    scanned = {str(p.relative_to(ROOT)) for p in application_files()}
    assert {"app.py", "core/db.py", "archive/models.py", "exhibitions/qr/links.py", "portal/views.py"} <= scanned


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_below_it(package):
    breaches = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in sorted(imported_modules(path))
        if top_level(module) in forbidden_for(package)
    ]
    assert breaches == []


def test_the_rules_know_every_package_of_the_house():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "migrations", "deploy"}
    assert packages <= set(PACKAGES), "add the new package to LAYERS or ABOVE_DOMAINS, and to ARCHITECTURE.md"


def test_deploy_runs_the_app_as_processes_and_reads_only_its_settings():
    # deploy/ (make serve, nginx) sits outside the layers: it starts the app, it does not reach into it.
    allowed = {"core.config", "core.static_files"}
    for path in sorted((ROOT / "deploy").rglob("*.py")):
        ours = {m for m in imported_modules(path) if top_level(m) in {*PACKAGES, "app"}}
        assert ours <= allowed, f"{path.relative_to(ROOT)} imports {sorted(ours - allowed)}"
    importing = re.compile(r"^\s*(from|import) deploy\b", re.M)
    importers = [path for path in application_files() if importing.search(path.read_text(encoding="utf-8"))]
    assert not importers, f"the app imports deploy/: {importers}"


# --- Subpackages: one face each ------------------------------------------------------------


def subpackages() -> list[Path]:
    """Every subpackage of a layered package (a folder with an __init__.py below the top level)."""
    return sorted(p.parent for package in PACKAGES for p in (ROOT / package).glob("*/__init__.py"))


def declared_names(init: Path) -> list[str] | None:
    """The names a subpackage's __init__ lists in `__all__`, or None when it lists none."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return [element.value for element in node.value.elts]
    return None


def test_every_subpackage_says_what_it_offers():
    found = {str(p.relative_to(ROOT)): declared_names(p / "__init__.py") for p in subpackages()}
    assert {"exhibitions/composing", "exhibitions/reading", "exhibitions/qr", "exhibitions/publications",
            "exhibitions/web", "exhibitions/api"} <= set(found)  # fmt: skip
    assert [name for name, names in found.items() if not names] == []
    for folder in subpackages():
        init = folder / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} has no docstring"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        defined = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        defined |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert set(declared_names(init)) <= defined, f"{init} lists names it does not define"


def test_other_packages_use_a_subpackage_only_through_its_face():
    faces = {module_name(folder): set(declared_names(folder / "__init__.py") or []) for folder in subpackages()}
    breaches = []
    for path in application_files():
        importer = module_name(path)
        for module, names in _imports(path):
            for face, offered in faces.items():
                if importer == face or importer.startswith(face + "."):
                    continue  # a subpackage's own modules use each other freely
                if module.startswith(face + "."):
                    breaches.append(f"{path.relative_to(ROOT)} imports {module}")
                elif module == face:
                    breaches += [f"{path.relative_to(ROOT)} takes {name} from {face}, which does not offer it"
                                 for name in names or [] if name not in offered]  # fmt: skip
    assert breaches == []


# --- No cycles -----------------------------------------------------------------------------


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports, directly or as a package on the way.

    A module's own enclosing packages are left out: Python runs them first, so a sibling
    import inside a package is no cycle. Imports for type checking only count like any other.
    """
    graph = defaultdict(set)
    for path in application_files():
        importer = module_name(path)
        own = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 1)}
        if path.name == "__init__.py":
            own.discard(importer)
        for module, names in _imports(path):
            targets = [module, *(f"{module}.{name}" for name in names or [])]
            for target in targets:
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:i])
                    if is_module(prefix) and prefix not in own and prefix != importer:
                        graph[importer].add(prefix)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_anywhere():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# --- Adapters and names ----------------------------------------------------------------------


def test_heavy_libraries_are_each_imported_by_one_module():
    importers = defaultdict(set)
    for path in application_files():
        for module in imported_modules(path):
            if top_level(module) in SINGLE_IMPORTER:
                importers[top_level(module)].add(str(path.relative_to(ROOT)))
    assert {lib: sorted(files) for lib, files in importers.items() if len(files) > 1} == {}


def test_role_sets_are_defined_once_by_name():
    """Only core.permissions groups roles; everyone else asks for a permission by its name."""
    breaches = []
    for path in application_files():
        if path == ROOT / "core" / "permissions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                roles = [e for e in node.elts if isinstance(e, ast.Attribute) and getattr(e.value, "id", "") == "Role"]
                if len(roles) > 1:
                    breaches.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert breaches == []
