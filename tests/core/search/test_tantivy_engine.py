"""What the tantivy engine adds to the contract: tantivy stays in its module, and it indexes our
own terms, not tantivy's, so both engines find the same documents."""

import tantivy

from core.search import analysis, snippets
from core.search import schema as doc
from core.search import tantivy_engine as engine
from core.search.query import Query
from tests.test_layering import ROOT, application_files, imported_modules

FACETS = ("type", "term")


def test_tantivy_is_imported_by_the_engine_module_only():
    importers = {str(p.relative_to(ROOT)) for p in application_files()
                 if any(m.split(".")[0] == "tantivy" for m in imported_modules(p))}  # fmt: skip
    assert importers == {"core/search/tantivy_engine.py"}


def test_each_field_is_indexed_with_our_terms_one_by_one():
    text = "Quyền con người ở Đắk Lắk: người dân tộc, l'État, 2025 và co-operation"
    analysed = engine._analysed({"id": "7", "digest": "x", "date": 20250101, "texts": {"vi": text}}, FACETS)
    doc_id, digest, date, searched, values = analysed
    assert (doc_id, digest, date) == ("7", b"x", 20250101)
    expected = analysis.terms(analysis.normalise(text))
    tokenizer = engine._terms_analyzer()
    for field, joined in zip(doc.SEARCHED, searched, strict=True):
        # tantivy's tokenizer gives back exactly our terms, pairs with their space included.
        assert tokenizer.analyze(joined) == expected[field.analysis], field.name


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


def test_texts_are_kept_by_the_snippet_store_of_each_generation_not_by_tantivy(tmp_path):
    index = engine.TantivyIndex(str(tmp_path / "index"), FACETS)
    long_text = "Quyền con người " * 20_000  # 320 KB: tantivy's stored fields would hold it whole
    with index.try_writer() as writer:
        writer.upsert({"id": "1", "digest": "d1", "texts": {"vi": long_text}})
    assert (index.path.resolve() / snippets.STORE_FILE).is_file()
    with index.reading() as snapshot:
        [(_score, address)] = snapshot.searcher.search(tantivy.Query.all_query(), 1).hits
        assert snapshot.searcher.doc(address).to_dict() == {"id": ["1"], "digest": [b"d1"]}
    [hit] = index.search(Query(text="quyen", snippet_lang="vi")).hits
    assert hit.snippet.startswith('<mark class="hl">Quyền</mark> con người') and len(hit.snippet) < 1000
    old = index.rebuild(iter([{"id": "2", "digest": "d2", "texts": {"vi": "Bản đồ hành chính"}}]), keep_old=True)
    assert (index.path.resolve() / snippets.STORE_FILE).is_file() and not list(index.path.resolve().glob("*part*"))
    [hit] = index.search(Query(text="ban do", snippet_lang="vi")).hits
    assert hit.snippet == '<mark class="hl">Bản</mark> <mark class="hl">đồ</mark> hành chính'
    index.discard(old)
    index.close()
