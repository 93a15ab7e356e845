"""Fixtures of the OAI-PMH tests: an app whose record outbox is applied right after each commit, with a small
page size, a repository identifier, and published items to expose."""

import pytest

from core.db import db
from core.uow import collected_effects
from interop.oai.identifiers import set_repository_id

REPOSITORY_ID = "vitrine.caobang.gov.vn"


@pytest.fixture
def app_config(app_config):
    return app_config | {"OAI_APPLY": "inline", "OAI_PAGE_SIZE": 2}


@pytest.fixture
def repository_id(app):
    """The repository identifier, set."""
    set_repository_id(db.session, None, REPOSITORY_ID)
    db.session.commit()
    return REPOSITORY_ID


@pytest.fixture
def oai(client, repository_id):
    """GET /oai with these arguments: the parsed (and, schemas at hand, validated) response."""
    from tests.interop.oai.helpers import parse

    def get(**args):
        response = client.get("/oai", query_string=args)
        assert response.status_code == 200, response.get_data(True)
        assert response.headers["Content-Type"].startswith("text/xml")
        return parse(response.data)

    return get


@pytest.fixture
def publish_many(published_item):
    """Factory: `count` published items (their after-commit effects run once at the end)."""

    def make(count, **overrides):
        with collected_effects():
            return [published_item(**overrides) for _ in range(count)]

    return make
