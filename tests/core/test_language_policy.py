"""The language policy as functions: the order of decide(), the chains texts and the interface follow,
and the names of languages (core.language_policy, core.languages)."""

import pytest
from flask_babel import force_locale

from core.language_policy import best_match, decide, interface_language
from core.languages import (
    OWN_NAMES,
    PROGRAMME_LANGUAGES,
    clean_tag,
    language_in_sentence,
    language_list,
    language_name,
    text_chain,
)

CATALOGUES = ["vi", "en", "fr"]


def _decide(**given):
    values = {"chosen": None, "remembered": None, "link": None, "accepted": None, "content": (),
              "interface": CATALOGUES, "default": "vi"} | given  # fmt: skip
    return decide(**values)


def test_each_source_wins_over_those_after_it():
    given = {"chosen": "fr", "remembered": "en", "link": "tyz", "accepted": ["ru", "fr-CH"], "content": ["vi", "tyz"]}
    order = []
    for source in ("chosen", "remembered", "link"):
        choice = _decide(**given)
        order.append((choice.source, choice.lang))
        given[source] = None
    browser = _decide(**given)
    assert order == [("chosen", "fr"), ("remembered", "en"), ("link", "tyz")]
    assert (browser.source, browser.lang) == ("browser", "fr")  # fr-CH finds the interface's fr


def test_a_browser_language_the_page_lacks_gets_english_and_vietnamese_only_when_asked():
    assert (_decide(accepted=["de-DE", "de"]).lang, _decide(accepted=["de"]).source) == ("en", "foreign")
    assert _decide(accepted=["ja"], content=["vi", "tyz"]).lang == "en"
    assert _decide(accepted=["vi-VN"]).lang == "vi"
    # A browser's language the page's texts are in counts even without a catalogue: German texts, German reader.
    assert _decide(accepted=["de"], content=["vi", "de"]).lang == "de"
    # No language named at all (a script, an API client): the site's default.
    assert (_decide(accepted=None).lang, _decide(accepted=None).source) == ("vi", "default")


def test_a_link_language_offers_the_browsers_own_where_the_page_has_texts_in_it():
    french_phone = _decide(link="tyz", accepted=["fr-FR", "fr"], content=["vi", "tyz", "fr"])
    assert (french_phone.lang, french_phone.source, french_phone.offer) == ("tyz", "link", "fr")
    assert _decide(link="tyz", accepted=["fr"], content=["vi", "tyz"]).offer is None  # no French text: nothing
    assert _decide(link="tyz", accepted=["tyz"], content=["vi", "tyz"]).offer is None  # already theirs
    assert _decide(link="tyz", accepted=["fr", "en"], content=["vi", "tyz", "en"]).offer == "en"
    # A remembered or chosen language wins without an offer: the visitor already said what they read.
    assert _decide(remembered="vi", link="tyz", accepted=["fr"], content=["fr"]).offer is None


def test_best_match_prefers_the_exact_tag_then_the_language():
    assert best_match(["pt-BR", "pt"], ["pt-PT", "pt-BR"]) == "pt-BR"
    assert best_match(["zh-TW"], ["vi", "zh-Hant"]) == "zh-Hant"
    assert best_match(["ko"], ["vi", "en"]) is None


def test_texts_fall_back_along_chains():
    assert text_chain("fr") == ["fr", "en", "vi"]
    assert text_chain("en") == ["en", "vi"]
    assert text_chain("tyz") == ["tyz", "vi", "en"]  # Vietnam's own languages go through Vietnamese
    assert text_chain("fr", ["fr", "en", "vi"]) == ["fr", "en", "vi"]  # an exhibition's chain, as its curators set
    assert text_chain("de", ["fr"]) == ["de", "fr", "vi"]


def test_the_interface_follows_the_chain_to_a_catalogue():
    assert interface_language(text_chain("tyz"), CATALOGUES, "vi") == "vi"  # a Tày page speaks Vietnamese
    assert interface_language(text_chain("de"), CATALOGUES, "vi") == "en"
    assert interface_language(text_chain("fr-CH"), CATALOGUES, "vi") == "fr"
    assert interface_language(text_chain("de", ["fr", "en"]), CATALOGUES, "vi") == "fr"
    assert interface_language(["xx"], CATALOGUES, "vi") == "vi"


@pytest.mark.parametrize(("raw", "clean"), [("FR", "fr"), ("en-us", "en-US"), ("tyz", "tyz"), (" vi ", "vi"),
                                            ("", None), ("x" * 40, None), ("12-!", None), (None, None)])  # fmt: skip
def test_tags_from_a_request_are_read_or_ignored(raw, clean):
    assert clean_tag(raw) == clean


def test_language_names_come_from_babel_in_the_locales_casing(app):
    with app.test_request_context("/"):
        assert language_in_sentence("en", "fr") == "anglais"  # never capitalised mid-sentence in French
        assert language_in_sentence("fr", "vi") == "tiếng Pháp"
        assert language_in_sentence("fr", "en") == "French"
        assert language_name("fr", "fr") == "Français"  # standing alone, as in a menu
        assert language_name("de", "de") == "Deutsch"
        assert language_list(["vi", "en"], "fr") == "vietnamien et anglais"
        with force_locale("fr"):
            assert language_in_sentence("vi") == "vietnamien"


def test_languages_babel_lacks_come_from_the_apps_table(app):
    with app.test_request_context("/"):
        for tag, names in OWN_NAMES.items():
            assert language_in_sentence(tag, tag) == names.endonym
            assert [language_in_sentence(tag, reader) for reader in CATALOGUES] == [names.vi, names.en, names.fr]
        assert language_in_sentence("tyz", "fr") == "tày"
        assert language_name("rad", "vi") == "Tiếng Ê Đê"
        assert language_in_sentence("jra", "ru") == "Jarai"  # a reader without a name of its own: English


def test_cham_has_its_three_codes():
    assert {"cjm", "cja", "hro"} <= set(PROGRAMME_LANGUAGES) and "cja" in OWN_NAMES
    assert (OWN_NAMES["cjm"].en, OWN_NAMES["cja"].en, OWN_NAMES["hro"].vi) == ("Eastern Cham", "Western Cham",
                                                                            "tiếng Chăm Hroi")  # fmt: skip
