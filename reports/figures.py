"""Every figure of the programme for one period, computed once for the page and the CSV files."""

from dataclasses import dataclass
from datetime import date

from exhibitions.models import Exhibition
from reports.audience import DownloadFigures, ScanFigures, download_figures, scan_figures
from reports.holdings import Holdings, item_holdings
from reports.period import Period
from reports.places import PlaceFigures, place_figures
from reports.selection import shown_exhibitions
from reports.shares import LanguageFigures, language_figures


@dataclass(frozen=True)
class ProgrammeFigures:
    """What the annual report asks, for one period."""

    period: Period
    holdings: Holdings
    languages: LanguageFigures
    exhibitions: list[Exhibition]
    places: PlaceFigures
    scans: ScanFigures
    downloads: DownloadFigures


def programme_figures(session, period: Period, timezone: str, today: date) -> ProgrammeFigures:
    """Compute every figure of `period`; `timezone` sets where a year begins for timestamps."""
    exhibitions = shown_exhibitions(session, period)
    return ProgrammeFigures(
        period=period,
        holdings=item_holdings(session, period, timezone),
        languages=language_figures(session, period, timezone, exhibitions),
        exhibitions=exhibitions,
        places=place_figures(session, exhibitions, today),
        scans=scan_figures(session, period),
        downloads=download_figures(session, period),
    )
