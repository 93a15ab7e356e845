"""Fixtures for the figures: items entered on given days, exhibitions shown at given places and dates."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from archive.models import Place
from exhibitions.models import ExhibitionStatus

TIMEZONE = "Asia/Ho_Chi_Minh"


@pytest.fixture
def entered(db_session):
    """Set when an item was entered into the archive (its created_at), as if it had been then."""

    def enter(item, year: int, month: int = 6, day: int = 1, hour: int = 12):
        item.created_at = datetime(year, month, day, hour, tzinfo=UTC)
        db_session.commit()
        return item

    return enter


@pytest.fixture
def shown(db_session, make_exhibition):
    """Factory: an exhibition as publishing leaves it (no entries unless asked), at a venue recorded
    as it was named then — Kiên Giang in 2024 — which the curators' form no longer offers."""

    def make(code, venue=None, opens_on=None, languages=(), primary="vi", status=ExhibitionStatus.PUBLISHED,
             published=None, entries=0):  # fmt: skip
        texts = {lang: {"title": f"{code} ({lang})"} for lang in (primary, *languages)}
        exhibition = make_exhibition(sections=1 if entries else 0, entries=entries, code=code, venue=None,
                                     opens_on=opens_on, closes_on=None, primary_language=primary,
                                     languages=list(languages), texts=texts)  # fmt: skip
        exhibition.venue = db_session.scalar(select(Place).where(Place.code == venue)) if venue else None
        exhibition.status = status
        exhibition.published_at = published or datetime(2026, 1, 15, tzinfo=UTC)
        db_session.commit()
        return exhibition

    return make
