"""tests/both_databases.sh splits the suite into shards per database: together they run every test, each
test that uses a database once on each database, and each test that cannot depend on one exactly once."""

from collections import Counter
from dataclasses import dataclass, field

from tests import conftest


@dataclass(frozen=True)
class FakeItem:
    nodeid: str
    fixturenames: tuple = field(default=())
    markers: tuple = field(default=())

    def get_closest_marker(self, name):
        return name if name in self.markers else None


class FakeConfig:
    class hook:  # noqa: N801 - pytest's attribute name
        deselected: list = []

        @classmethod
        def pytest_deselected(cls, items):
            cls.deselected.extend(items)


def _items() -> list[FakeItem]:
    return (
        [FakeItem(f"tests/a/test_db.py::test_{n}", ("app", "database_url")) for n in range(7)]
        + [FakeItem(f"tests/test_plain.py::test_{n}") for n in range(5)]
        + [FakeItem(f"tests/browser/test_page.py::test_{n}", ("database_url", "page")) for n in range(3)]
        + [FakeItem(f"tests/b/test_book.py::test_{n}", ("database_url",), ("one_database",)) for n in range(2)]
        + [
            FakeItem(f"tests/c/test_demo.py::test_{n}", ("database_url", "demo_template"), ("one_database",))
            for n in range(3)
        ]  # fmt: skip
    )


def _run(monkeypatch, database: str, shard: int) -> list[FakeItem]:
    monkeypatch.setenv("VITRINE_TEST_SHARD", f"{shard}/2")
    monkeypatch.setattr(conftest, "SHARD", (shard, 2))
    monkeypatch.setattr(conftest, "TEST_DB", database)
    items = _items()
    conftest.pytest_collection_modifyitems(FakeConfig, items)
    return items


def test_the_shards_of_both_databases_run_each_test_as_often_as_it_needs(monkeypatch):
    monkeypatch.setattr(conftest, "EVERY_DATABASE", False)  # as in make test, whatever ran this test
    runs = {(database, shard): _run(monkeypatch, database, shard)
            for database in ("sqlite", "postgresql") for shard in (0, 1)}  # fmt: skip
    counts = Counter(item for items in runs.values() for item in items)
    assert set(counts) == set(_items())
    for item in _items():
        assert counts[item] == (2 if item.nodeid.startswith("tests/a/") else 1), item
    for database in ("sqlite", "postgresql"):
        assert len(runs[database, 0]) + len(runs[database, 1]) >= 7
    # The run-once tests go three to two to the SQLite processes, whose share of the database tests is quicker.
    once = {run: [item for item in items if conftest.runs_once(item)] for run, items in runs.items()}
    assert [len(once["sqlite", shard]) for shard in (0, 1)] == [5, 4]
    assert [len(once["postgresql", shard]) for shard in (0, 1)] == [2, 2]
    # Those that start from the demo all go to SQLite, whose processes share one demo.
    assert not [item for items in once.values() for item in items if "demo_template" in item.fixturenames
                and item not in once["sqlite", 0] + once["sqlite", 1]]  # fmt: skip


def test_make_test_all_runs_the_one_database_tests_on_both(monkeypatch):
    monkeypatch.setattr(conftest, "EVERY_DATABASE", True)
    runs = [
        item for database in ("sqlite", "postgresql") for shard in (0, 1) for item in _run(monkeypatch, database, shard)
    ]
    assert Counter(item.nodeid for item in runs if item.nodeid.startswith("tests/b/")) == {
        "tests/b/test_book.py::test_0": 2, "tests/b/test_book.py::test_1": 2}  # fmt: skip


def test_a_run_on_its_own_keeps_every_test(monkeypatch):
    monkeypatch.delenv("VITRINE_TEST_SHARD", raising=False)
    items = _items()
    conftest.pytest_collection_modifyitems(FakeConfig, items)
    assert items == _items()


def test_a_shard_left_with_nothing_keeps_what_it_was_given(monkeypatch):
    monkeypatch.setenv("VITRINE_TEST_SHARD", "1/2")
    monkeypatch.setattr(conftest, "SHARD", (1, 2))
    items = [FakeItem("tests/test_plain.py::test_only")]
    conftest.pytest_collection_modifyitems(FakeConfig, items)
    assert items == [FakeItem("tests/test_plain.py::test_only")]
