"""A hostile or broken source is refused without harm, and the refusal reported: an entity bomb, an external
entity, an endless resumption token, a redirect to another host, an oversized answer or record."""

import pytest
from sqlalchemy import select

from archive.models import ItemProvenance, ItemText
from core.db import db
from interop.harvest.errors import failure_message
from interop.harvest.models import RunState
from tests.interop.harvest.helpers import MUSEUM, add_museum, harvest_now
from tests.interop.harvest.server import Answer, Repository

MAX_PAGES, MAX_RESPONSE, MAX_RECORD = 4, 64 * 1024, 8 * 1024


@pytest.fixture
def app_config(app_config):
    return app_config | {"HARVEST_MAX_PAGES": MAX_PAGES, "HARVEST_MAX_RESPONSE_BYTES": MAX_RESPONSE,
                         "HARVEST_MAX_RECORD_BYTES": MAX_RECORD}  # fmt: skip


def page(repository: Repository, token: str | None) -> bytes:
    """The first page, its token replaced."""
    body = repository.fixture("page-1.xml").decode()
    tail = f'<resumptionToken cursor="0">{token}</resumptionToken>' if token else "<resumptionToken/>"
    return body.replace('<resumptionToken completeListSize="5" cursor="0">page2-token</resumptionToken>', tail).encode()


def endless(repository):
    repository.answers[("ListRecords", None, None)] = Answer(200, page(repository, "again"))
    repository.answers[("token", "again")] = Answer(200, page(repository, "again"))


def ever_new(repository):
    def next_token(request):
        token = request.args.get("resumptionToken")
        if request.verb == "ListRecords":
            number = int(token[1:]) + 1 if token else 1
            return Answer(200, page(repository, f"t{number}"))
        return None

    repository.hooks.append(next_token)


def elsewhere(repository):
    away = f"http://localhost:{repository.port}/oai?verb=ListRecords&metadataPrefix=oai_dc"
    repository.answers[("ListRecords", None, None)] = Answer(302, headers={"Location": away})


def oversized(repository):
    repository.answers[("ListRecords", None, None)] = Answer(200, page(repository, None) + b" " * MAX_RESPONSE)


# What the source answers (a fixture as its first page, or a function setting the answers up), and the code
# the run must end with.
CASES = {
    "entity bomb": ("bomb.xml", "xml_forbidden"),
    "external entity": ("external-entity.xml", "xml_forbidden"),
    "redirect to another host": (elsewhere, "other_host"),
    "oversized answer": (oversized, "too_large"),
    "endless token": (endless, "endless_token"),
    "token past the page limit": (ever_new, "too_many_pages"),
}


def test_a_hostile_answer_ends_the_run_with_its_reason_and_stores_nothing_of_it(app, repository):
    """Each case a source of its own, all in one app (one database)."""
    for number, (case, (answer, code)) in enumerate(CASES.items()):
        repository.reset()
        repository.serve_standard()
        if isinstance(answer, str):
            repository.answers[("ListRecords", None, None)] = answer
        else:
            answer(repository)
        run = harvest_now(add_museum(repository, name=f"source-{number}"))
        assert (run.state, run.error_code) == (RunState.FAILED, code), case
        assert run.resumption_token is None, case  # never resumed: the next run starts afresh
        assert failure_message(run.error_code, run.error_detail), case
        texts = " ".join(db.session.scalars(select(ItemText.title)))
        assert "lol" not in texts and "root:" not in texts and "Leak" not in texts, case
        assert all(request.host == "127.0.0.1" for request in repository.log), case
        # Only the pages read before a list turned endless are kept: the museum's first two records.
        stored = set(db.session.scalars(select(ItemProvenance.oai_identifier)))
        assert stored <= {f"{MUSEUM}101", f"{MUSEUM}102"}, case
    assert len(stored) == 2


def test_an_oversized_record_is_skipped_and_reported_and_the_page_stored(app, repository):
    body = repository.fixture("page-1.xml").decode()
    huge = "<dc:description>" + "Vĩnh Linh " * (MAX_RECORD // 5) + "</dc:description>"
    body = body.replace("<dc:description>Bản đánh máy, hai trang.</dc:description>", huge)
    repository.answers[("ListRecords", None, None)] = Answer(200, body.encode())
    run = harvest_now(add_museum(repository))
    assert run.state == RunState.COMPLETE and run.skipped == 1 and run.added == 3
    assert run.problems[0]["identifier"].endswith("123456789/102")
    assert run.problems[0]["code"] == "record_too_large"
