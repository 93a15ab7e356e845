"""Fixtures for the archive: API tokens."""

import pytest

from core.auth import issue_token


@pytest.fixture
def api_token(db_session, make_user):
    """Factory: a committed bearer token for `user`, or for a new user of `role`."""

    def issue(role="archivist", user=None):
        user = user or make_user(role)
        token = issue_token(db_session, user)
        db_session.commit()
        return token

    return issue


@pytest.fixture
def auth(api_token):
    """Factory: the Authorization header of a new user of `role` (or of `user`)."""

    def headers(role="archivist", user=None):
        return {"Authorization": f"Bearer {api_token(role, user)}"}

    return headers
