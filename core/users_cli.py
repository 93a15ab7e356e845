"""`flask users …`: staff accounts for an operator without a browser, beside the admins' pages."""

import sys
from contextlib import contextmanager

import click
from flask import current_app

from core import accounts
from core.audit import record_event
from core.auth import create_user, issue_token
from core.errors import VitrineError
from core.uow import unit
from core.urls import public_url

users_cli = click.Group("users", help="Manage staff accounts.")
ROLES = click.Choice(["admin", "archivist", "curator"])


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=ROLES)
def users_create(email: str, role: str):
    """Create a user; the password is read from standard input."""
    password = click.prompt("Password", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline()
    with _refusals(), unit("create a user") as session:
        user = create_user(session, email, password.rstrip("\n"), role)
        record_event(session, None, "user", user.id, "create", None, accounts.snapshot(user))
        shown = f"created {user.email} ({user.role})"
    click.echo(shown)


@users_cli.command("token")
@click.argument("email")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(["read", "write", "admin"]),
    help="What the token may do (repeat for several); read only when not given.",
)
@click.option("--days", type=click.IntRange(1, 3660), default=None, help="Lifetime (API_TOKEN_DAYS by default).")
def users_token(email: str, scopes: tuple[str, ...], days: int | None):
    """Print a new API token for the user (shown once; only its hash is kept)."""
    with _refusals(), unit("issue a token") as session:
        token = issue_token(session, _user(session, email), scopes or ("read",), days)
    click.echo(token)


@users_cli.command("invite")
@click.argument("email")
@click.option("--role", required=True, type=ROLES)
def users_invite(email: str, role: str):
    """Create an account without a password and print the link its owner sets one with."""
    with _refusals(), unit("invite a user") as session:
        link = accounts.invite_user(session, accounts.COMMAND_LINE, email, role)
        shown = _link_lines(link)
    click.echo(shown)


@users_cli.command("reset")
@click.argument("email")
def users_reset(email: str):
    """Print a new single-use password link for the user (the account's earlier link stops working)."""
    with _refusals(), unit("issue a password link") as session:
        link = accounts.issue_link(session, accounts.COMMAND_LINE, _user(session, email))
        shown = _link_lines(link)
    click.echo(shown)


@users_cli.command("disable")
@click.argument("email")
def users_disable(email: str):
    """Refuse the user from now on: sessions end, API tokens stop working."""
    with _refusals(), unit("disable a user") as session:
        ended = accounts.disable_user(session, accounts.COMMAND_LINE, _user(session, email))
    click.echo(f"disabled {email.strip().lower()}; {ended} session(s) ended")


@users_cli.command("enable")
@click.argument("email")
def users_enable(email: str):
    """Let a disabled user sign in again."""
    with _refusals(), unit("enable a user") as session:
        accounts.enable_user(session, accounts.COMMAND_LINE, _user(session, email))
    click.echo(f"enabled {email.strip().lower()}")


@users_cli.command("revoke")
@click.argument("email")
def users_revoke(email: str):
    """End every session of the user and delete their API tokens."""
    with _refusals(), unit("revoke a user's access") as session:
        ended, tokens = accounts.revoke_access(session, accounts.COMMAND_LINE, _user(session, email))
    click.echo(f"{ended} session(s) ended, {tokens} API token(s) deleted")


@users_cli.command("list")
def users_list():
    """Every account: email, role, state, last sign-in, running sessions, API tokens."""
    with unit("list users", write=False) as session:
        rows = accounts.list_users(session)
        lines = [
            "\t".join(
                [
                    r.user.email,
                    str(r.user.role),
                    r.user.state,
                    r.user.last_login_at.isoformat(timespec="minutes") if r.user.last_login_at else "-",
                    f"{r.open_sessions} session(s)",
                    f"{r.api_tokens} token(s)",
                ]
            )  # fmt: skip
            for r in rows
        ]
    click.echo("\n".join(lines))


def _user(session, email: str):
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


def _link_lines(link: accounts.IssuedLink) -> str:
    # Built under the configured public address: the link is passed on to someone elsewhere.
    with current_app.test_request_context():
        url = public_url("auth.open_link", token=link.token)
    return f"{link.user.email} ({link.purpose}) until {link.expires_at.isoformat(timespec='minutes')}:\n{url}"


@contextmanager
def _refusals():
    """A refusal of the services ends the command with its message and a non-zero status."""
    try:
        yield
    except VitrineError as error:
        raise click.ClickException(error.message) from None
