"""`flask users …` for an operator without a browser: invite, reset, disable, enable, revoke, list."""

import re

from sqlalchemy import select

from core.accounts import usable_link
from core.audit import history
from core.auth import User, authenticate
from core.sessions import SessionEnd, UserSession
from tests.conftest import PASSWORD


def link_token(output: str) -> str:
    return re.search(r"http://vitrine\.test/account/link/(\S+)", output).group(1)


def test_invite_prints_a_link_under_the_base_url(runner, db_session):
    result = runner.invoke(args=["users", "invite", "Hoa@Vitrine.test", "--role", "curator"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("hoa@vitrine.test (invite) until ")
    link = usable_link(db_session, token=link_token(result.output))
    assert link.user.email == "hoa@vitrine.test" and link.user.state == "invited" and link.created_by_id is None
    assert [e.action for e in history(db_session, "user", link.user.id)] == ["invite"]
    again = runner.invoke(args=["users", "invite", "hoa@vitrine.test", "--role", "curator"])
    assert again.exit_code == 1 and "Đã có người dùng" in again.output  # the CLI speaks the default locale, vi


def test_reset_disable_enable_and_revoke(app, runner, db_session, make_user):
    user = make_user("archivist", email="lan@vitrine.test")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    reset = runner.invoke(args=["users", "reset", "lan@vitrine.test"])
    assert reset.exit_code == 0 and "(reset)" in reset.output
    assert usable_link(db_session, token=link_token(reset.output)) is not None

    result = runner.invoke(args=["users", "disable", "lan@vitrine.test"])
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert client.get("/staff/items").status_code == 302
    assert authenticate(db_session, "lan@vitrine.test", PASSWORD) is None
    assert usable_link(db_session, token=link_token(reset.output)) is None
    assert runner.invoke(args=["users", "enable", "lan@vitrine.test"]).exit_code == 0
    assert authenticate(db_session, "lan@vitrine.test", PASSWORD) is not None

    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert runner.invoke(args=["users", "token", "lan@vitrine.test"]).exit_code == 0
    result = runner.invoke(args=["users", "revoke", "lan@vitrine.test"])
    assert result.output.strip() == "1 session(s) ended, 1 API token(s) deleted"
    query = select(UserSession.end_reason).where(UserSession.user_id == user.id).order_by(UserSession.id)
    reasons = db_session.scalars(query).all()
    assert reasons == [SessionEnd.DISABLED, SessionEnd.REVOKED]
    assert [e.action for e in history(db_session, "user", user.id)][:4] == ["revoke", "enable", "disable", "link"]


def test_list_and_unknown_users(runner, make_user):
    make_user("curator", email="c@vitrine.test")
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0 and "c@vitrine.test\tcurator\tactive\t-\t0 session(s)\t0 token(s)" in listed.output
    for command in ("reset", "disable", "enable", "revoke", "token"):
        result = runner.invoke(args=["users", command, "nobody@vitrine.test"])
        assert result.exit_code == 1 and "no user nobody@vitrine.test" in result.output


def test_the_last_admin_is_kept_at_the_command_line_too(runner, db_session, make_user):
    make_user("admin", email="only@vitrine.test")
    result = runner.invoke(args=["users", "disable", "only@vitrine.test"])
    assert result.exit_code == 1
    assert db_session.scalar(select(User.is_active_flag).where(User.email == "only@vitrine.test"))
