"""The shares of items, exhibitions and e-books in foreign and ethnic-minority languages, by period."""

from datetime import UTC, datetime

from exhibitions.models import ExhibitionStatus
from reports.period import Period
from reports.selection import shown_exhibitions
from reports.shares import language_figures
from tests.reports.conftest import TIMEZONE


def _texts(*langs):
    return {lang: {"title": f"Tiêu đề ({lang})"} for lang in ("vi", *langs)}


def _shares(db_session, period):
    figures = language_figures(db_session, period, TIMEZONE, shown_exhibitions(db_session, period))
    return {s.product: (s.total, s.foreign, s.ethnic, s.either) for s in figures.shares}, figures


def test_items_exhibitions_and_books_against_the_target(db_session, published_item, make_item, entered, shown):
    for langs in [(), ("en",), ("tyz",), ("km",), ("en", "rad")]:
        entered(published_item(texts=_texts(*langs)), 2026)
    entered(make_item(texts=_texts("fr")), 2026)  # a draft: not a product yet
    entered(published_item(texts=_texts("fr")), 2024)
    shown("EN26", "vn-cao-bang", "2026-03-01", ["en"])
    shown("TY26", "vn-cao-bang", "2026-04-01", ["tyz"])
    shown("VI26", "vn-ha-noi", "2026-05-01")
    shown("KM26", "vn-can-tho", "2026-06-01", ["km"])
    shown("FR26", "vn-ha-noi", "2026-07-01", ["fr"], status=ExhibitionStatus.DRAFT)

    every, figures = _shares(db_session, Period())
    # Items: en, km, en+rad and the 2024 fr are foreign; tyz, km, rad ethnic; Khmer once in "either".
    assert every["items"] == (6, 4, 3, 5)
    assert every["exhibitions"] == (4, 2, 2, 3)
    assert every["ebooks"] == (7, 2, 2, 3)  # vi+en, vi+tyz, vi, vi+km
    items = figures.shares[0]
    assert round(items.of(items.either), 3) == 0.833 and items.against_target == "above"

    this_year, _figures = _shares(db_session, Period(2026))
    assert this_year["items"] == (5, 3, 3, 4)
    earlier, _figures = _shares(db_session, Period(2024))
    assert earlier["items"] == (1, 1, 0, 1) and earlier["exhibitions"] == (0, 0, 0, 0)


def test_the_table_of_languages_counts_items_machine_texts_and_exhibitions(db_session, published_item, shown):
    published_item(texts={"vi": {"title": "Ảnh"}, "en": {"title": "Photo", "state": "machine"}})
    published_item(texts={"vi": {"title": "Ảnh"}, "en": {"title": "Photo", "state": "reviewed"}})
    shown("EN26", "vn-cao-bang", "2026-03-01", ["en", "tyz"])
    _every, figures = _shares(db_session, Period())
    rows = {row.lang: (row.items, row.machine_texts, row.exhibitions) for row in figures.languages}
    assert rows == {"vi": (2, 0, 1), "en": (2, 1, 1), "tyz": (0, 0, 1)}
    assert figures.languages[0].lang == "vi"  # the reference first


def test_a_year_begins_in_vietnam_not_in_greenwich(db_session, published_item):
    item = published_item(texts=_texts("en"))
    item.created_at = datetime(2024, 12, 31, 18, tzinfo=UTC)  # 1 January 2025, 01:00 in Hà Nội
    db_session.commit()
    assert _shares(db_session, Period(2025))[0]["items"] == (1, 1, 0, 1)
    assert _shares(db_session, Period(2024))[0]["items"] == (0, 0, 0, 0)


def test_within_the_target(db_session, shown):
    for number in range(6):
        shown(f"VI{number}", "vn-ha-noi", "2026-03-01")
    shown("EN1", "vn-ha-noi", "2026-03-01", ["en"])
    exhibitions = _shares(db_session, Period())[1].shares[1]
    assert (exhibitions.either, exhibitions.total, exhibitions.against_target) == (1, 7, "below")
    shown("EN2", "vn-ha-noi", "2026-03-01", ["en"])  # 2 of 8: 25 %
    assert _shares(db_session, Period())[1].shares[1].against_target == "above"
    shown("VI7", "vn-ha-noi", "2026-03-01")
    shown("VI8", "vn-ha-noi", "2026-03-01")  # 2 of 10: 20 %, the top of the target
    assert _shares(db_session, Period())[1].shares[1].against_target == "within"
