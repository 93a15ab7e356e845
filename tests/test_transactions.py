"""The transaction boundary, read from the code: only core.uow begins, commits and rolls back."""

import ast
from pathlib import Path

from tests.test_layering import ROOT, application_files

# Where a database transaction may end: the units of work, and nowhere else.
UNIT_OF_WORK = ROOT / "core" / "uow.py"
# The search engines commit (and tantivy's roll back) their own index writers: no database transaction.
INDEX_ENGINES = {ROOT / "core" / "search" / "whoosh_engine.py", ROOT / "core" / "search" / "tantivy_engine.py"}
ENDING = {"commit", "rollback", "begin", "begin_nested"}


def calls(path: Path, names: set[str]) -> list[str]:
    """`file:line name()` for every call of a method or function of those names in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in names:
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno} {name}()")
    return found


def test_the_domains_never_commit_or_roll_back():
    domains = [p for p in application_files() if p.relative_to(ROOT).parts[0] not in ("core", "app.py")]
    assert [hit for path in domains for hit in calls(path, ENDING)] == []


def test_in_the_kernel_only_the_units_of_work_end_a_database_transaction():
    kernel = [p for p in application_files()
              if p.relative_to(ROOT).parts[0] == "core" and p != UNIT_OF_WORK and p not in INDEX_ENGINES]  # fmt: skip
    assert [hit for path in kernel for hit in calls(path, ENDING)] == []
    engine_calls = [hit for path in INDEX_ENGINES for hit in calls(path, ENDING)]
    assert engine_calls and all(hit.endswith((" commit()", " rollback()")) for hit in engine_calls)  # the writers'


def test_the_sqlite_begin_mode_is_chosen_in_one_place():
    files = [p for p in application_files() if "sqlite_begin" in p.read_text(encoding="utf-8")]
    assert [str(p.relative_to(ROOT)) for p in files] == ["core/uow.py"]


def test_the_finder_sees_a_commit(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def save(session):\n    session.commit()\n", encoding="utf-8")
    assert calls(sample, ENDING) == ["sample.py:2 commit()"]
