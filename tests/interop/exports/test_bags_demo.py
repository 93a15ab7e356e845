"""The full size of the round trip (`make test-all`): every published item of the demo archive, through the
commands, into an empty national database and out again, checksum for checksum. Its short form, two items,
runs in `make test` (test_bags.py)."""

import pytest
from sqlalchemy import select

from archive.models import Item, ItemStatus
from core.uow import unit
from tests.conftest import VitrineCliRunner
from tests.interop.exports.test_bags import _manifest, _records, _unzip, _validate

pytestmark = pytest.mark.long


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _published(app) -> list[int]:
    with app.app_context(), unit("published", write=False) as session:
        return list(session.scalars(select(Item.id).where(Item.status == ItemStatus.PUBLISHED).order_by(Item.id)))


def test_the_demo_archive_round_trips_through_the_commands(app, runner, tmp_path, national):
    ids = _published(app)
    assert len(ids) > 5
    result = runner.invoke(args=["bag", "export", str(tmp_path / "demo"), "--query", "order=date"])
    assert result.exit_code == 0, result.output
    assert _validate(tmp_path / "demo").returncode == 0
    national_runner = VitrineCliRunner(national)
    with national.app_context():
        imported = national_runner.invoke(args=["bag", "import", str(tmp_path / "demo")])
        assert imported.exit_code == 0, imported.output
        assert f"imported {len(ids)}, skipped 0" in imported.output
        out = national_runner.invoke(args=["bag", "export", str(tmp_path / "back.zip"), "--query", "order=date"])
        assert out.exit_code == 0, out.output
    back = _unzip(tmp_path / "back.zip", tmp_path / "back")
    assert _records(back) == _records(tmp_path / "demo")
    files = {path: digest for path, digest in _manifest(tmp_path / "demo", "sha512").items() if "/files/" in path}
    assert files and {p: d for p, d in _manifest(back, "sha512").items() if "/files/" in p} == files
