"""Composing exhibitions and content frameworks: settings and texts per language, sections and panels,
deriving a venue's exhibition from a framework (with the differences and pulls), and the lifecycle
draft → published → archived. Services flush; the caller's unit of work commits (core.uow).
"""

from exhibitions.composing.demo import load_demo_exhibitions
from exhibitions.composing.frameworks import Difference, derive_exhibition, differences, is_derivable, pull
from exhibitions.composing.layout import (
    add_entry,
    add_section,
    arrange,
    get_entry,
    get_section,
    item_for_entry,
    move_entry,
    move_section,
    next_panel_number,
    remove_entry,
    remove_section,
    renumber_panels,
    update_entry,
    update_section,
)
from exhibitions.composing.lifecycle import Readiness, archive, publish, readiness, unpublish, withdrawn_entries
from exhibitions.composing.overview import composer_summary, staff_list, venue_choices
from exhibitions.composing.settings import (
    check_curator,
    check_editable,
    check_version,
    create_exhibition,
    get_exhibition,
    snapshot,
    suggest_code,
    touch,
    update_exhibition,
)

__all__ = [
    "Difference",
    "Readiness",
    "add_entry",
    "add_section",
    "archive",
    "arrange",
    "check_curator",
    "check_editable",
    "check_version",
    "composer_summary",
    "create_exhibition",
    "derive_exhibition",
    "differences",
    "get_entry",
    "get_exhibition",
    "get_section",
    "is_derivable",
    "item_for_entry",
    "load_demo_exhibitions",
    "move_entry",
    "move_section",
    "next_panel_number",
    "publish",
    "pull",
    "readiness",
    "remove_entry",
    "remove_section",
    "renumber_panels",
    "snapshot",
    "staff_list",
    "suggest_code",
    "touch",
    "unpublish",
    "update_entry",
    "update_exhibition",
    "update_section",
    "venue_choices",
    "withdrawn_entries",
]
