"""Every string marked for translation has a translation in vi, en and fr."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ["vi", "en", "fr"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Extract the current strings from the code, so a new string without translation fails."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as fh:
        return [m for m in read_po(fh) if m.id]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_translates_every_extracted_string(extracted, lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = []
    for message in extracted:
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found else None
        complete = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if not found or not complete or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{lang}: {len(missing)} untranslated: {missing[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_compiled(lang):
    mo = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.mo"
    po = mo.with_suffix(".po")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, "run make translations"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang):
    import re

    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    pattern = re.compile(r"%\((\w+)\)s")
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        wanted = set(pattern.findall(ids[-1]))
        for string in strings:
            assert set(pattern.findall(string)) <= wanted | set(pattern.findall(ids[0])), (lang, message.id)
