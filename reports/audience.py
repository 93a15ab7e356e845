"""What the public did with the programme's products: QR scans per exhibition and per panel, month
by month, and downloads of e-books, catalogues and offline packages by language.

Both come from daily counts that hold nothing about who scanned or downloaded (QrScanDay,
DownloadDay). A period takes the scans and downloads made during it, whichever year the
exhibition opened.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from archive.models import ItemText
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
class PanelScans:
    """The scans of one panel's codes (every printed language together)."""

    exhibition: Exhibition
    entry_id: int
    panel_number: str | None  # None when the entry has been removed since
    titles: dict[str, str]  # its item's titles by language
    total: int


@dataclass(frozen=True)
class TargetMonth:
    """The scans of one target's codes in one month: a row of the detail."""

    exhibition: Exhibition
    target: QrTarget
    panel_number: str | None  # for a panel
    target_id: int | None
    month: Month
    count: int


@dataclass(frozen=True)
class ScanFigures:
    months: list[Month]
    total: Series
    exhibitions: list[tuple[Exhibition, Series]]  # most scanned first
    panels: list[PanelScans]  # most scanned first
    detail: list[TargetMonth] | None  # every target month by month, when asked for (it is long)


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


def month_of(session, column):
    """The `YYYY-MM` of a date column, as cheaply as the database gives it: SQLite keeps dates as ISO
    text, so a substring; EXTRACT (or strftime) on every row of the scans costs half as much again."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)
    return func.to_char(column, "YYYY-MM")


class MonthKeys(dict):
    """`YYYY-MM` → (year, month), each parsed once."""

    def __missing__(self, key: str) -> Month:
        self[key] = value = (int(key[:4]), int(key[5:7]))
        return value


def _day_conditions(column, period: Period) -> list:
    bounds = period.day_range()
    return [column >= bounds[0], column <= bounds[1]] if bounds else []


def _exhibitions(session, ids) -> dict[int, Exhibition]:
    query = select(Exhibition).where(Exhibition.id.in_(ids)).options(selectinload(Exhibition.texts))
    return {e.id: e for e in session.scalars(query)} if ids else {}


def scan_figures(session, period: Period, detail: bool = False) -> ScanFigures:
    """Scans in the period per month, per exhibition and per panel; with `detail`, every target month by month."""
    # One pass over the daily counts (by far the largest table), grouped by code and month; the
    # codes' targets are joined here, each code once, rather than in the database, each row.
    month = month_of(session, QrScanDay.day)
    query = (
        select(QrScanDay.qr_link_id, month, func.sum(QrScanDay.count))
        .where(*_day_conditions(QrScanDay.day, period))
        .group_by(QrScanDay.qr_link_id, month)
    )
    links = {
        link_id: (exhibition_id, QrTarget(target), target_id)
        for link_id, exhibition_id, target, target_id in session.execute(
            select(QrLink.id, QrLink.exhibition_id, QrLink.target, QrLink.target_id)
        )
    }
    by_target, months = defaultdict(Counter), MonthKeys()
    for link_id, key, count in session.connection().execute(query):
        by_target[links[link_id]][months[key]] += count
    per_exhibition, total, per_panel = defaultdict(Counter), Counter(), Counter()
    for (exhibition_id, target, target_id), months in by_target.items():
        per_exhibition[exhibition_id].update(months)
        total.update(months)
        if target == QrTarget.ENTRY:
            per_panel[(exhibition_id, target_id)] += sum(months.values())
    exhibitions = _exhibitions(session, list(per_exhibition))
    by_exhibition = sorted(
        ((exhibitions[e_id], Series(dict(c))) for e_id, c in per_exhibition.items()),
        key=lambda pair: (-pair[1].total, pair[0].code),
    )
    numbers, titles = _panels(session, [entry_id for _e, entry_id in per_panel])
    panels = [
        PanelScans(exhibitions[e_id], entry_id, numbers.get(entry_id, (None, None))[0],
                   titles.get(numbers.get(entry_id, (None, None))[1], {}), count)
        for (e_id, entry_id), count in per_panel.items()
    ]  # fmt: skip
    panels.sort(key=lambda p: (-p.total, p.exhibition.code, p.entry_id))
    detail_rows = _scan_detail(by_target, exhibitions, numbers) if detail else None
    return ScanFigures(month_axis(period, list(total)), Series(dict(total)), by_exhibition, panels, detail_rows)


def _panels(session, entry_ids: list[int]) -> tuple[dict, dict]:
    """The panel number and item of each entry that still exists, and the titles of those items by language."""
    if not entry_ids:
        return {}, {}
    numbers = {
        entry_id: (panel, item_id)
        for entry_id, panel, item_id in session.execute(
            select(Entry.id, Entry.panel_number, Entry.item_id).where(Entry.id.in_(entry_ids))
        )
    }
    titles = defaultdict(dict)
    item_ids = {item_id for _panel, item_id in numbers.values()}
    for item_id, lang, title in session.execute(
        select(ItemText.item_id, ItemText.lang, ItemText.title).where(ItemText.item_id.in_(item_ids))
    ):
        titles[item_id][lang] = title
    return numbers, titles


def _scan_detail(by_target: dict, exhibitions: dict, numbers: dict) -> list[TargetMonth]:
    rows = []
    for (exhibition_id, target, target_id), months in by_target.items():
        panel = numbers.get(target_id, (None, None))[0] if target == QrTarget.ENTRY else None
        rows += [TargetMonth(exhibitions[exhibition_id], target, panel, target_id, key, n) for key, n in months.items()]
    order = list(QrTarget)
    rows.sort(key=lambda r: (r.exhibition.code, order.index(r.target), r.target_id or 0, r.month))
    return rows


def download_figures(session, period: Period) -> DownloadFigures:
    """Downloads in the period per month, per language and per exhibition and language, by kind."""
    month = month_of(session, DownloadDay.day)
    query = (
        select(DownloadDay.exhibition_id, DownloadDay.lang, DownloadDay.kind, month, func.sum(DownloadDay.count))
        .where(*_day_conditions(DownloadDay.day, period))
        .group_by(DownloadDay.exhibition_id, DownloadDay.lang, DownloadDay.kind, month)
    )
    by_month, by_language, by_pair, months = (
        defaultdict(Counter),
        defaultdict(Counter),
        defaultdict(Counter),
        MonthKeys(),
    )
    for exhibition_id, lang, kind, key, count in session.execute(query):
        kind = PublicationKind(kind)
        by_month[months[key]][kind] += int(count)
        by_language[lang][kind] += int(count)
        by_pair[(exhibition_id, lang)][kind] += int(count)
    exhibitions = _exhibitions(session, list({e_id for e_id, _lang in by_pair}))
    languages = sorted(by_language.items(), key=lambda pair: (-sum(pair[1].values()), pair[0]))
    pairs = sorted(
        ((exhibitions[e_id], lang, kinds) for (e_id, lang), kinds in by_pair.items()),
        key=lambda row: (row[0].code, -sum(row[2].values()), row[1]),
    )
    return DownloadFigures(month_axis(period, list(by_month)), dict(by_month), languages, pairs)
