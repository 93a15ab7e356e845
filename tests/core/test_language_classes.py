"""How the programme counts a content language: Vietnamese, foreign, ethnic minority (Khmer both)."""

import pytest

from core.languages import (
    ETHNIC_MINORITY_LANGUAGES,
    OWN_NAMES,
    LanguageClass,
    is_ethnic_minority,
    is_foreign,
    language_classes,
)


@pytest.mark.parametrize("tag", ["tyz", "nut", "hnj", "rad", "jra", "bdq", "cjm", "cja", "hro", "tyz-Latn"])
def test_the_programmes_minority_languages_are_ethnic_and_not_foreign(tag):
    assert is_ethnic_minority(tag) and not is_foreign(tag)


@pytest.mark.parametrize("tag", ["en", "fr", "zh", "zh-Hant", "ru", "es", "th", "lo", "de", "en-GB"])
def test_other_languages_are_foreign(tag):
    assert language_classes(tag) == {LanguageClass.FOREIGN}


def test_vietnamese_is_the_reference_in_any_form():
    assert language_classes("vi") == language_classes("vi-VN") == {LanguageClass.REFERENCE}
    assert not is_foreign("vi") and not is_ethnic_minority("vi-VN")


def test_khmer_counts_as_both():
    assert language_classes("km") == {LanguageClass.ETHNIC, LanguageClass.FOREIGN}
    assert is_foreign("km-KH") and is_ethnic_minority("km")


def test_every_listed_code_is_a_primary_subtag_the_classifier_sees():
    # A code langcodes would rewrite (an alias) could never match: each must come back as itself.
    assert all(language_classes(code) >= {LanguageClass.ETHNIC} for code in ETHNIC_MINORITY_LANGUAGES)


def test_the_languages_the_app_names_itself_are_all_ethnic_minority_languages():
    # core.languages names the languages of Vietnam's peoples that CLDR lacks: each is counted as one.
    assert set(OWN_NAMES) <= ETHNIC_MINORITY_LANGUAGES
