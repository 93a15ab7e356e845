"""No template holds JavaScript or inline style: behaviour lives in static/*.js reading data- attributes, looks
in the style sheets.

Inline handlers put translated text inside JavaScript source (a French apostrophe broke the
confirm() dialogs) and stand in the way of a Content-Security-Policy without 'unsafe-inline'.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts)
# An attribute named on… (onclick, onsubmit, onchange…) inside a tag.
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.DOTALL | re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# Data blocks are not run, and a Content-Security-Policy does not govern them.
DATA_BLOCK = re.compile(r"""\btype\s*=\s*["']application/(ld\+)?json["']""")
# A style attribute or element: the Content-Security-Policy (core.security_headers) allows neither.
INLINE_STYLE = re.compile(r"""<[a-zA-Z][^>]*?\s(style)\s*=|<(style)\b""", re.DOTALL | re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_javascript(text: str) -> list[str]:
    """Every inline handler, inline script and javascript: URL in a template's text."""
    found = [f"handler {m.group(1)}=" for m in HANDLER.finditer(text)]
    for match in SCRIPT.finditer(text):
        attributes = match.group(1)
        if not re.search(r"\bsrc\s*=", attributes) and not DATA_BLOCK.search(attributes):
            found.append("inline <script>")
    found += [f"javascript: URL in {m.group(1)}" for m in JAVASCRIPT_URL.finditer(text)]
    return found


@pytest.mark.parametrize(
    "text",
    [
        """<form method="post" onsubmit="return confirm('Supprimer ?')">""",
        """<select name="venue"\n   onchange="this.form.submit()">""",
        """<button type="button" class="link" onClick="go()">""",
        """<script>window.print();</script>""",
        """<script type="module">import "./x.js";</script>""",
        """<a href="javascript:void(0)">""",
    ],
)
def test_the_scan_finds_inline_javascript(text):
    assert inline_javascript(text)


@pytest.mark.parametrize(
    "text",
    [
        """<script src="{{ url_for('static', filename='confirm.js') }}" defer></script>""",
        """<form data-confirm="Retirer ce fichier de l'élément ?" class="inline">""",
        """<script type="application/ld+json">{"@type": "ExhibitionEvent"}</script>""",
        """<p>Click on = to compare; the button is online</p>""",
        """<input name="location" data-ondemand="1">""",
    ],
)
def test_the_scan_leaves_static_scripts_and_data_attributes(text):
    assert inline_javascript(text) == []


def test_templates_are_found():
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "composer.html", "staff_item.html", "public_list.html", "labels.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_inline_javascript(path):
    assert inline_javascript(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("text", ["""<span class="bar" style="--share: 0.5">""", """<style>p { color: red }</style>"""])
def test_the_scan_finds_inline_style(text):
    assert INLINE_STYLE.search(text)


def test_the_scan_leaves_classes_and_style_sheets():
    text = """<link rel="stylesheet" href="/static/vitrine.css"><p class="styled" data-style="x">"""
    assert not INLINE_STYLE.search(text)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_inline_style(path):
    assert [m.group(0)[:60] for m in INLINE_STYLE.finditer(path.read_text(encoding="utf-8"))] == []
