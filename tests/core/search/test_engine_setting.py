"""SEARCH_ENGINE chooses the engine the app indexes and searches with, each in its own folder."""

from pathlib import Path

import pytest

from app import create_app
from archive.searching import search_items
from core import config
from core.search import check, engine, open_engine, reindex, search_index
from core.search.whoosh_engine import WhooshIndex


def test_the_setting_comes_from_the_environment_and_names_the_index_folder(tmp_path):
    assert config.DEFAULTS["SEARCH_ENGINE"] == engine.DEFAULT == "tantivy"
    found = config.from_env({"VITRINE_DATA_DIR": str(tmp_path), "VITRINE_SEARCH_ENGINE": " Whoosh"})
    assert found["SEARCH_ENGINE"] == "whoosh"
    settings = {**config.DEFAULTS, **found}
    config.finalise(settings)
    assert Path(settings["SEARCH_INDEX_DIR"]) == tmp_path / "index"  # where Whoosh's always was
    default = {**config.DEFAULTS, "DATA_DIR": str(tmp_path)}
    config.finalise(default)
    assert Path(default["SEARCH_INDEX_DIR"]) == tmp_path / "index-tantivy"


def test_an_unknown_engine_is_named_in_the_error_and_stops_the_start(tmp_path, app_config):
    with pytest.raises(ValueError, match="'lucene'.*tantivy, whoosh"):
        open_engine(str(tmp_path / "index"), (), "lucene")
    with pytest.raises(ValueError, match="'lucene'"):
        create_app({**app_config, "SEARCH_ENGINE": "lucene"})


def test_the_app_indexes_and_searches_with_the_engine_named(app_config, request):
    app_config["SEARCH_ENGINE"] = "whoosh"  # every other test runs the default, tantivy
    app, make_item = request.getfixturevalue("app"), request.getfixturevalue("make_item")
    make_item(reference_code="E-1", texts={"vi": {"title": "Quyền trẻ em"}})
    make_item(reference_code="E-2", texts={"vi": {"title": "Bình đẳng giới"}})
    assert isinstance(search_index(), WhooshIndex) and Path(search_index().path).name == "index"
    found = search_items(request.getfixturevalue("db_session"), {"q": "quyen tre em"}, "vi", public=False).items
    assert [item.reference_code for item in found] == ["E-1"]
    assert reindex(app) == 2 and check() == []
