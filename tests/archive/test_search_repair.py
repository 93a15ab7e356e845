"""A copied or damaged index: `search reindex` builds a fresh one whatever state the old one is in, reading it
says so clearly, and the pages answer 503 ("being rebuilt") rather than a server error."""

import os
import shutil
from pathlib import Path

import pytest

from archive.searching import search_items
from core.search import IndexUnavailable, Query, check, search_index

pytestmark = pytest.mark.one_database  # the index's folder, whichever database fills it


def _live(index) -> Path:
    return Path(os.path.realpath(index.path))


def dangling_link(index, _elsewhere):
    shutil.rmtree(_live(index))  # a copy that left out the generation the link names


def empty_generation(index, _elsewhere):
    live = _live(index)
    shutil.rmtree(live)
    live.mkdir()  # a half-built generation: a folder without the engine's table of contents


def deleted_segment_file(index, _elsewhere):
    for path in [*_live(index).glob("*.trm"), *_live(index).glob("*.term")]:  # Whoosh's terms, tantivy's
        path.unlink()


def table_of_contents(folder: Path) -> list[Path]:
    """Whoosh's or tantivy's list of an index's segments."""
    return [*folder.glob("_MAIN_*.toc"), *folder.glob("meta.json")]


def plain_folder(index, _elsewhere):
    live = _live(index)
    index.path.unlink()
    shutil.copytree(live, index.path)  # cp -r or copytree follow the link: a plain folder in its place
    shutil.rmtree(live)


def link_into_another_folder(index, elsewhere: Path):
    live = _live(index)
    other = elsewhere / live.name
    shutil.move(live, other)  # into the live data folder this one was copied from
    index.path.unlink()
    index.path.symlink_to(other)  # an absolute link, as a copy made with absolute links carries
    return other


DAMAGES = [dangling_link, empty_generation, deleted_segment_file, plain_folder, link_into_another_folder]


def codes(db_session, q):
    return sorted(i.reference_code for i in search_items(db_session, {"q": q}, "vi", public=False).items)


@pytest.fixture
def damaged(app, db_session, make_item, tmp_path):
    """Three items indexed, then the index closed as by a process that stopped; returns how to damage it."""
    for n, title in enumerate(["Quyền trẻ em", "Bình đẳng giới", "Quyền con người"]):
        make_item(reference_code=f"FIX-{n}", texts={"vi": {"title": title}})
    assert codes(db_session, "tre em") == ["FIX-0"]
    index = search_index()
    index.close()
    elsewhere = tmp_path / "another-data-folder"
    elsewhere.mkdir()
    return lambda damage: damage(index, elsewhere)


@pytest.mark.parametrize("engine", ["tantivy", "whoosh"])
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__)
def test_reindex_builds_a_fresh_index_whatever_the_old_one_is(app_config, request, engine, damage):
    app_config["SEARCH_ENGINE"] = engine
    db_session, runner = request.getfixturevalue("db_session"), request.getfixturevalue("runner")
    other = request.getfixturevalue("damaged")(damage)
    index = search_index()
    if damage in (empty_generation, deleted_segment_file, link_into_another_folder):
        with pytest.raises(IndexUnavailable):
            index.count()
    result = runner.invoke(args=["search", "reindex", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert "indexed 3 items" in result.output
    assert index.path.is_symlink() and index._own(_live(index))
    assert codes(db_session, "tre em") == ["FIX-0"] and check() == []
    # Nothing of the damaged index is left beside the live one, and nothing outside the folder was touched.
    assert sorted(p.name for p in index.path.parent.glob(f"{index.path.name}*")) == [index.path.name, _live(index).name]
    if other is not None:
        assert table_of_contents(other)


def test_a_damaged_index_is_said_on_the_pages_not_a_server_error(app, client, damaged, runner):
    damaged(empty_generation)
    page = client.get("/items?q=quyen", headers={"Accept-Language": "en"})
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Search is being rebuilt" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=quyen")
    assert api.status_code == 503 and api.json["error"]["code"] == "search_unavailable"
    assert client.get("/").status_code == 200  # the home page goes on without its counts
    checked = runner.invoke(args=["search", "check"])
    assert checked.exit_code == 1 and "run `flask search reindex`" in checked.output
    assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
    assert client.get("/items?q=quyen").status_code == 200


def test_a_reader_never_writes_through_a_link_into_another_folder(app, damaged):
    other = damaged(link_into_another_folder)
    with pytest.raises(IndexUnavailable, match="outside its folder"), search_index().try_writer():
        pass
    assert search_index().path.readlink() == other and table_of_contents(other)


def test_an_index_that_opens_still_answers(app, db_session, damaged):
    damaged(lambda index, _elsewhere: None)
    assert search_index().search(Query(text="tre em")).total == 1
