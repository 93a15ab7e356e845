"""Our query syntax (core.search.query.parse_text) and the tree of ranking nodes it gives."""

from core.search import ranking as r
from core.search.query import EXACT_BOOST, MAX_CLAUSES, parse_text


def test_parse_text_never_raises_on_bad_input():
    for text in ['"Hà Nội', "AND", "OR NOT", "-", "*", '"""', "\x00\x07 ", "a" * 10_000, "(((", "\u0301"]:
        parse_text(text)


def test_nothing_to_search_means_everything():
    assert parse_text("") == (None, False, frozenset())
    assert parse_text("  AND or - * ") == (None, False, frozenset())


def test_a_word_matches_folded_and_scores_its_marks_as_typed():
    query, dropped, words = parse_text("Hà")
    assert query == r.AllOf((r.Boosted(r.Term("folded", "ha"), r.AnyOf((r.Term("exact", "hà", EXACT_BOOST),))),))
    assert not dropped and words == {"ha"}


def test_phrases_use_word_pairs_and_a_positional_check_past_two_words():
    two, _, _ = parse_text('"hà nội"')
    assert two.parts[0].required == r.Term("folded2", "ha noi")
    three, _, words = parse_text('"con người ở"')
    assert three.parts[0].required == r.AllOf(
        (r.Term("folded2", "con nguoi"), r.Term("folded2", "nguoi o"), r.Phrase("folded", ("con", "nguoi", "o")))
    )
    assert words == {"con", "nguoi", "o"}


def test_prefixes_are_one_term_up_to_six_letters_then_an_expansion():
    assert parse_text("quy*")[0] == r.AllOf((r.AnyOf((r.Term("prefix", "quy"), r.Term("folded", "quy"))),))
    assert parse_text("q*")[0] == r.AllOf((r.Prefix("folded", "q"),))
    assert parse_text("communicat*")[0] == r.AllOf((r.Prefix("folded", "communicat"),))


def test_exclusions_are_not_highlighted():
    query, _, words = parse_text("hà -thu")
    assert isinstance(query, r.Without) and query.exclude.parts[0].required == r.Term("folded", "thu")
    assert words == {"ha"}
    only, _, _ = parse_text("-thu")
    assert only.include == r.Everything()


def test_too_many_clauses_or_characters_are_dropped_and_said():
    query, dropped, _ = parse_text(" ".join(f"w{n}" for n in range(MAX_CLAUSES + 5)))
    assert dropped and len(query.parts) == MAX_CLAUSES
    assert parse_text("quyen " * 200)[1]


def test_the_words_to_highlight_are_folded_and_a_prefix_keeps_its_star():
    assert parse_text('Con ngu* -thu "Hà Nội*" quyền*')[2] == {"con", "ngu*", "ha", "noi", "quyen*"}
