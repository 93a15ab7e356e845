"""What a reader sees: the language chain, the reader's language, credit lines."""

from exhibitions.reading import credit_line, language_chain, reader_language


def test_the_chain_starts_with_the_reader_then_the_curators_order_then_vietnamese(make_exhibition):
    geneva = make_exhibition(sections=0, venue="geneva", primary_language="fr", languages=["en"],
                             fallback_chain=["fr", "en", "vi"], texts={"fr": {"title": "Exposition"}})  # fmt: skip
    assert language_chain(geneva, "en") == ["en", "fr", "vi"]
    assert language_chain(geneva, "fr") == ["fr", "en", "vi"]
    assert reader_language(geneva, "en-GB") == "en"
    assert reader_language(geneva, "vi") == "fr"  # not a language of the exhibition: its primary one
    assert reader_language(geneva, None) == "fr"


def test_credit_names_a_creator_who_is_the_lending_body_once_in_the_readers_language(published_item):
    item = published_item(
        creator="Thông tấn xã Việt Nam", body="ttxvn", source_archive="Trung tâm Lưu trữ quốc gia III"
    )
    french = credit_line(item, "fr")
    assert "Thông tấn xã Việt Nam" not in french and french.endswith(" · Trung tâm Lưu trữ quốc gia III")
    assert credit_line(item, "vi") == "Thông tấn xã Việt Nam · Trung tâm Lưu trữ quốc gia III"
    other = published_item(creator="Văn Lương", body="ttxvn")
    assert credit_line(other, "vi") == "Văn Lương · Thông tấn xã Việt Nam"
