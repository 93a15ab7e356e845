"""Who may do what (core.permissions): named permissions, the page guards, what templates hide."""

import pytest

from core.auth import Role
from core.permissions import GRANTED, Permission, can, roles_with


class Someone:
    def __init__(self, role, is_authenticated=True):
        self.role, self.is_authenticated = role, is_authenticated


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.ARCHIVIST, {Permission.SUBMIT_ITEMS}),
    (Role.CURATOR, set(Permission) - {Permission.SEE_FIXITY, Permission.MANAGE_USERS, Permission.MANAGE_REFERENCE,
                                      Permission.MANAGE_REPOSITORY, Permission.MANAGE_HARVEST, Permission.TAKE_DOWN,
                                      Permission.MANAGE_JOBS}),
    (Role.ADMIN, set(Permission)),
])  # fmt: skip
def test_each_role_holds_its_permissions(role, allowed):
    assert {p for p in Permission if can(Someone(role), p)} == allowed


def test_every_permission_is_granted_to_someone_and_strangers_hold_none():
    assert set(GRANTED) == set(Permission) and all(roles_with(p) for p in Permission)
    assert not can(None, Permission.SUBMIT_ITEMS)
    assert not can(Someone(Role.ADMIN, is_authenticated=False), Permission.SUBMIT_ITEMS)
    assert can(Someone(Role.CURATOR), "compose_exhibitions")  # templates ask by name


def test_a_stranger_is_sent_to_sign_in_and_the_api_answers_401(client):
    response = client.get("/staff/items")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert client.get("/staff/figures").status_code == 302
    assert client.get("/api/v1/items/1/history").status_code == 401


def test_staff_without_the_permission_get_403_and_never_see_the_way_in(login_as):
    client, _user = login_as("archivist")
    assert client.get("/staff/figures").status_code == 403
    assert client.get("/staff/exhibitions").status_code == 403
    page = client.get("/staff/items?lang=en").get_data(True)
    assert "/staff/exhibitions" not in page and "/staff/figures" not in page
    curator, _user = login_as("curator")
    page = curator.get("/staff/items?lang=en").get_data(True)
    assert "/staff/exhibitions" in page and "/staff/figures" in page
