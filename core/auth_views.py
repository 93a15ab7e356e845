"""Login and logout pages, and the `users` CLI group."""

import sys
from urllib.parse import urlsplit

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from core.auth import (
    User,
    authenticate,
    create_user,
    forget_failures,
    is_throttled,
    issue_token,
    record_failure,
    upgrade_hash,
)
from core.db import db
from core.errors import ValidationError
from core.i18n import _, _l
from core.uow import begin_writing, reads_first, unit

bp = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    """Email and password of a staff member."""

    # Messages given here: WTForms ships no Vietnamese catalog.
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("This field is required.")),
            Length(max=254, message=_l("Enter a valid email address.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("This field is required.")),
            Length(max=1000, message=_l("Wrong email or password.")),
        ],
    )
    remember = BooleanField(_l("Keep me signed in"))


@bp.route("/login", methods=["GET", "POST"])
@reads_first  # a failure is kept in a unit of its own, which must not wait for this request's lock
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email, addr = form.email.data.strip().lower(), request.remote_addr or ""
        if is_throttled(db.session, email, addr):
            flash(_("Too many failed attempts. Wait 15 minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = authenticate(db.session, email, form.password.data)
        if user is None:
            record_failure(email, addr)
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), 401
        begin_writing()
        forget_failures(db.session, email)
        upgrade_hash(user, form.password.data)
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("archive.staff_items"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(request.script_root + "/")


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None."""
    # Only same-site paths, so the login page cannot bounce a visitor elsewhere.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


users_cli = click.Group("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "archivist", "curator"]))
def users_create(email: str, role: str):
    """Create a user; the password is read from standard input."""
    password = click.prompt("Password", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline()
    try:
        with unit("create a user") as session:
            user = create_user(session, email, password.rstrip("\n"), role)
            shown = f"created {user.email} ({user.role})"
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(shown)


@users_cli.command("token")
@click.argument("email")
def users_token(email: str):
    """Print a new API token for the user (shown once; only its hash is kept)."""
    with unit("issue a token") as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email}")
        token = issue_token(session, user)
    click.echo(token)
