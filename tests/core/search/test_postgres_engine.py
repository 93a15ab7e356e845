"""The PostgreSQL engine beyond the contract: several app machines on one database, the setting's
guard, long texts past PostgreSQL's tsvector limits, and the generation swap."""

import os
import traceback

import numpy as np
import pytest

from app import create_app
from archive.models import Item
from archive.searching import search_items
from archive.services import create_item, update_item
from core.auth import User, create_user
from core.db import db
from core.search import IndexUnavailable, Query, check, open_engine, postgres_engine, reindex, search_index
from core.search import postgres_query as pq
from core.search.postgres_engine import SCHEMA, PostgresIndex
from deploy.postgres import find_bin_dir
from tests.conftest import TEST_DB, app_settings
from tests.pg_server import unique_name

pytestmark = pytest.mark.skipif(find_bin_dir() is None, reason="no PostgreSQL server to start")


@pytest.fixture
def app_database(request):
    """A migrated PostgreSQL database with the reference data. In `make test` (shards) these tests run in
    the PostgreSQL suite, on its database (its template is built there anyway); run alone, on the tests' server."""
    if TEST_DB == "postgresql":
        return request.getfixturevalue("database_url")
    if "VITRINE_TEST_SHARD" in os.environ:
        pytest.skip("run in the PostgreSQL suite")
    return request.getfixturevalue("pg_database_factory")()


def machine(folder, url: str, files) -> dict:
    """The settings of one web machine: a data folder of its own, the shared database and files."""
    return {**app_settings(folder, url), "SEARCH_ENGINE": "postgresql", "SEARCH_APPLY": "inline",
            "STORAGE_DIR": str(files)}  # fmt: skip


def found(q: str) -> list[str]:
    return [i.reference_code for i in search_items(db.session, {"q": q}, "vi", public=False).items]


def other_machine(config: dict, user_id: int, results) -> None:
    """In a process of its own, as a second web machine: find the first machine's item, change it, add one."""
    try:
        app = create_app(config)
        with app.app_context():
            seen = found("quyen tre em")
            user = db.session.get(User, user_id)
            item = db.session.query(Item).filter_by(reference_code="M1-1").one()
            update_item(db.session, user, item, {"texts": {"vi": {"title": "Bình đẳng giới"}}}, item.version)
            db.session.commit()
            create_item(db.session, user, {"reference_code": "M2-1", "type": "photo",
                                           "texts": {"vi": {"title": "Xóa đói giảm nghèo"}}})  # fmt: skip
            db.session.commit()
            results.put(("ok", seen))
            db.session.remove()
            db.engine.dispose()
    except Exception:
        results.put(("error", traceback.format_exc()))


def test_two_machines_on_one_database_see_each_others_edits_at_once(tmp_path, app_database, database_url,
                                                                     process_context):  # fmt: skip
    url, files = app_database, tmp_path / "shared-files"
    first = create_app(machine(tmp_path / "machine-1", url, files))
    with first.app_context():
        user = create_user(db.session, "archivist@vitrine.test", "correct horse battery", "archivist")
        create_item(db.session, user, {"reference_code": "M1-1", "type": "photo",
                                       "texts": {"vi": {"title": "Quyền trẻ em"}}})  # fmt: skip
        db.session.commit()
        user_id = user.id
        assert found("quyen tre em") == ["M1-1"]
        db.session.remove()
        results = process_context.Queue()
        second = machine(tmp_path / "machine-2", url, files)
        other = process_context.Process(target=other_machine, args=(second, user_id, results))
        other.start()
        kind, outcome = results.get(timeout=120)
        other.join(timeout=30)
        assert kind == "ok", outcome
        assert outcome == ["M1-1"]  # the second machine found the first's item
        # …and the first finds the second's change and its new item, right after their commits.
        assert found("quyen tre em") == [] and found("binh dang") == ["M1-1"] and found("giam ngheo") == ["M2-1"]
        assert check() == [] and not (tmp_path / "machine-1" / "index-postgresql").exists()
        db.session.remove()
        db.engine.dispose()


def test_the_engine_needs_the_app_database_to_be_postgresql(tmp_path):
    settings = machine(tmp_path, f"sqlite:///{tmp_path / 'vitrine.sqlite3'}", tmp_path / "files")
    with pytest.raises(ValueError, match="SEARCH_ENGINE=postgresql .* is sqlite.* PostgreSQL database"):
        create_app(settings)


@pytest.fixture
def database(pg_server):
    name = unique_name()
    yield pg_server.create_database(name)
    pg_server.drop_database(name)


def test_a_text_past_the_tsvector_limits_is_found_whole(database, monkeypatch):
    """Word pairs past PostgreSQL's 1 MB of lexemes are found through the folded words; a phrase
    past 16,383 words and a word repeated past 256 times count as in any text."""
    monkeypatch.setattr(pq, "TSVECTOR_BUDGET", 450_000)  # its words fit, not its pairs: as a text of megabytes
    index = PostgresIndex(database, ("type",))
    long_text = " ".join(f"từ{n} chữ{n % 7}" for n in range(20_000)) + " Vịnh Hạ Long có 1.969 hòn đảo"
    with index.try_writer() as writer:
        writer.upsert({"id": "1", "digest": "a", "texts": {"vi": long_text}, "facets": {"type": ["document"]}})
        writer.upsert({"id": "2", "digest": "b", "texts": {"vi": "Hạ Long, chữ3 chữ3"}, "facets": {"type": ["photo"]}})
    assert pq.analysed({"id": "1", "texts": {"vi": long_text}}, ()).cut
    asked = [('"vinh ha long"', ["1"]), ('"ha long"', ["1", "2"]), ("ha long", ["1", "2"]), ('"tu19999 chu0"', ["1"]),
             ('ha -"hon dao"', ["2"]), ('chu3 -"vinh ha"', ["2"])]  # fmt: skip
    for text, expected in asked:
        assert sorted(h.id for h in index.search(Query(text=text, per_page=10)).hits) == expected, text
    index.close()


def test_a_terms_count_is_read_back_from_ts_rank_exactly(database):
    """A repeated term's count is ts_rank over its positions, inverted (postgres_query._tf)."""
    index = PostgresIndex(database, ())
    counts = [2, 3, 17, 100, 255, 256, 300]
    with index.connection() as conn:
        ranks = [conn.execute("SELECT ts_rank('{1,1,1,1}', %s::tsvector, %s::tsquery)",
                              (pq.analysed({"id": "1", "texts": {"vi": "chữ " * n}}, ()).rep, "'fchu'")).fetchone()[0]
                 for n in counts]  # fmt: skip
    assert list(pq._tf(np.array(ranks, dtype=np.float64), True)) == [2, 3, 17, 100, 255, 256, 256]
    index.close()


def test_a_rebuild_swaps_generations_and_a_reader_keeps_its_own(database):
    index = PostgresIndex(database, ("type",))
    with index.try_writer() as writer:
        writer.upsert({"id": "1", "digest": "a", "texts": {"vi": "ảnh một"}, "facets": {"type": ["photo"]}})
    with index.reading() as reader:
        index.rebuild(iter([{"id": "2", "digest": "b", "texts": {"vi": "ảnh hai"}, "facets": {}}]))
        with index.connection() as conn:  # the old generation waits for its reader before it goes
            assert conn.execute(f"SELECT count(*) FROM {SCHEMA}.retired").fetchone()[0] == 1
        assert [h.id for h in reader.search(Query(text="anh")).hits] == ["1"]
    with index.try_writer() as writer:  # the next writer drops what no reader holds any more
        writer.delete("404")
    with index.connection() as conn:
        assert conn.execute(f"SELECT count(*) FROM {SCHEMA}.retired").fetchone()[0] == 0
        kept = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename LIKE %s",
                            (SCHEMA, "%_docs")).fetchone()[0]  # fmt: skip
    assert kept == 1 and [h.id for h in index.search(Query(text="anh")).hits] == ["2"]
    index.close()


def test_reindex_switches_the_app_to_postgresql_and_repairs_a_damaged_index(app_database, database_url, tmp_path):
    app = create_app(machine(tmp_path / "data", app_database, tmp_path / "files"))
    with app.app_context():
        user = create_user(db.session, "a@vitrine.test", "correct horse battery", "archivist")
        create_item(db.session, user, {"reference_code": "R-1", "type": "photo",
                                       "texts": {"vi": {"title": "Quyền trẻ em"}}})  # fmt: skip
        db.session.commit()
        index = search_index()
        with index.connection() as conn:  # damage: the live generation's tables are gone
            gen = conn.execute(f"SELECT gen FROM {SCHEMA}.live").fetchone()[0]
            conn.execute(f"DROP TABLE {SCHEMA}.g{gen}_docs CASCADE")
        with pytest.raises(Exception, match="search reindex"):
            index.search(Query(text="quyen"))
        assert reindex(app) == 1 and check() == []
        assert found("quyen tre em") == ["R-1"]
        db.session.remove()
        db.engine.dispose()
    assert open_engine(app.config["SQLALCHEMY_DATABASE_URI"], index.facets, "postgresql") is index


def test_repeated_words_and_prefixes_rank_as_often_as_they_occur(database):
    """Counts come from the rows' repeats whichever part of the query a row falls in (marked once or more)."""
    index = PostgresIndex(database, ())
    texts = {"1": "tướng tương tượng khác", "2": "tướng khác khác khác", "3": "Tướng tướng khác khác", "4": "khác"}
    with index.try_writer() as writer:
        for doc_id, text in texts.items():
            writer.upsert({"id": doc_id, "digest": doc_id, "texts": {"vi": text}})
    assert [h.id for h in index.search(Query(text="tuo*")).hits] == ["1", "3", "2"]
    assert [h.id for h in index.search(Query(text="tướng")).hits] == ["3", "1", "2"]
    assert [h.id for h in index.search(Query(text="tuong")).hits] == ["1", "3", "2"]  # the three fold to tuong
    index.close()


def test_an_index_of_another_layout_is_unavailable_until_reindexed(database, monkeypatch):
    index = PostgresIndex(database, ())
    index.ensure()
    monkeypatch.setattr(postgres_engine, "LAYOUT", postgres_engine.LAYOUT + 1)  # a newer version's code
    with pytest.raises(IndexUnavailable, match="another version"):
        index.search(Query(text="anh"))
    index.rebuild(iter([{"id": "1", "digest": "a", "texts": {"vi": "ảnh"}}]))
    assert [h.id for h in index.search(Query(text="anh")).hits] == ["1"]
    index.close()
