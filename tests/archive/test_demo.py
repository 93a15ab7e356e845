import pytest
from sqlalchemy import func, select

from archive.models import Item, ItemStatus, ItemText, MediaFile
from core.storage import get_storage

# The demo load itself, on SQLite in `make test` and on both databases in `make test-all`.
pytestmark = pytest.mark.one_database


@pytest.fixture
def database_url(demo_database_url):
    """The database and data folder as `flask demo load` left them (loaded once a session, tests/conftest.py)."""
    return demo_database_url


def test_demo_load_builds_a_realistic_archive_once(demo_template, runner, db_session):
    assert demo_template.exit_code == 0, demo_template.output
    items = list(db_session.scalars(select(Item)))
    assert f"loaded {len(items)} demo items" in demo_template.output
    assert len(items) >= 30
    assert {i.type for i in items} == {"photo", "document", "poster", "publication"}
    assert len({i.place_id for i in items}) >= 15
    assert {ItemStatus.PUBLISHED, ItemStatus.REVIEW, ItemStatus.DRAFT} <= {i.status for i in items}
    languages = set(db_session.scalars(select(ItemText.lang).distinct()))
    assert {"vi", "en", "fr", "tyz"} <= languages
    assert db_session.scalar(select(func.count()).select_from(Item).where(~Item.terms.any())) == 0
    # The programme's own documents, with their full text as transcription.
    decision = db_session.scalar(select(Item).where(Item.reference_code == "VTR-TL-2022-001"))
    assert "QUYỀN CON NGƯỜI" in decision.text_for("vi").transcription
    for media in db_session.scalars(select(MediaFile)):
        assert get_storage().verify(media.sha256) and media.width == 1200
    again = runner.invoke(args=["demo", "load"])
    assert "already has items" in again.output
    assert db_session.scalar(select(func.count(Item.id))) == len(items)
