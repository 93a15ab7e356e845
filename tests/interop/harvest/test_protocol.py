"""Reading OAI-PMH answers (interop.harvest.protocol): Identify, pages of oai_dc records, and hostile XML refused."""

import pytest

from interop.harvest import protocol
from interop.harvest.fetching import FetchError
from interop.harvest.mapping import harvested_record, image_candidates
from tests.interop.harvest.server import FIXTURES, Repository

BASE = "http://museum.test"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_text(encoding="utf-8").replace("{base}", BASE).encode()


def test_identify_gives_name_granularity_and_repository_identifier():
    identity = protocol.identify(fixture("identify.xml"))
    assert identity == protocol.Identity("Bảo tàng tỉnh Quảng Trị – Kho số", protocol.SECONDS,
                                         "quangtri-museum.example.org")  # fmt: skip
    day = protocol.identify(fixture("identify-day.xml"))
    assert (day.granularity, day.repository_identifier) == (protocol.DAY, None)


def test_a_page_gives_its_records_token_and_list_size():
    page = protocol.list_records(fixture("page-1.xml"), max_record_bytes=100_000)
    assert (page.response_date, page.token, page.complete_list_size) == ("2026-03-01T08:00:00Z", "page2-token", 5)
    first = page.records[0]
    assert first.identifier == "oai:quangtri-museum.example.org:123456789/101" and not first.deleted
    assert first.fields["title"] == [("Cầu Hiền Lương trên sông Bến Hải", "vi"),
                                     ("Hien Luong Bridge over the Ben Hai River", "en")]  # fmt: skip
    last = protocol.list_records(fixture("page-3.xml"), 100_000)
    assert last.token is None and last.records[0].deleted  # an empty token ends the list


def test_texts_follow_xml_lang_and_untagged_ones_take_the_sources_default():
    first, second = protocol.list_records(fixture("page-1.xml"), 100_000).records
    record = harvested_record(first, "und")
    assert set(record.texts) == {"vi", "en"} and record.own_code == "QT-ANH-0101"
    assert record.source_url == f"{BASE}/handle/123456789/101"
    assert image_candidates(first, 4) == [f"{BASE}/bitstream/101/cau-hien-luong.png",
                                          f"{BASE}/handle/123456789/101"]  # fmt: skip
    assert set(harvested_record(second, "vi").texts) == {"vi"}
    assert set(harvested_record(second, "und").texts) == {"und"}
    assert harvested_record(second, "und").own_code is None  # its only identifier is a URL


def test_a_record_over_the_size_limit_is_a_bad_record_and_the_others_are_read():
    records = protocol.list_records(fixture("page-1.xml"), max_record_bytes=1500).records
    assert [type(r).__name__ for r in records] == ["BadRecord", "OaiRecord"]
    assert records[0].code == "record_too_large"


@pytest.mark.parametrize("name", ["bomb.xml", "external-entity.xml"])
def test_a_document_type_declaration_is_refused_before_any_entity_is_expanded(name):
    with pytest.raises(FetchError) as refused:
        protocol.list_records(fixture(name), 100_000)
    assert refused.value.code == "xml_forbidden"


@pytest.mark.parametrize(("body", "code"), [
    (b"<html><body>Not here</body></html>", "not_oai"),
    (b"<OAI-PMH", "not_xml"),
    (Repository.error("badArgument", "no such set"), "oai:badArgument"),
    (fixture("page-1.xml").replace(b"2026-03-01T08:00:00Z", b"yesterday"), "bad_date"),
])  # fmt: skip
def test_an_answer_that_is_not_a_page_is_refused_with_its_reason(body, code):
    with pytest.raises(FetchError) as refused:
        protocol.list_records(body, 100_000)
    assert refused.value.code == code


def test_no_records_match_is_an_empty_last_page():
    page = protocol.list_records(Repository.error("noRecordsMatch", "nothing new"), 100_000)
    assert page.records == [] and page.token is None


@pytest.mark.parametrize(("granularity", "expected"), [
    (protocol.SECONDS, "2026-03-01T08:00:00Z"), (protocol.DAY, "2026-03-01"), (None, "2026-03-01"),
])  # fmt: skip
def test_the_next_from_is_the_response_date_in_the_sources_granularity(granularity, expected):
    assert protocol.from_argument("2026-03-01T08:00:00.25Z", granularity) == expected
