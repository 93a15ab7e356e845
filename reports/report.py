"""The report the figures page shows and the CSV files hold: its sections, labelled in the reader's language."""

from reports.figures import ProgrammeFigures
from reports.presentation import Report
from reports.product_sections import items_section, language_section
from reports.reach_sections import downloads_section, exhibitions_section, places_section, scans_section

__all__ = ["SECTION_OF_TABLE", "Report", "build_report"]

SECTIONS = {
    "languages": language_section,
    "items": items_section,
    "places": places_section,
    "scans": scans_section,
    "downloads": downloads_section,
    "exhibitions": exhibitions_section,
}
# The section holding each table: a CSV file computes only its own section's figures.
SECTION_OF_TABLE = {
    "language-shares": "languages",
    "languages": "languages",
    "items-by-type": "items",
    "items-by-body": "items",
    "items-by-status": "items",
    "provinces": "places",
    "provinces-63": "places",
    "abroad": "places",
    "scans-by-month": "scans",
    "scans-by-exhibition": "scans",
    "scans-by-panel": "scans",
    "scans-over-time": "scans",
    "downloads-by-language": "downloads",
    "downloads-by-month": "downloads",
    "downloads-by-exhibition": "downloads",
    "exhibitions": "exhibitions",
}


def build_report(figures: ProgrammeFigures, sections: list[str] | None = None) -> Report:
    """The report's sections (every one, or those named), labelled in the reader's language; only
    the figures they show are computed."""
    return Report(figures, [build(figures) for slug, build in SECTIONS.items() if sections is None or slug in sections])
