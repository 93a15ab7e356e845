"""QR scans per exhibition and panel over time, and downloads by language, in a period."""

from datetime import date

import pytest
from sqlalchemy import select

from exhibitions import publications, qr
from exhibitions.composing import publish
from exhibitions.models import PublicationKind, QrLink, QrTarget
from reports.audience import download_figures, month_axis, scan_figures
from reports.period import Period


@pytest.fixture
def published(db_session, curator, make_exhibition):
    """Factory: a published exhibition with its codes, two panels, in Vietnamese and `languages`."""

    def make(code, languages=("en",)):
        exhibition = make_exhibition(sections=1, entries=2, code=code, languages=list(languages))
        publish(db_session, curator, exhibition)
        db_session.commit()
        return exhibition

    return make


def _link(db_session, exhibition, target, target_id=None, lang=None):
    query = select(QrLink).filter_by(exhibition_id=exhibition.id, target=target, target_id=target_id, lang=lang)
    return db_session.scalars(query).one()


def _scan(db_session, link, day, times=1):
    for _n in range(times):
        qr.count_scan(db_session.connection(), link.id, day)
    db_session.commit()


def test_scans_per_month_exhibition_and_panel(db_session, published, client):
    cao_bang, geneva = published("CB25"), published("GE25", ["fr"])
    first, second = cao_bang.entries
    _scan(db_session, _link(db_session, cao_bang, QrTarget.ENTRY, first.id), date(2025, 3, 5), 3)
    _scan(db_session, _link(db_session, cao_bang, QrTarget.ENTRY, first.id, "en"), date(2025, 3, 28), 2)
    _scan(db_session, _link(db_session, cao_bang, QrTarget.ENTRY, second.id), date(2025, 11, 2))
    _scan(db_session, _link(db_session, geneva, QrTarget.EXHIBITION), date(2025, 11, 3), 4)
    _scan(db_session, _link(db_session, geneva, QrTarget.EBOOK, lang="fr"), date(2024, 12, 31))
    client.get(f"/q/{_link(db_session, cao_bang, QrTarget.ENTRY, second.id).code}")  # a scan today, as counted
    db_session.rollback()  # end the test's read snapshot to see what the request wrote

    in_2025 = scan_figures(db_session, Period(2025))
    assert in_2025.months == [(2025, m) for m in range(1, 13)]
    assert in_2025.total.by_month == {(2025, 3): 5, (2025, 11): 5} and in_2025.total.total == 10
    assert [(e.code, s.total) for e, s in in_2025.exhibitions] == [("CB25", 6), ("GE25", 4)]
    # A panel's codes in every printed language count together.
    assert [(p.entry_id, p.panel_number, p.total) for p in in_2025.panels] == [
        (first.id, first.panel_number, 5), (second.id, second.panel_number, 1)]  # fmt: skip
    assert in_2025.panels[0].titles == {"vi": first.item.texts[0].title}
    every = scan_figures(db_session, Period())
    assert every.total.total == 12 and every.months[0] == (2024, 12) and every.months[-1][0] == date.today().year
    assert every.detail is None
    # Month by month for each code's target, only when asked for: a CSV file's worth.
    detail = scan_figures(db_session, Period(2025), detail=True).detail
    assert [(r.exhibition.code, str(r.target), r.panel_number, r.month, r.count) for r in detail] == [
        ("CB25", "entry", first.panel_number, (2025, 3), 5), ("CB25", "entry", second.panel_number, (2025, 11), 1),
        ("GE25", "exhibition", None, (2025, 11), 4)]  # fmt: skip


def test_downloads_by_language_kind_and_month(db_session, published):
    cao_bang = published("CB25", ["tyz", "en"])
    connection = db_session.connection()
    for lang, kind, day, times in [("vi", PublicationKind.EPUB, date(2025, 12, 10), 4),
                                   ("tyz", PublicationKind.EPUB, date(2025, 12, 11), 2),
                                   ("tyz", PublicationKind.CATALOGUE, date(2026, 1, 5), 1),
                                   ("en", PublicationKind.OFFLINE, date(2026, 2, 1), 3)]:  # fmt: skip
        for _n in range(times):
            publications.count_download(connection, cao_bang.id, lang, kind, day)
    db_session.commit()
    every = download_figures(db_session, Period())
    assert every.total == 10 and every.months == [(2025, 12), (2026, 1), (2026, 2)]
    assert [(lang, dict(kinds)) for lang, kinds in every.by_language] == [
        ("vi", {PublicationKind.EPUB: 4}), ("en", {PublicationKind.OFFLINE: 3}),
        ("tyz", {PublicationKind.EPUB: 2, PublicationKind.CATALOGUE: 1})]  # fmt: skip
    in_2025 = download_figures(db_session, Period(2025))
    assert in_2025.total == 6 and [lang for lang, _kinds in in_2025.by_language] == ["vi", "tyz"]
    assert [(e.code, lang, sum(k.values())) for e, lang, k in in_2025.by_exhibition] == [("CB25", "vi", 4),
                                                                                        ("CB25", "tyz", 2)]  # fmt: skip


def test_the_month_axis():
    assert month_axis(Period(2025), []) == [(2025, m) for m in range(1, 13)]
    assert month_axis(Period(), []) == []
    assert month_axis(Period(), [(2026, 2), (2025, 11)]) == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
