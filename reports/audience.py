"""What the public did with the programme's products: QR scans per exhibition and per panel, month
by month, and downloads of e-books, catalogues and offline packages by language.

Both come from daily counts that hold nothing about who scanned or downloaded (QrScanDay,
DownloadDay). A period takes the scans and downloads made during it, whichever year the
exhibition opened.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import extract, func, select
from sqlalchemy.orm import selectinload

from archive.models import Item
from exhibitions.models import DownloadDay, Entry, Exhibition, PublicationKind, QrLink, QrScanDay, QrTarget
from reports.period import Period

Month = tuple[int, int]


@dataclass(frozen=True)
class Series:
    """Counts per month (year, month)."""

    by_month: dict[Month, int]

    @property
    def total(self) -> int:
        return sum(self.by_month.values())


@dataclass(frozen=True)
class TargetScans:
    """The scans of the codes of one target (every printed language together)."""

    exhibition: Exhibition
    target: QrTarget
    target_id: int | None
    entry: Entry | None  # for a panel (an entry target) that still exists
    series: Series


@dataclass(frozen=True)
class ScanFigures:
    months: list[Month]
    total: Series
    exhibitions: list[tuple[Exhibition, Series]]  # most scanned first
    targets: list[TargetScans]  # every target scanned, by exhibition then most scanned

    @property
    def panels(self) -> list[TargetScans]:
        """The panels (entries) scanned, most scanned first."""
        found = [t for t in self.targets if t.target == QrTarget.ENTRY]
        return sorted(found, key=lambda t: (-t.series.total, t.exhibition.code, t.target_id or 0))


@dataclass(frozen=True)
class DownloadFigures:
    months: list[Month]
    by_month: dict[Month, Counter]  # kind → count
    by_language: list[tuple[str, Counter]]  # most downloaded first
    by_exhibition: list[tuple[Exhibition, str, Counter]]  # (exhibition, language, kind → count)

    @property
    def total(self) -> int:
        return sum(sum(kinds.values()) for _lang, kinds in self.by_language)


def month_axis(period: Period, present) -> list[Month]:
    """The months a chart shows: the twelve of the year, or every month from the first to the last with data."""
    if period.year:
        return [(period.year, month) for month in range(1, 13)]
    if not present:
        return []
    (year, month), last = min(present), max(present)
    months = []
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _day_conditions(column, period: Period) -> list:
    bounds = period.day_range()
    return [column >= bounds[0], column <= bounds[1]] if bounds else []


def _exhibitions(session, ids) -> dict[int, Exhibition]:
    query = select(Exhibition).where(Exhibition.id.in_(ids)).options(selectinload(Exhibition.texts))
    return {e.id: e for e in session.scalars(query)} if ids else {}


def scan_figures(session, period: Period) -> ScanFigures:
    """Scans in the period per month: in all, per exhibition, and per target (panel, section, book, exhibition)."""
    year, month = extract("year", QrScanDay.day), extract("month", QrScanDay.day)
    query = (
        select(QrLink.exhibition_id, QrLink.target, QrLink.target_id, year, month, func.sum(QrScanDay.count))
        .join(QrLink, QrLink.id == QrScanDay.qr_link_id)
        .where(*_day_conditions(QrScanDay.day, period))
        .group_by(QrLink.exhibition_id, QrLink.target, QrLink.target_id, year, month)
    )
    per_target, per_exhibition, total = defaultdict(Counter), defaultdict(Counter), Counter()
    for exhibition_id, target, target_id, y, m, count in session.execute(query):
        key = (int(y), int(m))
        per_target[(exhibition_id, target, target_id)][key] += int(count)
        per_exhibition[exhibition_id][key] += int(count)
        total[key] += int(count)
    exhibitions = _exhibitions(session, list(per_exhibition))
    entry_ids = [target_id for (_e, target, target_id) in per_target if target == QrTarget.ENTRY]
    entries = {}
    if entry_ids:
        query = select(Entry).where(Entry.id.in_(entry_ids)).options(selectinload(Entry.item).selectinload(Item.texts))
        entries = {entry.id: entry for entry in session.scalars(query)}
    targets = [
        TargetScans(
            exhibitions[e_id],
            target,
            target_id,
            entries.get(target_id) if target == QrTarget.ENTRY else None,
            Series(dict(counts)),
        )
        for (e_id, target, target_id), counts in per_target.items()
    ]
    targets.sort(key=lambda t: (t.exhibition.code, -t.series.total, str(t.target), t.target_id or 0))
    by_exhibition = sorted(
        ((exhibitions[e_id], Series(dict(c))) for e_id, c in per_exhibition.items()),
        key=lambda pair: (-pair[1].total, pair[0].code),
    )
    return ScanFigures(month_axis(period, list(total)), Series(dict(total)), by_exhibition, targets)


def download_figures(session, period: Period) -> DownloadFigures:
    """Downloads in the period per month, per language and per exhibition and language, by kind."""
    year, month = extract("year", DownloadDay.day), extract("month", DownloadDay.day)
    query = (
        select(DownloadDay.exhibition_id, DownloadDay.lang, DownloadDay.kind, year, month, func.sum(DownloadDay.count))
        .where(*_day_conditions(DownloadDay.day, period))
        .group_by(DownloadDay.exhibition_id, DownloadDay.lang, DownloadDay.kind, year, month)
    )
    by_month, by_language, by_pair = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
    for exhibition_id, lang, kind, y, m, count in session.execute(query):
        kind = PublicationKind(kind)
        by_month[(int(y), int(m))][kind] += int(count)
        by_language[lang][kind] += int(count)
        by_pair[(exhibition_id, lang)][kind] += int(count)
    exhibitions = _exhibitions(session, list({e_id for e_id, _lang in by_pair}))
    languages = sorted(by_language.items(), key=lambda pair: (-sum(pair[1].values()), pair[0]))
    pairs = sorted(
        ((exhibitions[e_id], lang, kinds) for (e_id, lang), kinds in by_pair.items()),
        key=lambda row: (row[0].code, -sum(row[2].values()), row[1]),
    )
    return DownloadFigures(month_axis(period, list(by_month)), dict(by_month), languages, pairs)
