"""The snippet store on its own (core.search.snippets): bounded records, passages found far into
long texts, marks for words and prefixes typed with or without accents, and the digest that keeps
a record from answering for another version of its document. What an engine does with it is in
test_contract.py (every engine) and test_whoosh_engine.py."""

import logging
import random
import re
import unicodedata
from pathlib import Path

import pytest

from core.search import snippets
from core.search.analysis import WORD, fold_word
from core.search.snippets import SqliteSnippetStore, mark, snippet_record, snippets_for

CORPUS = Path(__file__).resolve().parents[3] / "archive" / "data" / "corpus"


@pytest.fixture(scope="module")
def corpus() -> str:
    texts = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    return "\n\n".join(texts)


@pytest.fixture
def store(tmp_path):
    SqliteSnippetStore.create(tmp_path)
    opened = SqliteSnippetStore.open(tmp_path)
    yield opened
    opened.close()


def put(store, doc_id: str, texts: dict, digest: str = "d") -> None:
    with store.writer() as writer:
        writer.put(doc_id, digest, snippet_record({"id": doc_id, "texts": texts}))


def size(record: dict) -> tuple[int, int, int]:
    """(words mapped, passages kept, characters kept) of a document's record."""
    return (sum(len(r.words.strip("\n").splitlines()) for r in record.values()),
            sum(len(r.passages) for r in record.values()),
            sum(len(p) for r in record.values() for p in r.passages.values()))  # fmt: skip


def test_a_record_is_bounded_whatever_the_length_of_the_text(monkeypatch):
    monkeypatch.setattr(snippets, "MAX_WORDS", 300)
    monkeypatch.setattr(snippets, "MAX_PASSAGES", 40)
    rng = random.Random(1)
    vocabulary = [f"từ{n}" for n in range(5000)]  # more words than the record may name
    long = " ".join(rng.choice(vocabulary) for _ in range(60_000))  # ~500 KB
    short = "Tiêu đề ngắn"
    words, kept, chars = size(snippet_record({"id": "1", "texts": {"vi": long, "en": short}}))
    assert words <= 300 and kept <= 40 and chars <= 40 * snippets.PASSAGE_CHARS
    record = snippet_record({"id": "1", "texts": {"vi": long, "en": short}})
    assert record["en"].passages == {0: short}  # the short text kept its own room


def test_a_word_found_only_far_into_a_text_of_a_megabyte_gets_its_snippet(store, corpus):
    text = (corpus * 9)[:1_000_000]
    far = int(len(text) * 0.93)
    text = f"{text[:far]} Vịnh Hạ Long có 1.969 hòn đảo lớn nhỏ. {text[far:]}"
    record = snippet_record({"id": "1", "texts": {"vi": text}})
    words, kept, chars = size(record)
    assert words <= snippets.MAX_WORDS and kept <= snippets.MAX_PASSAGES and chars < 100_000
    with store.writer() as writer:
        writer.put("1", "d", record)
    snippet = snippets_for(store, {"1": "d"}, frozenset({"vinh", "ha", "long"}), "vi")["1"]
    assert '<mark class="hl">Vịnh</mark> <mark class="hl">Hạ</mark> <mark class="hl">Long</mark> có 1.969' in snippet
    assert len(re.sub("<[^>]+>", "", snippet)) <= snippets.SNIPPET_PASSAGES * snippets.PASSAGE_CHARS + 10


def test_words_and_prefixes_are_marked_as_written_whatever_accents_were_typed(store):
    put(store, "1", {"vi": "Quyền con người; QUYẾT định về quyền trẻ em ở Đắk Lắk & <script>"})
    for terms in ({"quyen"}, {"quy*"}, {"dak"}):
        snippet = snippets_for(store, {"1": "d"}, frozenset(terms), "vi")["1"]
        assert "&amp; &lt;script&gt;" in snippet
    marked = lambda terms: re.findall("<mark[^>]*>([^<]*)</mark>", snippets_for(store, {"1": "d"}, terms, "vi")["1"])  # noqa: E731
    assert marked(frozenset({"quyen"})) == ["Quyền", "quyền"]
    assert marked(frozenset({"quy*"})) == ["Quyền", "QUYẾT", "quyền"]
    assert marked(frozenset({"dak", "lak"})) == ["Đắk", "Lắk"]
    assert snippets_for(store, {"1": "d"}, frozenset({"quyet*", "em"}), "vi")["1"].count("<mark") == 2
    assert snippets_for(store, {"1": "d"}, frozenset({"absent"}), "vi") == {}


def test_the_readers_language_first_then_vietnamese_then_any(store):
    put(store, "1", {"vi": "Hội nghị UNESCO ở Hà Nội", "en": "UNESCO conference", "fr": "Conférence de l'UNESCO"})
    put(store, "2", {"fr": "Conférence de l'UNESCO", "en": "UNESCO conference"})
    terms = frozenset({"unesco"})
    assert "Conférence" in snippets_for(store, {"1": "d"}, terms, "fr")["1"]
    assert "conference" in snippets_for(store, {"1": "d"}, terms, "en-GB")["1"]
    assert "Hội nghị" in snippets_for(store, {"1": "d"}, terms, "de")["1"]
    assert "Hội nghị" in snippets_for(store, {"1": "d"}, terms, None)["1"]
    assert "conference" in snippets_for(store, {"2": "d"}, terms, "de")["2"]  # no Vietnamese: by tag
    # A language holding none of the words gives way to the next one.
    assert "Hội nghị" in snippets_for(store, {"1": "d"}, frozenset({"ha", "noi"}), "fr")["1"]


def test_a_record_answers_only_for_the_digest_it_was_written_with(store):
    put(store, "1", {"vi": "Ảnh cũ về quyền con người"}, digest="old")
    assert snippets_for(store, {"1": "new"}, frozenset({"quyen"}), "vi") == {}
    assert "cũ" in snippets_for(store, {"1": "old"}, frozenset({"quyen"}), "vi")["1"]
    put(store, "1", {"vi": "Ảnh mới về quyền"}, digest="new")
    assert snippets_for(store, {"1": "old"}, frozenset({"quyen"}), "vi") == {}
    assert "mới" in snippets_for(store, {"1": "new"}, frozenset({"quyen"}), "vi")["1"]
    with pytest.raises(RuntimeError), store.writer() as writer:  # rolled back whole
        writer.delete("1")
        raise RuntimeError("the engine's commit failed")
    assert "mới" in snippets_for(store, {"1": "new"}, frozenset({"quyen"}), "vi")["1"]
    with store.writer() as writer:
        writer.delete("1")
    assert snippets_for(store, {"1": "new"}, frozenset({"quyen"}), "vi") == {}


def test_an_index_folder_without_a_store_gives_no_snippets_and_says_so_once(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="core.search.snippets"):
        assert SqliteSnippetStore.open(tmp_path) is None
        assert SqliteSnippetStore.open(tmp_path) is None
    assert len(caplog.records) == 1 and "search reindex" in caplog.records[0].getMessage()
    assert snippets_for(None, {"1": "d"}, frozenset({"quyen"}), "vi") == {}
    with SqliteSnippetStore.writer_in(tmp_path) as writer:  # writes go nowhere, and make no store
        writer.put("1", "d", snippet_record({"id": "1", "texts": {"vi": "quyền"}}))
    assert not list(tmp_path.iterdir())


def test_the_one_expression_marks_what_folding_word_by_word_marks(corpus):
    """The fast path (letter classes over the text as written) against analysis' own folding."""
    rng = random.Random(2)
    text = corpus + " Élysée Ærø Đà Nẵng ĐẮK İstanbul ǅemal ẞtraße ﬁn naïve 한국 α"
    words = sorted({fold_word(w.lower()) for w in WORD.findall(text)})
    for _round in range(40):
        terms = frozenset(rng.sample(words, 3) + [rng.choice(words)[:2] + "*"])
        start = rng.randrange(len(text) - 300)
        passage = text[start : start + 240]
        prefixes = tuple(t[:-1] for t in terms if t.endswith("*"))
        folded = [(m.span(), fold_word(m.group().lower())) for m in WORD.finditer(passage)]
        expected = [span for span, word in folded if word in terms or word.startswith(prefixes)]
        assert snippets._matches(passage, terms) == expected, (terms, passage)
    tail = text[-80:]
    for word in ("elysee", "aerø", "da", "dak", "istanbul", "naive", "fin", "한국", "α"):
        terms = frozenset({fold_word(word)})
        slow = [m.span() for m in WORD.finditer(tail) if fold_word(m.group().lower()) in terms]
        assert snippets._matches(tail, terms) == slow, word


def test_a_fragment_is_cut_at_words_around_the_marks():
    passage = " ".join(f"từ{n}" for n in range(30)) + " quyền " + " ".join(f"chữ{n}" for n in range(30))
    fragment = mark(passage, frozenset({"quyen"}))
    plain = fragment.replace('<mark class="hl">', "").replace("</mark>", "")
    assert '<mark class="hl">quyền</mark>' in fragment and plain in passage
    assert len(plain) <= 2 * snippets.SURROUND + len("quyền") and not plain.startswith("ừ")
    assert mark(passage, frozenset({"absent"})) == ""


def test_a_store_that_cannot_be_read_gives_no_snippets_rather_than_an_error(tmp_path, caplog):
    (tmp_path / snippets.STORE_FILE).write_bytes(b"not a database, whatever the name says" * 100)
    with caplog.at_level(logging.WARNING, logger="core.search.snippets"):
        assert SqliteSnippetStore.open(tmp_path) is None
    assert "cannot be read" in caplog.records[0].getMessage()


def test_a_page_of_many_hits_is_asked_of_the_store_in_batches(store, monkeypatch):
    monkeypatch.setattr(snippets, "FIND_BATCH", 2)
    with store.writer() as writer:
        for n in range(5):
            writer.put(str(n), "d", snippet_record({"id": str(n), "texts": {"vi": f"Ảnh số {n} về quyền"}}))
    found = snippets_for(store, {str(n): "d" for n in range(5)}, frozenset({"quyen"}), "vi")
    assert sorted(found) == ["0", "1", "2", "3", "4"] and "số 3" in found["3"]
