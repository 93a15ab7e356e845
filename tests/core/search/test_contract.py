"""What every search engine must do, asked through the SearchEngine interface only.

Parametrized over core.search.engine.ENGINES: an engine added there passes this file before the
app may use it. The PostgreSQL engine runs where a PostgreSQL server can be started (the tests'
own, tests/pg_server.py), each test in a database of its own.
"""

import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from core.search import Document, IndexSnapshot, IndexWriter, Query, SearchEngine, open_engine
from core.search.engine import ENGINES, IN_DATABASE
from deploy.postgres import find_bin_dir
from tests.pg_server import unique_name

FACETS = ("type", "place")


# tantivy syncs every commit to disk, a tenth of a second or more on a busy disk: its indexes
# go to a RAM disk where there is one, which the contract does not depend on.
RAM_DISK = Path("/dev/shm")


KINDS = sorted(name for name in ENGINES if name not in IN_DATABASE or find_bin_dir() is not None)
FOLDER_KINDS = [name for name in KINDS if name not in IN_DATABASE]


@pytest.fixture(params=KINDS)
def engine_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def empty_index_database(pg_server) -> str:
    """A database holding an empty index of the PostgreSQL engine, copied for each test (its tables made once)."""
    name = unique_name()
    engine = open_engine(pg_server.create_database(name), FACETS, "postgresql")
    engine.ensure()
    engine.close()  # a template database must have no connection left
    return name


@pytest.fixture
def location(engine_kind, tmp_path, request):
    """Where the engine keeps its index: a folder, or a database of its own on the tests' server."""
    if engine_kind in IN_DATABASE:
        server, name = request.getfixturevalue("pg_server"), unique_name()
        yield server.create_database(name, request.getfixturevalue("empty_index_database"))
        server.drop_database(name)
        return
    folder = tmp_path
    if engine_kind == "tantivy" and RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="vitrine-contract-", dir=RAM_DISK))
    yield str(folder / "index")
    if folder != tmp_path:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def engine(engine_kind, location):
    engine = open_engine(location, FACETS, engine_kind)
    engine.ensure()
    yield engine
    engine.close()


def doc(doc_id, vi: str = "", en: str | None = None, date: int = 0, extra: str = "", type="photo", place=None,
        digest: str | None = None) -> Document:  # fmt: skip
    """A document as a domain builds one."""
    texts = {"vi": vi, **({"en": en} if en else {})}
    return {"id": str(doc_id), "digest": digest or f"digest-{doc_id}", "date": date, "texts": texts, "extra": extra,
            "facets": {"type": [type] if type else [], "place": [place] if place else []}}  # fmt: skip


def put(engine, *documents) -> None:
    with engine.try_writer() as writer:
        for document in documents:
            writer.upsert(document)


def ids(engine, text: str = "", **query) -> list[str]:
    """The ids found, in order, on one page big enough for all."""
    return [hit.id for hit in engine.search(Query(text=text, per_page=1000, **query)).hits]


def test_the_engine_offers_the_whole_interface(engine):
    assert isinstance(engine, SearchEngine) and engine.facets == FACETS
    with engine.try_writer() as writer:
        assert isinstance(writer, IndexWriter)
    with engine.reading() as reader:
        assert isinstance(reader, IndexSnapshot)


def test_upsert_replaces_and_delete_removes(engine):
    put(engine, doc(1, "Tranh cổ động"), doc(2, "Ảnh tư liệu"))
    assert ids(engine, "tranh") == ["1"] and engine.count() == 2
    put(engine, doc(1, "Bản đồ hành chính"))
    assert ids(engine, "tranh") == [] and ids(engine, "ban do") == ["1"] and engine.count() == 2
    with engine.try_writer() as writer:
        writer.delete("1")
        writer.delete("404")  # not indexed: nothing to do
    assert ids(engine, "ban do") == [] and sorted(ids(engine)) == ["2"] and engine.count() == 1


def test_a_writer_that_raises_changes_nothing(engine):
    put(engine, doc(1, "Tranh cổ động"))
    with pytest.raises(RuntimeError), engine.try_writer() as writer:
        writer.upsert(doc(2, "Ảnh tư liệu"))
        writer.delete("1")
        raise RuntimeError("the caller failed")
    assert sorted(ids(engine)) == ["1"]


def test_marks_and_case_are_ignored(engine):
    put(engine, doc(1, "Quyền con người ở Đắk Lắk"), doc(2, "Élysée, PARIS"), doc(3, "quyền trẻ em"))
    decomposed = unicodedata.normalize("NFD", "quyền con người")
    for text in ("quyen con nguoi", "QUYỀN CON NGƯỜI", "Quyen Con Nguoi", decomposed, "dak lak", "ĐẮK LẮK"):
        assert ids(engine, text) == ["1"], text
    assert ids(engine, "elysee paris") == ["2"]
    assert sorted(ids(engine, "quyen")) == ["1", "3"]


def test_the_marks_as_typed_rank_first(engine):
    put(engine, doc(1, "Ảnh ở Ha Noi"), doc(2, "Ảnh ở Hà Nội"))
    assert ids(engine, "Hà Nội") == ["2", "1"]
    assert ids(engine, "ha noi") == ["1", "2"]


def test_phrases_match_words_in_order(engine):
    put(engine, doc(1, "Quyền con người ở Hà Nội"), doc(2, "người ở con đường Hà Nam"), doc(3, "nội dung hà"))
    assert ids(engine, '"hà nội"') == ["1"]
    assert ids(engine, '"con người ở"') == ["1"]
    assert ids(engine, '"người ở con"') == ["2"]
    assert ids(engine, '"Hà Nội') == ["1"]  # an unclosed quote runs to the end


def test_prefixes_of_any_length(engine):
    put(engine, doc(1, "Quyền con người"), doc(2, "communication des droits"), doc(3, "Đắk Lắk, dân tộc"))
    assert ids(engine, "q*") == ["1"]
    assert ids(engine, "quy*") == ["1"]
    assert ids(engine, "quyen*") == ["1"]
    assert ids(engine, "communicat*") == ["2"]
    assert sorted(ids(engine, "Đắ*")) == ["3"] and sorted(ids(engine, "d*")) == ["2", "3"]
    assert ids(engine, "con ngu*") == ["1"]


def test_exclusions(engine):
    put(engine, doc(1, "Hà Nội mùa thu"), doc(2, "Hà Nội mùa xuân"), doc(3, "Hà Giang"))
    assert sorted(ids(engine, "hà -thu")) == ["2", "3"]
    assert ids(engine, 'hà -"ha noi"') == ["3"]
    assert sorted(ids(engine, "-giang")) == ["1", "2"]  # only exclusions: everything else


def test_extra_text_is_searched_but_not_shown(engine):
    put(engine, doc(1, "Ảnh", extra="TTXVN-1954 Nguyễn Văn A"))
    results = engine.search(Query(text="nguyen van a", snippet_lang="vi"))
    assert [h.id for h in results.hits] == ["1"]
    assert results.hits[0].snippet is None or "Nguyễn" not in results.hits[0].snippet


def test_facets_count_every_hit_and_filters_combine(engine):
    put(engine, doc(1, "ảnh a", type="photo", place="hn"), doc(2, "ảnh b", type="photo", place="hue"),
        doc(3, "ảnh c", type="poster", place="hn"), doc(4, "bản đồ", type="map", place="hn"))  # fmt: skip
    results = engine.search(Query(text="anh", facets=FACETS, per_page=1))
    assert results.total == 3 and len(results.hits) == 1
    assert results.facets == {"type": {"photo": 2, "poster": 1}, "place": {"hn": 2, "hue": 1}}
    assert sorted(ids(engine, "anh", filters={"place": ["hn"]})) == ["1", "3"]
    assert ids(engine, "anh", filters={"place": ["hn"], "type": ["photo"]}) == ["1"]
    assert ids(engine, "anh", filters={"place": ["hn", "hue"]}) == []  # every value is required
    assert ids(engine, "anh", filters={"place": ["nowhere"]}) == []
    browse = engine.search(Query(filters={"place": ["hn"]}, facets=("type",)))
    assert browse.total == 3 and browse.facets == {"type": {"photo": 1, "poster": 1, "map": 1}}


def test_relevance_order(engine):
    put(engine, doc(1, "quyền " + "khác " * 40), doc(2, "quyền quyền quyền khác"), doc(3, "quyền khác"),
        doc(4, "khác"))  # fmt: skip
    results = engine.search(Query(text="quyen"))
    assert [h.id for h in results.hits] == ["2", "3", "1"]
    assert results.hits[0].score > results.hits[1].score > results.hits[2].score > 0


def test_date_order_and_browsing_newest_first(engine):
    put(engine, doc(1, "ảnh", date=19450902), doc(2, "ảnh", date=19860101), doc(3, "ảnh", date=19540507),
        doc(4, "ảnh"))  # fmt: skip
    assert ids(engine, "anh", order="date") == ["2", "3", "1", "4"]
    assert ids(engine, "anh", order="date_asc") == ["4", "1", "3", "2"]
    assert ids(engine) == ["2", "3", "1", "4"]  # no words: newest first


@pytest.mark.parametrize("order", ["relevance", "date", "date_asc"])
def test_paging_is_stable_across_pages(engine, order):
    put(engine, *(doc(n, "ảnh giống nhau", date=20000101 + n % 3) for n in range(47)))
    everything = ids(engine, "anh", order=order)
    assert len(everything) == 47
    pages = [engine.search(Query(text="anh", order=order, page=page, per_page=10)) for page in range(1, 6)]
    assert all(p.total == 47 for p in pages)
    assert [h.id for p in pages for h in p.hits] == everything
    assert engine.search(Query(text="anh", order=order, page=6, per_page=10)).hits == []


def test_snippets_mark_the_words_in_the_readers_language(engine):
    put(engine, doc(1, "Quyền con người là quyền của mọi người", en="Human rights are the rights of everyone"),
        doc(2, "<script>alert(1)</script> quyền"))  # fmt: skip
    [english] = engine.search(Query(text="human", snippet_lang="en-GB")).hits
    assert "<mark" in english.snippet and "Human" in english.snippet
    [vietnamese] = engine.search(Query(text="quyen con nguoi", snippet_lang="vi")).hits
    assert "<mark" in vietnamese.snippet and "Quyền" in vietnamese.snippet
    [fallback] = engine.search(Query(text="nguoi", snippet_lang="fr")).hits  # no French: Vietnamese
    assert "<mark" in fallback.snippet and "người" in fallback.snippet
    escaped = engine.search(Query(text="quyen", filters={"type": ["photo"]}, snippet_lang="vi")).hits
    snippet = next(h.snippet for h in escaped if h.id == "2")
    assert (
        "<script" not in snippet and "</script" not in snippet and "&lt;/script&gt;" in snippet and "<mark" in snippet
    )
    assert all(h.snippet is None for h in engine.search(Query(snippet_lang="vi")).hits)  # no words, no snippet


def test_bad_queries_never_fail_and_a_long_one_says_it_was_cut(engine):
    put(engine, doc(1, "Hà Nội, ngày 2 tháng 9"))
    for text in ['"Hà Nội', "AND", "OR NOT", "-", "*", '"', '"""', "\x00\x07ab", "((", "a:b", "\u0301", "ngu*" * 300]:
        engine.search(Query(text=text))
    assert engine.search(Query(text="ha noi")).notice is None
    assert engine.search(Query(text="quyen " * 2000)).notice


def test_digests_and_count_follow_the_documents(engine):
    assert engine.digests() == {} and engine.count() == 0
    put(engine, doc(1, "a", digest="one"), doc(2, "b", digest="two"))
    assert engine.digests() == {"1": "one", "2": "two"} and engine.count() == 2
    put(engine, doc(1, "a b", digest="one-again"))
    assert engine.digests() == {"1": "one-again", "2": "two"} and engine.count() == 2


def test_the_version_changes_with_every_commit_and_rebuild_only(engine):
    engine.ensure()
    seen = [engine.version()]
    assert engine.version() == seen[0] and ids(engine) == [] and engine.version() == seen[0]  # reading changes none
    put(engine, doc(1, "tranh"))
    seen.append(engine.version())
    put(engine, doc(1, "tranh cổ động"))  # at once after the last: no clock's resolution hides it
    seen.append(engine.version())
    with engine.try_writer() as writer:
        writer.delete("1")
    seen.append(engine.version())
    engine.rebuild(iter([doc(2, "ảnh")]))
    seen.append(engine.version())
    assert len(set(seen)) == len(seen) and engine.version() == seen[-1]


def test_a_rebuild_swaps_the_new_index_in(engine):
    put(engine, doc(1, "tranh cũ"), doc(2, "ảnh cũ"))
    seen = []
    old = engine.rebuild(iter([doc(2, "ảnh mới", digest="new-2"), doc(3, "bản đồ mới")]),
                         on_document=lambda: seen.append(1), keep_old=True)  # fmt: skip
    assert len(seen) == 2
    assert sorted(ids(engine, "moi")) == ["2", "3"] and ids(engine, "cu") == []
    assert engine.digests() == {"2": "new-2", "3": "digest-3"} and engine.count() == 2
    engine.discard(old)
    assert sorted(ids(engine, "moi")) == ["2", "3"]
    engine.rebuild(iter([]))
    assert engine.count() == 0 and ids(engine) == []


def test_a_rebuild_in_several_processes_finds_the_same_and_reads_in_the_calling_thread(engine):
    caller, readers = threading.get_ident(), set()

    def documents():
        for n in range(30):
            readers.add(threading.get_ident())  # a database session may only work in its own thread
            yield doc(n, f"ảnh số {n} {'lẻ' if n % 2 else 'chẵn'}", type="photo" if n % 3 else "poster")

    engine.rebuild(documents(), procs=2)
    assert readers == {caller}
    results = engine.search(Query(text="le", facets=("type",), per_page=100))
    assert sorted(int(h.id) for h in results.hits) == list(range(1, 30, 2))
    assert results.facets == {"type": {"photo": 10, "poster": 5}}


def test_a_reader_kept_open_sees_no_later_write_or_rebuild(engine):
    put(engine, doc(1, "ảnh một", date=19450902))
    with engine.reading() as reader:
        put(engine, doc(2, "ảnh hai"))
        assert [h.id for h in reader.search(Query(text="anh")).hits] == ["1"]
        assert sorted(ids(engine, "anh")) == ["1", "2"]
        engine.rebuild(iter([doc(3, "ảnh ba")]))
        # Asked differently (other terms, date order, facets, snippets): still the old view.
        later = reader.search(Query(text='mo* "anh mot"', order="date", facets=FACETS, snippet_lang="vi"))
        assert [h.id for h in later.hits] == ["1"] and later.facets["type"] == {"photo": 1}
        assert "<mark" in later.hits[0].snippet
    assert ids(engine, "anh") == ["3"]


def test_readers_do_not_wait_for_a_writer_and_writers_are_one_at_a_time(engine):
    put(engine, doc(1, "ảnh một"))
    with engine.try_writer() as writer:
        writer.upsert(doc(2, "ảnh hai"))
        assert ids(engine, "anh") == ["1"]  # not committed yet
        with engine.try_writer() as second:
            assert second is None
    assert sorted(ids(engine, "anh")) == ["1", "2"]


def test_a_bulk_write_ends_as_the_same_writes_one_by_one(engine):
    """A backlog in one block, shared by two processes: new ids, replaced and deleted old ones, and an id
    written twice or written then deleted in the block; no document twice, none stale."""
    put(engine, *(doc(n, f"ảnh cũ {n}", digest=f"old-{n}") for n in range(150)))
    with engine.try_writer(procs=2) as writer:
        for n in range(100, 400):
            writer.upsert(doc(n, f"ảnh mới {n}", digest=f"new-{n}"))
        for n in range(50):
            writer.delete(str(n))
        writer.upsert(doc(120, "ảnh lần hai", digest="twice"))
        writer.delete("399")
    expected = {str(n): f"old-{n}" for n in range(50, 100)}
    expected |= {str(n): f"new-{n}" for n in range(100, 399)} | {"120": "twice"}
    assert engine.digests() == expected and engine.count() == len(expected)
    assert sorted(int(i) for i in ids(engine, "cu")) == list(range(50, 100))
    assert len(ids(engine, "moi")) == 298 and ids(engine, "lan hai") == ["120"]
    [hit] = engine.search(Query(text="lan hai", snippet_lang="vi")).hits  # its snippet is of the last version
    assert marked(hit.snippet) == ["lần", "hai"]


def marked(snippet: str | None) -> list[str]:
    """The words a snippet marks, in order."""
    return re.findall(r'<mark class="hl">([^<]*)</mark>', snippet or "")


def test_snippets_mark_words_and_prefixes_typed_with_or_without_accents(engine):
    put(engine, doc(1, "Quyền con người; QUYẾT định của Đắk Lắk"))
    for text, words in [("quyen", ["Quyền"]), ("QUYỀN", ["Quyền"]), ("quy*", ["Quyền", "QUYẾT"]),
                        ("dak lak", ["Đắk", "Lắk"]), ('"con nguoi"', ["con", "người"]), ("con ngu*", ["con", "người"]),
                        ("quyen -hue", ["Quyền"])]:  # fmt: skip
        [hit] = engine.search(Query(text=text, snippet_lang="vi")).hits
        assert marked(hit.snippet) == words, text


def test_a_snippet_is_found_far_into_a_long_text(engine):
    corpus = Path(__file__).resolve().parents[3] / "archive" / "data" / "corpus"
    # 160 KB, more than a snippet record keeps: the words below are found past what it holds of the rest.
    filler = unicodedata.normalize("NFC", (corpus / "qd-1079-ttg-2022-de-an.txt").read_text(encoding="utf-8")) * 2
    put(engine, doc(1, f"{filler} Vịnh Hạ Long có 1.969 hòn đảo. {filler[:5000]}"), doc(2, "Hạ Long"))
    hits = {h.id: h.snippet for h in engine.search(Query(text="vinh ha long", snippet_lang="vi")).hits}
    assert list(hits) == ["1"] and "1.969 hòn đảo" in hits["1"] and "Long</mark> có 1.969" in hits["1"]


def test_an_updated_or_deleted_document_never_shows_its_old_snippet(engine):
    put(engine, doc(1, "Ảnh cũ về quyền con người", digest="first"))
    put(engine, doc(1, "Ảnh mới về quyền trẻ em", digest="second"))
    [hit] = engine.search(Query(text="quyen", snippet_lang="vi")).hits
    assert "mới" in hit.snippet and "cũ" not in hit.snippet
    with engine.try_writer() as writer:
        writer.delete("1")
    assert engine.search(Query(text="quyen")).hits == []
    put(engine, doc(1, "Bản đồ quyền sử dụng đất", digest="third"))  # the same id, another document
    [hit] = engine.search(Query(text="quyen", snippet_lang="vi")).hits
    assert "Bản đồ" in hit.snippet and "Ảnh" not in hit.snippet


@pytest.mark.parametrize("engine_kind", FOLDER_KINDS)
def test_two_processes_creating_the_index_at_once_keep_one_and_every_write(engine_kind, tmp_path, monkeypatch):
    """Two processes starting on a new data folder: the index one of them made and wrote to stays."""
    folder = str(tmp_path / "index")
    first = open_engine(folder, FACETS, engine_kind)
    second = type(first)(folder, FACETS)  # not the process's shared object: another process's
    linking = type(first)._link_first

    def meanwhile(self, generation):
        if self is first:  # the other process creates, links and writes before this one links
            put(second, doc(1, "Tranh cổ động"))
        return linking(self, generation)

    monkeypatch.setattr(type(first), "_link_first", meanwhile)
    first.ensure()
    put(first, doc(2, "Ảnh tư liệu"))
    for engine in (first, second):
        assert sorted(ids(engine)) == ["1", "2"]
    assert len([path for path in tmp_path.iterdir() if path.is_dir() and not path.is_symlink()]) == 1
    first.close()
    second.close()


@pytest.mark.parametrize("engine_kind", sorted(IN_DATABASE & set(KINDS)))
def test_two_processes_creating_the_index_in_the_database_at_once_keep_one_and_every_write(engine_kind, pg_server):
    """Two processes starting on a new database: one index, made once, holds what each wrote."""
    name = unique_name()
    location = pg_server.create_database(name)  # empty: no index yet
    first, second = (type(open_engine(location, FACETS, engine_kind))(location, FACETS) for _ in range(2))
    errors = []

    def start(engine, document):
        try:
            engine.ensure()
            for _attempt in range(500):  # the other may hold the writer: its work is its own, so wait
                with engine.try_writer() as writer:
                    if writer is not None:
                        writer.upsert(document)
                        return
                time.sleep(0.01)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(e, doc(n, "Tranh cổ động"))) for n, e in ((1, first), (2, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for engine in (first, second):
        assert sorted(ids(engine)) == ["1", "2"]
        engine.close()
    pg_server.drop_database(name)
