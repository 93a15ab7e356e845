"""`flask demo load` also builds the demo framework and its two adaptations, once."""

import re
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from exhibitions import qr
from exhibitions.composing import differences, readiness
from exhibitions.models import Exhibition, ExhibitionStatus
from exhibitions.reading import build_view, when

# The demo load itself, on SQLite in `make test` and on both databases in `make test-all`.
pytestmark = pytest.mark.one_database


@pytest.fixture
def database_url(demo_database_url):
    """Each test starts from a copy of the demo, loaded through the CLI once a session (tests/conftest.py)."""
    return demo_database_url


@pytest.fixture
def demo(demo_template, db_session):
    """The demo as the CLI loaded it; the exhibitions by code."""
    assert demo_template.exit_code == 0, demo_template.output
    assert "created 3 demo exhibitions" in demo_template.output
    return {e.code: e for e in db_session.scalars(select(Exhibition))}


def test_the_framework(demo):
    framework = demo["QG25"]
    assert framework.is_framework and framework.venue.code == "vn-ha-noi"
    assert (framework.primary_language, framework.languages) == ("vi", ["en", "fr"])
    assert len(framework.sections) == 3 and 8 <= len(framework.entries) <= 10
    assert all(set(s.texts) == {"vi", "en", "fr"} for s in framework.sections)
    assert all(e.captions["vi"]["state"] == "reviewed" for e in framework.entries)
    assert {lang for e in framework.entries for lang in e.captions} == {"vi", "en", "fr"}
    assert all(str(e.item.status) == "published" for e in framework.entries)


def test_the_derived_exhibitions(demo, db_session):
    framework, cao_bang, geneva = demo["QG25"], demo["CB25"], demo["GE27"]
    assert set(demo) == {"QG25", "CB25", "GE27"}
    assert cao_bang.derived_from is framework and geneva.derived_from is framework
    assert (cao_bang.venue.code, cao_bang.primary_language, cao_bang.languages) == ("vn-cao-bang", "vi", ["tyz", "en"])
    assert (geneva.venue.code, geneva.primary_language, geneva.languages) == ("geneva", "fr", ["en"])
    assert geneva.fallback_chain == ["fr", "en", "vi"]
    # Cao Bằng drops one framework entry, adds a local item, and has Tày captions.
    assert len(cao_bang.entries) == len(framework.entries)
    kinds = [d.kind for d in differences(db_session, cao_bang)]
    assert kinds.count("added_locally") == 1 and kinds.count("removed_here") == 1
    assert "added_in_framework" not in kinds  # the drop is remembered, not offered back as new
    assert any("tyz" in e.captions for e in cao_bang.entries)
    # Geneva reads in French: every entry has a French caption or title.
    assert all("fr" in e.captions or e.item.text_for("fr") for e in geneva.entries)
    assert geneva.text_for("fr").title.startswith("Viêt Nam")


def test_all_are_published_ready_and_have_their_codes(demo, db_session):
    for exhibition in demo.values():
        assert exhibition.status == ExhibitionStatus.PUBLISHED
        assert readiness(exhibition).errors == [], exhibition.code
        targets = {(str(link.target), link.target_id) for link in qr.links_of(db_session, exhibition)}
        assert {("entry", e.id) for e in exhibition.entries} <= targets
        assert ("exhibition", None) in targets
    # Around 2025–2027: on a day of 2026 the province's is on and Geneva's is coming.
    assert when(demo["CB25"], date(2026, 6, 1)) == "current"
    assert when(demo["GE27"], date(2026, 6, 1)) == "upcoming"


def test_the_public_pages_show_them(demo, client):
    page = client.get("/exhibitions?lang=vi")
    assert page.status_code == 200
    listed = page.get_data(as_text=True)
    assert escape(demo["CB25"].text_for("vi").title) in listed
    # Geneva is not shown in Vietnamese: its card reads in its primary language, French.
    assert escape(demo["GE27"].text_for("fr").title) in listed
    landing = client.get(f"/exhibitions/{demo['GE27'].id}")
    assert landing.status_code == 200
    html = landing.get_data(as_text=True)
    assert escape(demo["GE27"].text_for("fr").title) in html and "Présentée à Genève" in html


def test_a_second_load_adds_nothing(demo, runner, db_session):
    from exhibitions.composing import load_demo_exhibitions

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "already has items" in again.output
    db_session.rollback()
    assert db_session.scalar(select(func.count(Exhibition.id))) == 3
    # The step alone, too, leaves existing exhibitions be.
    assert load_demo_exhibitions(db_session) == ""
    assert db_session.scalar(select(func.count(Exhibition.id))) == 3


def test_the_readmes_panel_codes_lead_to_a_panel_of_the_demo(demo, db_session, client):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    # Every typed example (`CB25-007`, `/q/CB25-007`, `cb25 7`, `CB25007`), not the bare exhibition codes.
    typed = re.findall(r"`(?:/q/)?([A-Za-z]{2}\d{2}(?:[ -]\d+|\d{3}))`", readme)
    assert len(typed) >= 3, typed
    links = {code: qr.find_link(db_session, code) for code in typed}
    assert None not in links.values(), links
    assert len({link.id for link in links.values()}) == 1  # the ways of typing one code reach one panel
    link = next(iter(links.values()))
    assert link.exhibition.code == "CB25" and link.target_id in {e.id for e in demo["CB25"].entries}
    assert client.get(f"/q/{typed[0]}").status_code == 302


def test_geneva_gives_french_titles_of_its_own_where_the_archive_has_none(demo):
    geneva = demo["GE27"]
    own = [e for e in geneva.entries if e.titles]
    assert len(own) == 2 and all(e.item.text_for("fr") is None for e in own)
    titles = {entry.id: entry.title for entry in build_view(geneva, "fr").entries}
    assert all((titles[e.id].text, titles[e.id].lang) == (e.titles["fr"]["text"], "fr") for e in own)
    assert [t.lang for t in titles.values() if t.fallback] == ["en"]  # one left to translate, marked
