"""Server-side sessions (core.sessions): every sign-in is a record, found by its token's hash on every
request, and logout, a password change, disabling and an admin's revoke refuse it at the next one."""

import hashlib
from datetime import UTC, timedelta

from sqlalchemy import select, update

from core.auth import issue_token
from core.db import utcnow
from core.sessions import SessionEnd, UserSession, describe_agent
from tests.conftest import PASSWORD

REMEMBER = "remember_token"


def sign_in(app, email, remember=False, agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent  # the same browser at every request
    data = {"email": email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(True)
    return client


def signed_in(client) -> bool:
    response = client.get("/staff/items")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def cookie_session(app, client) -> dict:
    value = client.get_cookie("session").value
    return app.session_interface.get_signing_serializer(app).loads(value)


def records(db_session, user):
    db_session.rollback()  # read what the requests committed
    return list(db_session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)))


def browser_with_only(app, remember_cookie):
    """A new browser holding nothing but a (copied) remember-me cookie."""
    client = app.test_client()
    client.set_cookie(REMEMBER, remember_cookie)
    return client


def test_a_sign_in_is_a_record_holding_the_hash_of_a_random_token(app, db_session, make_user):
    user = make_user("curator")
    client = sign_in(app, user.email)
    [record] = records(db_session, user)
    token = cookie_session(app, client)["_user_id"]
    assert token != str(user.id) and len(token) >= 40
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in record.token_hash
    assert not record.remember and record.ended_at is None and record.user_agent.endswith("Firefox/128.0")
    lifetime = record.expires_at - record.created_at
    assert lifetime == timedelta(hours=app.config["SESSION_HOURS"])
    db_session.refresh(user)
    assert user.last_login_at is not None
    assert client.get_cookie(REMEMBER) is None  # no remember-me asked, none given


def test_remember_me_is_new_at_each_sign_in_and_dies_at_logout(app, db_session, make_user):
    user = make_user("archivist")
    first, second = sign_in(app, user.email, remember=True), sign_in(app, user.email, remember=True)
    cookie_one, cookie_two = first.get_cookie(REMEMBER).value, second.get_cookie(REMEMBER).value
    assert cookie_one != cookie_two and str(user.id) not in (cookie_one.split("|")[0], cookie_two.split("|")[0])
    one, two = records(db_session, user)
    assert one.remember and (one.expires_at - one.created_at) == timedelta(days=app.config["REMEMBER_DAYS"])

    copy = browser_with_only(app, cookie_one)
    assert signed_in(copy) and signed_in(copy)  # the remember cookie alone signs a new browser in, to stay…
    assert first.post("/logout").status_code == 302
    assert not signed_in(first)
    assert not signed_in(browser_with_only(app, cookie_one))  # …and is worthless once its owner signed out
    assert not signed_in(copy)
    assert signed_in(second) and signed_in(browser_with_only(app, cookie_two))  # the other sign-in lives on
    one, two = records(db_session, user)
    assert one.end_reason == SessionEnd.LOGOUT and one.ended_at is not None and two.ended_at is None


def test_a_revoked_session_is_refused_at_the_next_request(app, db_session, make_user, make_item, login_as):
    user = make_user("archivist")
    history = f"/api/v1/items/{make_item().id}/history"
    victim = sign_in(app, user.email, remember=True)
    remembered = victim.get_cookie(REMEMBER).value
    db_session.rollback()  # read afresh, after the sign-in's write
    token = issue_token(db_session, user)
    db_session.commit()
    assert signed_in(victim) and app.test_client().get(history, headers=_bearer(token)).status_code == 200
    admin, _admin = login_as("admin")
    response = admin.post(f"/staff/admin/users/{user.id}/revoke?lang=en")
    assert response.status_code == 302
    assert "1 session(s) ended and 1 API token(s) deleted" in admin.get(response.headers["Location"]).get_data(True)
    assert not signed_in(victim)
    assert victim.get_cookie(REMEMBER) is None  # cleared by the refusal
    assert not signed_in(browser_with_only(app, remembered))
    assert app.test_client().get(history, headers=_bearer(token)).status_code == 401
    [record] = records(db_session, user)
    assert record.end_reason == SessionEnd.REVOKED
    assert signed_in(sign_in(app, user.email))  # the account itself still works


def test_a_disabled_user_is_refused_at_once_everywhere(app, db_session, make_user, make_item, login_as):
    user = make_user("curator")
    history = f"/api/v1/items/{make_item().id}/history"
    victim = sign_in(app, user.email, remember=True)
    db_session.rollback()  # read afresh, after the sign-in's write
    token = issue_token(db_session, user)
    db_session.commit()
    assert app.test_client().get(history, headers=_bearer(token)).status_code == 200
    admin, _admin = login_as("admin")
    assert admin.post(f"/staff/admin/users/{user.id}/disable").status_code == 302
    assert not signed_in(victim)
    assert app.test_client().get(history, headers=_bearer(token)).status_code == 401
    assert app.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    [record] = records(db_session, user)
    assert record.end_reason == SessionEnd.DISABLED
    # Enabled again, the account signs in anew; the old session stays ended.
    assert admin.post(f"/staff/admin/users/{user.id}/enable").status_code == 302
    assert not signed_in(victim) and signed_in(sign_in(app, user.email))


def test_a_password_change_ends_the_other_sessions_and_keeps_this_browser(app, db_session, make_user):
    user = make_user("archivist")
    here, elsewhere = sign_in(app, user.email), sign_in(app, user.email, remember=True)
    new = "a new passphrase, long enough"
    response = here.post("/account", data={"current_password": PASSWORD, "password": new, "confirmation": new})
    assert response.status_code == 302
    assert signed_in(here) and not signed_in(elsewhere)
    ended = [r.end_reason for r in records(db_session, user)]
    assert ended == [SessionEnd.PASSWORD, SessionEnd.PASSWORD, None]  # this browser carries on in a new one


def test_a_wrong_current_password_changes_nothing(app, db_session, make_user):
    user = make_user("archivist")
    client = sign_in(app, user.email)
    response = client.post("/account?lang=en", data={"current_password": "not it at all", "password": "x" * 12,
                                                      "confirmation": "x" * 12})  # fmt: skip
    assert response.status_code == 422 and "Your current password is not right" in response.get_data(True)
    assert signed_in(client) and [r.ended_at for r in records(db_session, user)] == [None]


def test_signing_in_again_ends_this_browsers_previous_session(app, db_session, make_user):
    user = make_user("archivist")
    client = sign_in(app, user.email)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert [r.end_reason for r in records(db_session, user)] == [SessionEnd.REPLACED, None]


def test_an_expired_session_is_refused(app, db_session, make_user):
    user = make_user("archivist")
    client = sign_in(app, user.email)
    db_session.rollback()  # read afresh, after the sign-in's write
    db_session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert not signed_in(client)


def test_a_session_unused_past_its_idle_limit_is_refused(app, db_session, make_user):
    user = make_user("archivist")
    remembered, plain = sign_in(app, user.email, remember=True), sign_in(app, user.email)
    limits = {True: timedelta(days=app.config["REMEMBER_IDLE_DAYS"]),
              False: timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])}  # fmt: skip
    db_session.rollback()  # read afresh, after the sign-ins' writes

    def last_seen(before_limit: timedelta) -> None:
        for remember, idle in limits.items():
            moment = utcnow() - idle + before_limit
            db_session.execute(
                update(UserSession).where(UserSession.remember.is_(remember)).values(last_seen_at=moment)
            )
        db_session.commit()

    last_seen(timedelta(minutes=2))
    assert signed_in(remembered) and signed_in(plain)  # still within the limits: the visit counts as activity
    last_seen(-timedelta(seconds=1))
    assert not signed_in(remembered) and not signed_in(plain)
    for record in records(db_session, user):
        expires = record.expires_at if record.expires_at.tzinfo else record.expires_at.replace(tzinfo=UTC)
        assert expires > utcnow()  # lapsed by idleness, not by its absolute expiry (SQLite hands back naive UTC)


def test_a_cookie_holding_a_user_id_as_before_signs_nobody_in(app, make_user):
    user = make_user("admin")
    client = app.test_client()
    with client.session_transaction() as session:  # what Flask-Login kept before server-side sessions
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_the_last_activity_is_noted_at_most_once_a_minute(app, db_session, make_user):
    user = make_user("archivist")
    client = sign_in(app, user.email)
    long_ago = utcnow() - timedelta(minutes=5)
    db_session.rollback()  # read afresh, after the sign-in's write
    db_session.execute(update(UserSession).values(last_seen_at=long_ago))
    db_session.commit()
    assert signed_in(client)
    [record] = records(db_session, user)
    seen = record.last_seen_at
    assert (seen if seen.tzinfo else seen.replace(tzinfo=UTC)) > long_ago  # SQLite hands back naive UTC
    assert signed_in(client)
    [record] = records(db_session, user)
    assert record.last_seen_at == seen


def test_browsers_are_named_as_people_say_them():
    assert describe_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") == "Firefox · Linux"
    chrome = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    assert describe_agent(chrome) == "Chrome · Android"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"
    assert describe_agent(iphone) == "Safari · iOS"
    assert describe_agent(None) == "" and describe_agent("something") == ""


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
