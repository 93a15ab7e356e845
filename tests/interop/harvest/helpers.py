"""Adding the museum as a source and harvesting it, as the command line does, from a test."""

from archive.models import Item, ItemProvenance
from core.accounts import COMMAND_LINE
from core.db import db
from core.uow import unit
from interop.harvest import harvest, protocol
from interop.harvest.sources import add_source, validated_source

MUSEUM = "oai:quangtri-museum.example.org:123456789/"


def add_museum(repository, name="museum", identify="identify.xml", set_spec=None, lang=None, image_hosts=()) -> int:
    """The museum added as a source (its Identify read from the fixture); returns its id."""
    db.session.commit()
    with unit("test source") as session:
        values = validated_source(session, name, repository.base_url, set_spec, lang, image_hosts)
        identity = protocol.identify(repository.fixture(identify)) if identify else None
        return add_source(session, COMMAND_LINE, values, identity).id


def harvest_now(source_id: int, **options):
    """Harvest the source; the test's session then reads afresh."""
    db.session.commit()
    try:
        return harvest(source_id, **options)
    finally:
        db.session.rollback()


def item_of(number: int) -> Item:
    """The item harvested from the museum's record `123456789/<number>`."""
    return db.session.scalars(
        db.select(Item).join(ItemProvenance).where(ItemProvenance.oai_identifier == f"{MUSEUM}{number}")
    ).one()
