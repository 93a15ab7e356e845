"""The one rule of every text people type (core.validation.check_text): line ends become newlines, then a
control character other than tab and newline is refused, naming the field and the character."""

import pytest

from app import create_app
from core.validation import Problems, check_text, normalise_line_ends


@pytest.fixture(scope="module")
def interface(tmp_path_factory):
    """A request in English, for the messages; no database (the rule reads none)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t",
                      "DATA_DIR": str(tmp_path_factory.mktemp("validation"))})  # fmt: skip
    with app.test_request_context("/?lang=en"):
        yield


def test_windows_and_old_mac_line_ends_become_newlines():
    assert normalise_line_ends("một\r\nhai\rba\n\nbốn\r\n\r\n") == "một\nhai\nba\n\nbốn\n\n"


def test_tabs_newlines_and_every_script_pass(interface):
    problems = Problems()
    text = "Quyền con người\tຄວາມເປັນຄົນ\nសិទ្ធិមនុស្ស — « droits » \u2028 \u00a0 \U0001f1fb\U0001f1f3"
    assert check_text(text, "Title", "texts.vi.title", problems) == text and problems.errors == []


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"])
def test_a_control_character_is_refused_naming_the_field_and_the_character(interface, character):
    problems = Problems()
    check_text(f"Tuyên{character}ngôn\r\n", "Title", "texts.vi.title", problems)
    [(field, message)] = problems.errors
    assert field == "texts.vi.title" and "Title" in message and f"U+{ord(character):04X}" in message
