"""The report the figures page shows and the CSV files hold: every section, labelled in the reader's language."""

from collections import Counter

from reports.figures import ProgrammeFigures
from reports.presentation import Report
from reports.product_sections import items_section, language_section
from reports.reach_sections import downloads_section, places_section, scans_section

__all__ = ["Report", "build_report"]


def build_report(figures: ProgrammeFigures) -> Report:
    """Every section of the report, labelled in the reader's language."""
    scans = {e.id: s.total for e, s in figures.scans.exhibitions}
    downloads = Counter()
    for exhibition, _lang, counts in figures.downloads.by_exhibition:
        downloads[exhibition.id] += sum(counts.values())
    return Report(
        figures,
        [
            language_section(figures),
            items_section(figures),
            places_section(figures, scans, downloads),
            scans_section(figures),
            downloads_section(figures),
        ],
    )
