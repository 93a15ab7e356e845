"""Text analysis: Vietnamese folding, and the words and terms of a text, in plain Python.

Every engine indexes and queries with these terms, so `quyen con nguoi` finds `quyền con
người` whatever sits behind the interface. The Whoosh engine's own analyzers give the same
terms (tests/core/search/test_whoosh_engine.py holds them equal); it uses them only for
snippets.
"""

import functools
import itertools
import re
import unicodedata

PREFIX_MAX = 6  # longer prefixes expand over the lexicon to few terms
WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """NFC, so composed and decomposed input index and match alike."""
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Lower case without marks: `Đắk Lắk` → `dak lak`, `Élysée` → `elysee`."""
    text = text.lower().replace("đ", "d").replace("ð", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


# Words recur across documents and fields: folding each distinct one once saves a third of
# the analysis time of a rebuild.
fold_word = functools.lru_cache(maxsize=1 << 17)(fold)


def words(text: str) -> list[str]:
    """The words of `text` in lower case, marks kept. No stop list and no minimum length:
    `an`, `to`, `may` are Vietnamese syllables."""
    return [word.lower() for word in WORD.findall(normalise(text))]


def folded_words(text: str) -> list[str]:
    """The words of `text` folded (see `fold`)."""
    return [fold_word(word) for word in words(text)]


def terms(text: str) -> dict[str, list[str]]:
    """The terms of NFC `text` for each way a field is analysed, from one tokenisation.

    `words`: with their marks; `folded`: the same folded; `pairs`: adjacent folded words as
    one term (a two-word phrase, the common case in Vietnamese, is then one posting-list
    look-up instead of a positional check of every candidate); `prefixes`: the leading 2 to
    PREFIX_MAX letters of each folded word, short of the whole word (a prefix query is then
    one term look-up; the whole word is already a term, and one letter matches too much).
    """
    exact = list(map(str.lower, WORD.findall(text)))
    folded = list(map(fold_word, exact))
    return {
        "words": exact,
        "folded": folded,
        "pairs": list(map(" ".join, zip(folded, folded[1:], strict=False))) or folded[:1],
        "prefixes": list(itertools.chain.from_iterable(map(_proper_prefixes, folded))),
    }


@functools.lru_cache(maxsize=1 << 17)
def _proper_prefixes(word: str) -> tuple[str, ...]:
    return tuple(word[:size] for size in range(2, min(len(word), PREFIX_MAX + 1)))
