"""`flask bag export` and `flask bag import`: choosing the items, progress and reports, refusals in words."""

import zipfile

import pytest
from sqlalchemy import func, select

from archive.models import Item
from core.db import db
from exhibitions.composing import publish
from interop.exports import select_items
from tests.conftest import VitrineCliRunner


@pytest.fixture
def app_config(app_config):
    """Commands speak the site's default language: English here, for the messages the tests read."""
    return app_config | {"BABEL_DEFAULT_LOCALE": "en"}


def test_export_then_import_by_the_commands(runner, tmp_path, published_item, make_item, national):
    published = [published_item(reference_code=f"CB-{n}", texts={"vi": {"title": f"Hà Giang {n}"}}) for n in (1, 2)]
    draft = make_item(reference_code="CB-DRAFT")
    ids = ",".join(str(item.id) for item in [*published, draft])
    result = runner.invoke(args=["bag", "export", str(tmp_path / "out.zip"), "--ids", ids])
    assert result.exit_code == 0, result.output
    assert "left out, not published: CB-DRAFT" in result.output
    assert "wrote " in result.output and "2 items, 0 originals" in result.output
    assert any(name.endswith("/bagit.txt") for name in zipfile.ZipFile(tmp_path / "out.zip").namelist())

    national_runner = VitrineCliRunner(national)
    with national.app_context():
        first = national_runner.invoke(args=["bag", "import", str(tmp_path / "out.zip")])
        again = national_runner.invoke(args=["bag", "import", str(tmp_path / "out.zip")])
        assert db.session.scalar(select(func.count()).select_from(Item)) == 2
    assert first.exit_code == 0, first.output
    assert "imported 2, skipped 0 already here" in first.output
    assert "imported 0, skipped 2 already here" in again.output


def test_a_refused_import_lists_its_problems_and_fails(runner, tmp_path, published_item, national):
    item = published_item(reference_code="CB-7")
    runner.invoke(args=["bag", "export", str(tmp_path / "bag"), "--ids", str(item.id)])
    record = next((tmp_path / "bag" / "data" / "items").glob("*/item.json"))
    record.write_text(record.read_text() + " ")
    with national.app_context():
        result = VitrineCliRunner(national).invoke(args=["bag", "import", str(tmp_path / "bag")])
    assert result.exit_code == 1 and "item.json" in result.output


def test_items_chosen_by_a_query_or_an_exhibition(db_session, published_item, make_exhibition, curator):
    for n in range(2):
        published_item(reference_code=f"LS-{n}", texts={"vi": {"title": f"Lạng Sơn {n}"}}, terms=["CRC"])
    by_words = select_items(db_session, query="lang son")
    by_term = select_items(db_session, query="term=CRC&type=photo")
    assert len(by_words.item_ids) == len(by_term.item_ids) == 2
    exhibition = make_exhibition(sections=2, entries=1)
    publish(db_session, curator, exhibition)
    db_session.commit()
    assert len(select_items(db_session, exhibition=exhibition.id).item_ids) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ids", "1", "--query", "x"], "Choose the items one way"),
        ([], "Choose the items one way"),
        (["--ids", "abc"], "abc is not an item id"),
        (["--ids", "99999999999"], "99999999999 is not an item id"),
        (["--ids", "424242"], "There is no item 424242"),
        (["--exhibition", "4242"], "There is no exhibition 4242"),
        (["--query", "q=nothing+matches+this"], "The selection holds no item"),
    ],
)
def test_a_bad_selection_is_refused_in_words(runner, tmp_path, args, message):
    result = runner.invoke(args=["bag", "export", str(tmp_path / "x.zip"), *args])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.zip").exists()


def test_no_export_without_a_repository_identifier(app, runner, tmp_path, published_item):
    item = published_item()
    app.config.pop("REPOSITORY_ID")
    result = runner.invoke(args=["bag", "export", str(tmp_path / "x"), "--ids", str(item.id)])
    assert result.exit_code == 1 and "VITRINE_REPOSITORY_ID" in result.output
    assert not (tmp_path / "x").exists()
