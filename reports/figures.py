"""Every figure of the programme for one period, each computed when first read, once."""

from datetime import date
from functools import cached_property

from exhibitions.models import Exhibition
from reports.audience import DownloadFigures, ScanFigures, download_figures, scan_figures
from reports.holdings import Holdings, item_holdings
from reports.period import Period
from reports.places import PlaceFigures, place_figures
from reports.selection import shown_exhibitions
from reports.shares import LanguageFigures, language_figures


class ProgrammeFigures:
    """What the annual report asks, for one period. `timezone` sets where a year begins for timestamps;
    `detail` adds the scans of every code month by month, which only a CSV file holds."""

    def __init__(self, session, period: Period, timezone: str, today: date, detail: bool = False):
        self.session, self.period, self.timezone, self.today, self.detail = session, period, timezone, today, detail

    @cached_property
    def exhibitions(self) -> list[Exhibition]:
        return shown_exhibitions(self.session, self.period)

    @cached_property
    def holdings(self) -> Holdings:
        return item_holdings(self.session, self.period, self.timezone)

    @cached_property
    def languages(self) -> LanguageFigures:
        return language_figures(self.session, self.period, self.timezone, self.exhibitions)

    @cached_property
    def places(self) -> PlaceFigures:
        return place_figures(self.session, self.exhibitions, self.today)

    @cached_property
    def scans(self) -> ScanFigures:
        return scan_figures(self.session, self.period, self.detail)

    @cached_property
    def downloads(self) -> DownloadFigures:
        return download_figures(self.session, self.period)


def programme_figures(session, period: Period, timezone: str, today: date, detail: bool = False) -> ProgrammeFigures:
    """The figures of `period`, computed as they are read."""
    return ProgrammeFigures(session, period, timezone, today, detail)
