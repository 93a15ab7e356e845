"""Sign-in throttling (core.throttle) and equal work for every account (core.auth.authenticate): a
stranger hammering an account locks out strangers only, never the owner's known browser; the counts
live in the database and hold under parallel attempts; an unknown account costs one password check."""

import threading
from datetime import timedelta

import argon2
import pytest
from sqlalchemy import select, update

from core import throttle
from core.auth import authenticate
from core.db import utcnow
from core.throttle import DEVICE_COOKIE, LoginCounter
from tests.conftest import PASSWORD, TEST_DB

WRONG = "not the password at all"


def attempt(client, email, password, addr="10.0.0.1"):
    return client.post("/login?lang=en", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr}).status_code  # fmt: skip


def test_a_stranger_hammering_an_account_never_locks_out_its_known_browser(app, make_user):
    owner = make_user("archivist")
    known = app.test_client()
    assert attempt(known, owner.email, PASSWORD) == 302
    assert known.get_cookie(DEVICE_COOKIE, path="/login") is not None  # a device cookie, for the sign-in page only
    known.post("/logout")

    stranger = app.test_client()
    statuses = [attempt(stranger, owner.email, WRONG, addr="203.0.113.9") for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    # Strangers are locked out of the account, even with the right password, from any address…
    assert attempt(stranger, owner.email, PASSWORD, addr="203.0.113.9") == 429
    assert attempt(app.test_client(), owner.email, PASSWORD, addr="198.51.100.1") == 429
    # …the owner's known browser is not, even from the attacker's own address.
    assert attempt(known, owner.email, PASSWORD, addr="203.0.113.9") == 302


def test_a_known_browser_has_its_own_limit(app, make_user):
    owner = make_user("archivist")
    known = app.test_client()
    assert attempt(known, owner.email, PASSWORD) == 302
    known.post("/logout")
    assert [attempt(known, owner.email, WRONG) for _ in range(6)] == [401] * 5 + [429]
    # The device's failures did not count against the account: a new browser still gets its five.
    assert attempt(app.test_client(), owner.email, PASSWORD) == 302


def test_a_device_cookie_names_one_account_and_is_signed(app, make_user):
    with app.test_request_context():
        cookie = throttle.device_cookie("Owner@Vitrine.test")
        assert throttle.read_device(cookie, "owner@vitrine.test")
        assert throttle.read_device(cookie, "other@vitrine.test") is None
        payload, _sep, signature = cookie.rpartition(".")
        forged = (
            payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
        )  # the first character is whole bits
        assert throttle.read_device(forged, "owner@vitrine.test") is None
        assert throttle.read_device("x" * 5000, "owner@vitrine.test") is None
        assert throttle.read_device(None, "owner@vitrine.test") is None


def test_one_client_is_limited_across_accounts_and_only_failures_use_it_up(app, make_user):
    app.config["LOGIN_MAX_CLIENT_ATTEMPTS"] = 4
    users = [make_user("curator") for _ in range(3)]
    # Colleagues behind one address signing in rightly use up nothing.
    assert [attempt(app.test_client(), user.email, PASSWORD) for user in users * 2] == [302] * 6
    statuses = [attempt(app.test_client(), f"guess{n}@vitrine.test", WRONG) for n in range(5)]
    assert statuses == [401] * 4 + [429]
    assert attempt(app.test_client(), users[0].email, PASSWORD) == 429
    assert attempt(app.test_client(), users[0].email, PASSWORD, addr="10.0.0.2") == 302


def test_the_counts_are_rows_naming_nobody_and_a_window_starts_again(app, db_session, make_user):
    owner = make_user("archivist")
    client = app.test_client()
    for _ in range(5):
        attempt(client, owner.email, WRONG)
    assert attempt(client, owner.email, PASSWORD) == 429
    db_session.rollback()
    rows = db_session.scalars(select(LoginCounter)).all()
    assert {row.kind for row in rows} == {"account", "client"} and all(len(row.key) == 64 for row in rows)
    assert not any(owner.email in row.key or "10.0.0.1" in row.key for row in rows)
    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    db_session.execute(update(LoginCounter).values(window_start=utcnow() - window - timedelta(seconds=1)))
    db_session.commit()
    assert attempt(client, owner.email, PASSWORD) == 302
    db_session.rollback()
    # The right password cleared the account's counter and swept the ended windows.
    assert [(row.kind, row.attempts) for row in db_session.scalars(select(LoginCounter))] == [("client", 0)]


def _claim_in_parallel(app, email: str, count: int) -> list[bool]:
    barrier, results, errors = threading.Barrier(count), [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results.append(throttle.claim(email, "192.0.2.7", None).allowed)
        except Exception as error:  # the test fails with it below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


# 50 at once in `make test-all` (marker `long`), a short form in `make test`.
@pytest.mark.parametrize("count", [pytest.param(12, id="short"), pytest.param(50, id="full", marks=pytest.mark.long)])
def test_parallel_attempts_never_pass_the_limit(app_config, request, count):
    if TEST_DB == "postgresql":  # a connection for every thread: all of them in the database at once
        app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": count, "max_overflow": 0}
    app, db_session = request.getfixturevalue("app"), request.getfixturevalue("db_session")
    email = request.getfixturevalue("make_user")("archivist").email
    db_session.remove()  # on SQLite even a read would hold the write lock
    results = _claim_in_parallel(app, email, count)
    assert len(results) == count
    assert results.count(True) == app.config["LOGIN_MAX_FAILURES"]  # exactly the limit reach a password check
    account = db_session.scalar(select(LoginCounter).where(LoginCounter.kind == "account"))
    assert account.attempts == count


class CountingHasher:
    """The app's hasher, counting the password checks it makes."""

    def __init__(self, real):
        self.real, self.checks = real, []

    def verify(self, stored, password):
        self.checks.append(argon2.extract_parameters(stored))
        return self.real.verify(stored, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_every_account_costs_one_password_check_of_the_same_cost(app, db_session, make_user):
    known, invited, disabled = (make_user("curator") for _ in range(3))
    invited.password_hash, disabled.is_active_flag = None, False
    db_session.commit()
    expected = argon2.extract_parameters(known.password_hash)
    counting = app.extensions["vitrine.hasher"] = CountingHasher(app.extensions["vitrine.hasher"])
    with app.test_request_context():
        for email in (known.email, "nobody@vitrine.test", invited.email, disabled.email):
            counting.checks.clear()
            assert authenticate(db_session, email, WRONG) is None
            assert authenticate(db_session, email, PASSWORD) is (known if email == known.email else None)
            assert counting.checks == [expected, expected], email


@pytest.mark.skipif(TEST_DB != "sqlite", reason="the login page once, on one database")
def test_the_login_page_runs_one_check_for_an_unknown_account(app, make_user):
    make_user("curator")
    counting = app.extensions["vitrine.hasher"] = CountingHasher(app.extensions["vitrine.hasher"])
    assert attempt(app.test_client(), "nobody@vitrine.test", WRONG) == 401
    assert len(counting.checks) == 1
