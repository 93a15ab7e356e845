"""The API against its own OpenAPI document (issue 24): schemathesis generates requests for each operation of
`/api/v1/openapi.json` — valid ones and ones the document says are invalid — and sends them to the app in
process (WSGI, no network), as the public and with an admin's token: no answer is a server error, and every
answer has the status, media type and body the document promises.

`make test` runs a few operations with a few examples each; the `long` form every operation with many."""

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from archive.models import ImportJob, Item, ItemStatus, Scheme
from core.auth import Role, User, issue_token
from exhibitions.models import Exhibition, ExhibitionStatus

# The requests' parsing and the documents are checked, the same over either database; `make test-all` runs both.
pytestmark = pytest.mark.one_database

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip
# The short form: a creation and a change of an item, the public's and a token's.
SHORT = {("POST", "/api/v1/items"), ("PATCH", "/api/v1/items/{item_id}")}


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _token(db_session) -> str:
    admin = db_session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
    token = issue_token(db_session, admin, scopes={"read", "write", "admin"})
    db_session.commit()
    return token


def _real_ids(db_session) -> dict:
    """Path parameters naming records of the demo: generated ids alone would meet nothing but 404."""
    item = db_session.scalar(select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.media.any()).limit(1))
    exhibition = db_session.scalar(select(Exhibition).where(Exhibition.status == ExhibitionStatus.PUBLISHED).limit(1))
    scheme = db_session.scalar(select(Scheme).limit(1))
    job = ImportJob(user_id=item.created_by_id, folder="api-fuzz-test", csv_name="items.csv", lang="vi")
    db_session.add(job)
    db_session.commit()
    return {"job_id": job.id, "item_id": item.id, "media_id": item.media[0].id, "exhibition_id": exhibition.id,
            "section_id": exhibition.sections[0].id, "code": scheme.code, "lang": "en"}  # fmt: skip


def _fuzz(app, db_session, operations, examples: int) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {_token(db_session)}"}
    real = _real_ids(db_session)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operations is not None and (operation.method.upper(), operation.path) not in operations:
            continue
        known = {p.name: real[p.name] for p in operation.path_parameters if p.name in real}  # others generated
        for mode, fixed in itertools.product(GenerationMode, [None, known]):
            if fixed == {} or (fixed and mode == GenerationMode.NEGATIVE and not operation.body):
                continue  # nothing to fix, or nothing left to make invalid

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case):
                case.call_and_validate(checks=CHECKS)
                case.call_and_validate(checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:  # no parameter to make invalid
                pass
            except (Exception, BaseExceptionGroup) as error:  # every operation is tried, its failures reported together
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}"[:3000])
    return failures


def test_the_api_keeps_its_document_under_generated_requests(app, db_session):
    failures = _fuzz(app, db_session, SHORT, examples=3)
    assert not failures, "\n\n".join(failures)


@pytest.mark.long
def test_every_api_operation_keeps_its_document_under_generated_requests(app, db_session):
    failures = _fuzz(app, db_session, None, examples=100)
    assert not failures, "\n\n".join(failures)
