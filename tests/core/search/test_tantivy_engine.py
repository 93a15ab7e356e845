"""What the tantivy engine adds to the contract: tantivy stays in its module, and it indexes our
own terms, not tantivy's, so both engines find the same documents."""

import json

import tantivy

from core.search import analysis
from core.search import schema as doc
from core.search import tantivy_engine as engine
from tests.test_layering import ROOT, application_files, imported_modules

FACETS = ("type", "term")


def test_tantivy_is_imported_by_the_engine_module_only():
    importers = {str(p.relative_to(ROOT)) for p in application_files()
                 if any(m.split(".")[0] == "tantivy" for m in imported_modules(p))}  # fmt: skip
    assert importers == {"core/search/tantivy_engine.py"}


def test_each_field_is_indexed_with_our_terms_one_by_one():
    text = "Quyền con người ở Đắk Lắk: người dân tộc, l'État, 2025 và co-operation"
    analysed = engine._analysed({"id": "7", "digest": "x", "date": 20250101, "texts": {"vi": text}}, FACETS)
    doc_id, digest, date, searched, values, stored = analysed
    assert (doc_id, digest, date) == ("7", b"x", 20250101)
    expected = analysis.terms(analysis.normalise(text))
    tokenizer = engine._terms_analyzer()
    for field, joined in zip(doc.SEARCHED, searched, strict=True):
        # tantivy's tokenizer gives back exactly our terms, pairs with their space included.
        assert tokenizer.analyze(joined) == expected[field.analysis], field.name
    assert json.loads(stored) == {"vi": text}


def test_facet_values_are_codes_split_at_spaces_each_once():
    analysed = engine._analysed({"id": "1", "facets": {"type": ["photo"], "term": ["CRC", "CAT CRC", "", None]}},
                                FACETS)  # fmt: skip
    assert analysed[4] == (("photo",), ("CRC", "CAT"))


def test_the_schema_keeps_positions_only_where_phrases_are_checked():
    schema = engine.build_schema(FACETS)
    index = tantivy.Index(schema)
    index.register_tokenizer(engine._TERMS, engine._terms_analyzer())
    writer = index.writer(15_000_000, 1)
    writer.add_document(engine._document(engine._analysed({"id": "1", "texts": {"vi": "hà nội mùa thu"}}, FACETS),
                                         FACETS))  # fmt: skip
    writer.commit()
    index.reload()
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.phrase_query(schema, doc.FOLDED, ["ha", "noi", "mua"]), 10)
    assert len(found.hits) == 1


def test_snippets_mark_folded_matches_and_escape_the_rest():
    texts = {"vi": "<b>Quyền</b> con người " + "lời " * 80 + "Quyền trẻ em", "en": "Human rights"}
    snippet = engine._snippet(texts, frozenset({"quyen"}), "vi")
    assert snippet.count('<mark class="hl">Quyền</mark>') == 2 and " … " in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet
    assert engine._snippet(texts, frozenset({"human"}), "fr") == '<mark class="hl">Human</mark> rights'
    assert engine._snippet(texts, frozenset({"absent"}), "vi") is None
    assert engine._snippet(texts, frozenset(), "vi") is None
