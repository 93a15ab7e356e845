"""Vietnamese folding and the terms of a text (core.search.analysis), in plain Python."""

import unicodedata

from core.search.analysis import fold, folded_words, normalise, terms, words


def test_fold_removes_stacked_marks_and_d_bar():
    assert fold("QUYỀN CON NGƯỜI Đắk Lắk ầ ỗ ữ Élysée") == "quyen con nguoi dak lak a o u elysee"


def test_composed_and_decomposed_text_give_the_same_words():
    decomposed = unicodedata.normalize("NFD", "Quyền con người")
    assert normalise(decomposed) == "Quyền con người"
    assert words(decomposed) == ["quyền", "con", "người"]
    assert folded_words(decomposed) == ["quyen", "con", "nguoi"]


def test_short_syllables_are_words_and_punctuation_is_not():
    assert words("Hà Nội, ngày 2/9 — an ninh & to may") == ["hà", "nội", "ngày", "2", "9", "an", "ninh", "to", "may"]


def test_terms_for_each_analysis():
    assert terms("Hà Nội mới") == {
        "words": ["hà", "nội", "mới"],
        "folded": ["ha", "noi", "moi"],
        "pairs": ["ha noi", "noi moi"],
        "prefixes": ["no", "mo"],  # two letters up to six, short of the whole word
    }
    assert terms("Nguyễn")["pairs"] == ["nguyen"]  # one word: itself
    assert terms("communication")["prefixes"] == ["co", "com", "comm", "commu", "commun"]
