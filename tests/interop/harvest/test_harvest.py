"""Harvesting a repository that is not Vitrine (interop.harvest.running, archive.harvested): a whole list through
resumption tokens, incremental runs from the source's responseDate, updates and deletions, crash and resume,
retries, and one bad record skipped."""

import pytest
from sqlalchemy import func, select

from archive import services, workflow
from archive.models import Item, ItemProvenance, ItemStatus, ItemType
from core.db import db
from core.errors import Forbidden
from interop.harvest.models import HarvestRun, RunState
from tests.interop.harvest.helpers import MUSEUM, add_museum, harvest_now, item_of
from tests.interop.harvest.server import Answer


def test_a_whole_list_is_harvested_through_its_resumption_tokens(app, repository):
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.pages == 3
    assert (run.added, run.updated, run.unchanged, run.deleted, run.skipped) == (4, 0, 1, 0, 0)  # 105: deleted, unknown
    assert run.response_date == "2026-03-01T08:00:00Z" and run.resumption_token is None
    tokens = [r.args.get("resumptionToken") for r in repository.requests_for("ListRecords")]
    assert tokens == [None, "page2-token", "page3-token"]
    assert "from" not in repository.requests_for("ListRecords")[0].args  # the first harvest asks everything
    assert db.session.scalar(select(func.count()).select_from(ItemProvenance)) == 4


def test_a_record_becomes_a_published_item_with_its_texts_terms_place_and_provenance(app, repository):
    harvest_now(add_museum(repository))
    bridge = item_of(101)
    assert bridge.status == ItemStatus.PUBLISHED and bridge.type == ItemType.PHOTO
    assert bridge.reference_code == "quangtri-museum.example.org:QT-ANH-0101"
    assert {t.lang: t.title for t in bridge.texts} == {"en": "Hien Luong Bridge over the Ben Hai River",
                                                      "vi": "Cầu Hiền Lương trên sông Bến Hải"}  # fmt: skip
    assert bridge.text_for("en").description.startswith("The bridge joining")
    assert [t.code for t in bridge.terms] == ["CRC"] and [t.label for t in bridge.tags] == ["Vĩ tuyến 17"]
    assert (bridge.date_text, bridge.date_start.isoformat()) == ("1967-05", "1967-05-01")
    assert bridge.place.names["vi"] == "Quảng Trị" and bridge.place.valid_to is None  # today's province
    assert bridge.body.code == "ubnd-gia-lai" and bridge.rights == "http://creativecommons.org/licenses/by/4.0/"
    provenance = bridge.provenance
    assert (provenance.oai_identifier, provenance.datestamp) == (f"{MUSEUM}101", "2026-02-10T09:15:00Z")
    assert provenance.source_url == f"{repository.root}/handle/123456789/101"
    assert provenance.manifest_url == f"{repository.root}/iiif/123456789/101/manifest.json"
    assert provenance.repository.repository_name == "Bảo tàng tỉnh Quảng Trị – Kho số"
    letter = item_of(102)
    assert letter.reference_code == "quangtri-museum.example.org:123456789/102"  # from its OAI identifier
    assert [t.lang for t in letter.texts] == ["und"] and letter.type == ItemType.DOCUMENT
    assert letter.date_approximate and letter.date_text == "c. 1972"
    poster = item_of(103)
    assert poster.type == ItemType.POSTER and {t.lang for t in poster.texts} == {"vi", "fr"}


def test_untagged_texts_take_the_language_the_source_was_added_with(app, repository):
    harvest_now(add_museum(repository, lang="vi"))
    assert [t.lang for t in item_of(102).texts] == ["vi"]


def test_harvested_items_are_found_by_their_words_and_their_source(app, repository):
    from archive.searching import search_items
    from core.search import apply_pending

    harvest_now(add_museum(repository))
    apply_pending(app)
    for words in ("Hiền Lương", "hien luong", "quangtri-museum.example.org", "Bảo tàng tỉnh Quảng Trị"):
        found = search_items(db.session, {"q": words}, "vi", public=True)
        assert item_of(101) in found.items, words


def test_the_next_run_asks_from_the_last_complete_runs_response_date_and_follows_changes(app, repository):
    source = add_museum(repository)
    harvest_now(source)
    repository.answers[("ListRecords", "2026-03-01T08:00:00Z", None)] = "since-first.xml"
    second = harvest_now(source)
    assert repository.requests_for("ListRecords")[-1].args == {"verb": "ListRecords", "metadataPrefix": "oai_dc",
                                                               "from": "2026-03-01T08:00:00Z"}  # fmt: skip
    assert (second.state, second.updated, second.deleted) == (RunState.COMPLETE, 1, 1)
    bridge = item_of(101)
    assert bridge.text_for("vi").title == "Cầu Hiền Lương, bờ Bắc, năm 1967" and bridge.text_for("en") is None
    assert bridge.provenance.datestamp == "2026-03-01T12:00:00Z" and bridge.reference_code.endswith("QT-ANH-0101")
    letter = item_of(102)
    assert letter.status == ItemStatus.WITHDRAWN and letter.provenance.deleted
    # Back at its source: published again; the next run asked from the second's responseDate.
    repository.answers[("ListRecords", "2026-03-02T08:00:00Z", None)] = "since-second.xml"
    third = harvest_now(source)
    assert third.added == 0 and third.updated == 1
    letter = item_of(102)
    assert letter.status == ItemStatus.PUBLISHED and not letter.provenance.deleted
    assert db.session.scalar(select(func.count()).select_from(ItemProvenance)) == 4  # never stored twice


def test_a_day_granularity_source_is_asked_from_a_day(app, repository):
    source = add_museum(repository, identify="identify-day.xml")
    repository.answers[("Identify",)] = "identify-day.xml"
    harvest_now(source)
    repository.answers[("ListRecords", "2026-03-01", None)] = "since-first.xml"
    assert harvest_now(source).state == RunState.COMPLETE
    assert repository.requests_for("ListRecords")[-1].args["from"] == "2026-03-01"
    assert item_of(101).reference_code.startswith("127.0.0.1:")  # no oai-identifier: qualified by its host


def test_a_set_is_asked_for_when_the_source_names_one(app, repository):
    repository.answers[("ListRecords", None, "col_123456789_7")] = "page-3.xml"
    run = harvest_now(add_museum(repository, set_spec="col_123456789_7"))
    assert run.state == RunState.COMPLETE and repository.requests_for("ListRecords")[0].args["set"] == "col_123456789_7"


def test_harvested_items_are_read_only_here_but_for_a_takedown(app, repository, make_user):
    source = add_museum(repository)
    harvest_now(source)
    bridge, curator = item_of(101), make_user("curator")
    with pytest.raises(Forbidden, match="Bảo tàng tỉnh Quảng Trị"):
        services.update_item(db.session, curator, bridge, {"creator": "someone"}, None)
    assert [t.name for t in workflow.available_transitions(curator, bridge)] == ["withdraw"]
    with pytest.raises(Forbidden, match="Bảo tàng tỉnh Quảng Trị"):
        workflow.apply_transition(db.session, curator, bridge, "restore", "not ours")
    # This archive decides what it shows: a takedown here outlasts the source's next update of the record.
    workflow.apply_transition(db.session, curator, bridge, "withdraw", "Rights disputed here")
    db.session.commit()
    repository.answers[("ListRecords", "2026-03-01T08:00:00Z", None)] = "since-first.xml"  # 101 changed there
    assert harvest_now(source).updated == 1
    bridge = item_of(101)
    assert bridge.text_for("vi").title == "Cầu Hiền Lương, bờ Bắc, năm 1967" and bridge.status == ItemStatus.WITHDRAWN
    workflow.apply_transition(db.session, make_user("admin"), bridge, "reinstate", "Rights cleared")
    assert bridge.status == ItemStatus.PUBLISHED


def test_a_crash_between_pages_resumes_at_the_next_page(app, repository):
    source = add_museum(repository)

    def crash(progress):
        if progress.pages == 1:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        harvest_now(source, on_page=crash)
    stopped = db.session.scalars(select(HarvestRun)).one()
    assert (stopped.state, stopped.pages, stopped.resumption_token) == (RunState.INTERRUPTED, 1, "page2-token")
    assert stopped.error_code == "crashed"
    # A killed process records nothing: its run stays "running" until its lease runs out.
    stopped.state, stopped.lease_until = RunState.RUNNING, None
    db.session.commit()
    asked = len(repository.log)
    resumed = harvest_now(source)
    assert resumed.id == stopped.id and resumed.state == RunState.COMPLETE and resumed.pages == 3
    assert [r.args.get("resumptionToken") for r in repository.log[asked:] if r.verb == "ListRecords"] == [
        "page2-token", "page3-token"]  # fmt: skip
    assert (resumed.added, resumed.response_date) == (4, "2026-03-01T08:00:00Z")


def test_a_run_holding_a_live_lease_is_not_taken_over(app, repository):
    from interop.harvest.running import AlreadyRunning

    source, refused = add_museum(repository), []

    def meanwhile(progress):  # another process asks for the same source while this run holds it
        with pytest.raises(AlreadyRunning):
            harvest_now(source)
        refused.append(progress.pages)

    assert harvest_now(source, on_page=meanwhile).state == RunState.COMPLETE
    assert refused == [1, 2, 3] and db.session.scalars(select(HarvestRun)).one().state == RunState.COMPLETE


def test_network_errors_are_retried_and_a_run_that_gives_up_resumes_later(app, repository):
    source = add_museum(repository)
    failures = {"count": 0}

    def flaky(request):  # page 2 fails twice, then answers
        if request.args.get("resumptionToken") == "page2-token" and failures["count"] < 2:
            failures["count"] += 1
            return Answer(503, b"busy")
        return None

    repository.hooks.append(flaky)
    assert harvest_now(source).state == RunState.COMPLETE and failures["count"] == 2
    # A source down for longer: the run stops, resumable, and the next one goes on at its token.
    repository.answers[("ListRecords", "2026-03-01T08:00:00Z", None)] = "page-1.xml"
    repository.hooks = [lambda request: Answer(-1) if request.args.get("resumptionToken") == "page2-token" else None]
    down = harvest_now(source)
    assert (down.state, down.error_code, down.resumption_token) == (RunState.INTERRUPTED, "network", "page2-token")
    repository.hooks = []
    back = harvest_now(source)
    assert back.id == down.id and back.state == RunState.COMPLETE


def test_an_expired_token_lists_again_from_the_runs_own_from(app, repository):
    source = add_museum(repository)
    with pytest.raises(KeyboardInterrupt):
        harvest_now(source, on_page=lambda progress: (_ for _ in ()).throw(KeyboardInterrupt))
    del repository.answers[("token", "page2-token")]  # the source forgot it: badResumptionToken
    repository.answers[("ListRecords", None, None)] = "page-3.xml"
    run = harvest_now(source)
    assert run.state == RunState.COMPLETE and run.response_date == "2026-03-01T08:00:09Z"


def test_a_code_already_used_here_gets_the_records_own_suffix(app, repository, make_item):
    make_item(reference_code="quangtri-museum.example.org:QT-ANH-0101")
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.added == 4
    assert item_of(101).reference_code.startswith("quangtri-museum.example.org:QT-ANH-0101~")


def test_records_that_cannot_be_read_are_skipped_and_reported_and_the_others_stored(app, repository):
    page = repository.fixture("page-1.xml").decode()
    broken = page.replace("<identifier>oai:quangtri-museum.example.org:123456789/102</identifier>", "<identifier/>")
    broken = broken.replace("2026-02-10T09:15:00Z", "last Tuesday")
    repository.answers[("ListRecords", None, None)] = Answer(200, broken.encode())
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and (run.added, run.skipped) == (2, 2)
    assert [p["identifier"] for p in run.problems] == [f"{MUSEUM}101", "?"]
    assert (run.problems[0]["code"], run.problems[0]["detail"]) == ("bad_datestamp", "last Tuesday")
    assert run.problems[1]["code"] == "no_identifier"


def test_a_record_held_from_another_repository_is_refused_and_the_run_goes_on(app, repository):
    first = add_museum(repository, name="first")
    harvest_now(first)
    with db.session.begin_nested():
        db.session.get(type(item_of(101).provenance.repository), first).repository_identifier = "someone.else.org"
    db.session.commit()
    second = add_museum(repository, name="second")
    run = harvest_now(second)
    assert run.state == RunState.COMPLETE and run.skipped == 4 and run.added == 0
    assert run.problems[0] | {"identifier": ""} == {"identifier": "", "code": "held_elsewhere",
                                                    "detail": "Bảo tàng tỉnh Quảng Trị – Kho số"}  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(Item)) == 4


def test_a_harvested_item_goes_into_an_exhibition_like_a_local_one(app, repository, make_exhibition, curator):
    from exhibitions.composing import add_entry

    harvest_now(add_museum(repository))
    exhibition = make_exhibition(sections=1, entries=0)
    entry = add_entry(db.session, curator, exhibition.sections[0], item_of(104).id)
    db.session.commit()
    assert entry.item.provenance.oai_identifier == f"{MUSEUM}104"


def test_a_run_taken_over_by_another_process_stops_without_writing(app, repository):
    from core.uow import unit

    source = add_museum(repository)

    def taken_over(progress):  # its lease ran out and another process claimed the run and read a page
        if progress.pages == 1:
            with unit("another process") as session:
                session.scalars(select(HarvestRun)).one().pages = 7

    run = harvest_now(source, on_page=taken_over)
    assert (run.state, run.pages, run.added) == (RunState.RUNNING, 7, 2)  # as the other process left it
