"""archive.rights: the statements, reading URIs and names in their usual forms, naming them per language,
and reading old free text."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from archive import rights

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"

RS, CC = "http://rightsstatements.org/vocab/", "http://creativecommons.org/"
IN_COPYRIGHT, CC_BY, CC0 = f"{RS}InC/1.0/", f"{CC}licenses/by/4.0/", f"{CC}publicdomain/zero/1.0/"


def test_the_twelve_statements_and_eight_creative_commons_ones_each_once():
    families = [s.family for s in rights.STATEMENTS]
    assert (families.count(rights.RIGHTS_STATEMENTS), families.count(rights.CREATIVE_COMMONS)) == (12, 8)
    assert len({s.uri for s in rights.STATEMENTS}) == len({s.code for s in rights.STATEMENTS}) == 20
    for s in rights.STATEMENTS:
        assert s.uri.startswith("http://") and s.uri.endswith("/") and rights.statement(s.uri) is s
        assert rights.canonical(s.uri) == rights.canonical(s.code) == rights.canonical(s.name) == s.uri
    assert rights.statement(rights.NOT_EVALUATED).code == "CNE" and rights.statement("InC") is None


@pytest.mark.parametrize(
    ("given", "uri"),
    [
        ("https://rightsstatements.org/vocab/InC/1.0/", IN_COPYRIGHT),
        ("http://rightsstatements.org/vocab/InC/1.0", IN_COPYRIGHT),  # no trailing slash
        ("  https://www.rightsstatements.org/vocab/inc/1.0  ", IN_COPYRIGHT),  # www, case, spaces
        ("https://rightsstatements.org/page/InC-EDU/1.0/?language=fr", f"{RS}InC-EDU/1.0/"),  # the page for people
        ("https://creativecommons.org/licenses/by/4.0/legalcode", CC_BY),
        ("https://creativecommons.org/licenses/by/4.0/legalcode.vi", CC_BY),
        ("https://creativecommons.org/licenses/by/4.0/deed.fr", CC_BY),
        ("http://creativecommons.org/licenses/by-nc-nd/4.0/rdf", f"{CC}licenses/by-nc-nd/4.0/"),
        ("creativecommons.org/publicdomain/zero/1.0", CC0),
        ("https://creativecommons.org/publicdomain/mark/1.0/#ref", rights.PUBLIC_DOMAIN_MARK),
        ("InC", IN_COPYRIGHT),
        ("inc-ow-eu", f"{RS}InC-OW-EU/1.0/"),
        ("CC BY 4.0", CC_BY),
        ("CC-BY-4.0", CC_BY),  # SPDX
        ("cc_by-nc-sa 4.0", f"{CC}licenses/by-nc-sa/4.0/"),
        ("CC0", CC0),
        ("CC0-1.0", CC0),
        ("PDM", rights.PUBLIC_DOMAIN_MARK),
        ("copyright not evaluated", rights.NOT_EVALUATED),
        ("In Copyright – Non-Commercial Use Permitted", f"{RS}InC-NC/1.0/"),  # an en dash typed for the hyphen
    ],
)
def test_canonical_reads_the_usual_forms(given, uri):
    assert rights.canonical(given) == uri


@pytest.mark.parametrize(
    "given",
    [None, "", "   ", "CC BY", "CC BY 3.0", "https://creativecommons.org/licenses/by/3.0/",
     "https://creativecommons.org/licenses/by-sa-nc/4.0/", "https://example.org/licenses/by/4.0/",
     "https://rightsstatements.org.example.org/vocab/InC/1.0/", "https://rightsstatements.org/vocab/InC/2.0/",
     "https://rightsstatements.org/vocab/InC/1.0/extra", "http://rightsstatements.org/vocab/Foo/1.0/",
     "© TTXVN", "InC NC EDU", "https://creativecommons.org/"],
)  # fmt: skip
def test_canonical_refuses_anything_else(given):
    assert rights.canonical(given) is None


def test_labels_in_each_language_the_catalogs_carry_english_for_others(app):  # app: the catalogs' context
    assert rights.labels(f"{RS}InC-NC/1.0/") == {
        "vi": "Được bảo hộ quyền tác giả – Được phép sử dụng phi thương mại",
        "en": "In Copyright - Non-Commercial Use Permitted",
        "fr": "Protégé par le droit d'auteur - Utilisation non commerciale autorisée",
    }
    assert rights.label(rights.NOT_EVALUATED, "fr-CH") == "Droit d'auteur non évalué"
    assert rights.label(rights.NOT_EVALUATED, "tyz") == rights.label(rights.NOT_EVALUATED, "de") == (
        "Copyright Not Evaluated")  # fmt: skip
    assert rights.label("http://example.org/mine", "vi") == "http://example.org/mine"
    tay = rights.shown(CC_BY, ["tyz", "vi", "en"])
    assert (tay.label, tay.lang, tay.is_licence) == ("Creative Commons Ghi công 4.0 Quốc tế (CC BY 4.0)", "vi", True)
    assert rights.shown(IN_COPYRIGHT, ["de", "th"]).lang == "en" and rights.shown(None, ["vi"]) is None
    groups = rights.choices()
    assert [len(choices) for choices in groups.values()] == [12, 8]


@pytest.mark.parametrize("lang", ["vi", "fr"])
def test_every_name_is_translated_in_the_catalogs(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    for name in [s.name for s in rights.STATEMENTS] + list(rights.FAMILIES.values()):
        message = catalog.get(name)
        assert message and message.string and not message.fuzzy, name
    # Vietnamese has its own words for every one; French keeps some Creative Commons names as English does.
    assert lang == "fr" or all(catalog.get(s.name).string != s.name for s in rights.STATEMENTS)


@pytest.mark.parametrize(
    ("text", "uri", "note", "flagged"),
    [
        (None, rights.NOT_EVALUATED, None, False),
        ("CC BY 4.0", CC_BY, None, False),
        ("© TTXVN", IN_COPYRIGHT, "© TTXVN", False),
        ("© Cục Văn thư và Lưu trữ nhà nước. Sử dụng cho mục đích phi thương mại, ghi rõ nguồn.", f"{RS}InC-NC/1.0/",
         ..., False),
        ("Ban quyen thuoc Bo Giao duc, dung cho muc dich giao duc", f"{RS}InC-EDU/1.0/", ..., False),  # no marks
        ("Phạm vi công cộng", rights.PUBLIC_DOMAIN_MARK, ..., False),
        ("Public domain", rights.PUBLIC_DOMAIN_MARK, ..., False),
        ("Licensed CC BY-SA 4.0 by the ministry", f"{CC}licenses/by-sa/4.0/", ..., False),
        ("See https://creativecommons.org/publicdomain/zero/1.0/.", CC0, ..., False),
        ("Không rõ bản quyền", rights.NOT_EVALUATED, ..., True),  # says it does not know
        ("Ảnh gia đình ông Ba tặng", rights.NOT_EVALUATED, ..., True),
    ],
)  # fmt: skip
def test_free_text_is_read_into_a_statement_and_kept(text, uri, note, flagged):
    reading = rights.from_text(text)
    assert (reading.uri, reading.flagged) == (uri, flagged)
    assert reading.note == (text if note is ... else note)


def test_harvested_rights_take_the_statement_a_source_names_and_keep_its_text_otherwise():
    from archive.harvested import rights_of

    vitrine = [f"{RS}InC/1.0/", "In Copyright", "Protégé par le droit d'auteur", "Được bảo hộ quyền tác giả"]
    assert rights_of(vitrine) == rights.Reading(IN_COPYRIGHT, None, False)
    assert rights_of(["Photo: museum", "https://creativecommons.org/licenses/by/4.0/"]).uri == CC_BY
    assert rights_of(["© Bảo tàng tỉnh Quảng Trị"]) == rights.Reading(IN_COPYRIGHT, "© Bảo tàng tỉnh Quảng Trị", False)
    # Nothing read: not evaluated, the text kept, but not flagged — the item is the source's, read-only here.
    assert rights_of(["Ảnh gia đình", None]) == rights.Reading(rights.NOT_EVALUATED, "Ảnh gia đình", False)
    assert rights_of([]) == rights.Reading(rights.NOT_EVALUATED, None, False)
