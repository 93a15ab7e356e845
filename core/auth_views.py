"""Sign-in pages: login, logout, setting a password through a link, one's own password."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from core import accounts, security_headers
from core.auth import authenticate, forget_failures, is_throttled, record_failure, upgrade_hash
from core.db import db
from core.errors import ValidationError
from core.i18n import _, _l
from core.sessions import sign_in, sign_out
from core.uow import attempt, begin_writing, reads_first

bp = Blueprint("auth", __name__, template_folder="templates")
security_headers.mark(bp, security_headers.STAFF)  # sign-in and one's account: never framed nor cached


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


def _new_password_fields():
    # Messages given here: WTForms ships no Vietnamese catalog.
    required = DataRequired(_l("This field is required."))
    new = {"autocomplete": "new-password"}
    password = PasswordField(_l("New password"), validators=[required, Length(max=1000)], render_kw=new)
    confirmation = PasswordField(
        _l("New password again"),
        validators=[required, EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw=new,
    )
    return password, confirmation


class NewPasswordForm(FlaskForm):
    """A password set through an invitation or reset link."""

    password, confirmation = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    """A signed-in user's own new password, with the current one."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("This field is required."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirmation = _new_password_fields()


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
        sign_in(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("archive.staff_items"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out()
    return redirect(request.script_root + "/")


_LINK = "vitrine_account_link"  # the id of the link this browser opened, in the signed session cookie


@bp.route("/account/link/<token>")
def open_link(token: str):
    """Check a password link, then move to a page whose address holds no token (it would leak
    through the history and the Referer header), as Django's reset view does."""
    link = accounts.usable_link(db.session, token=token)
    if link is None:
        return _no_link()
    session[_LINK] = link.id
    return _private(redirect(url_for(".set_password")))


@bp.route("/account/password/new", methods=["GET", "POST"])
def set_password():
    link = accounts.usable_link(db.session, link_id=session.get(_LINK))
    if link is None:
        return _no_link()
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            with attempt():
                user = accounts.redeem_link(db.session, link, form.password.data)
        except ValidationError as error:
            form.password.errors = [*form.password.errors, error.message]
            status = 422
        else:
            session.pop(_LINK, None)
            sign_in(user)
            flash(_("Your password is set. Welcome, %(email)s.", email=user.email), "success")
            return redirect(url_for("archive.staff_items"))
    elif request.method == "POST":
        status = 422
    page = render_template("auth/set_password.html", form=form, link=link)
    return _private(current_app.make_response((page, status)))


def _no_link():
    session.pop(_LINK, None)
    message = _("This link has expired or was already used. Ask an admin for a new one.")
    return _private(current_app.make_response((render_template("error.html", status=404, message=message), 404)))


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form, me = ChangePasswordForm(), current_user._get_current_object()
    status = 200
    if form.validate_on_submit():
        try:
            with attempt():
                accounts.change_password(db.session, me, form.current_password.data, form.password.data)
        except ValidationError as error:
            field = form.current_password if error.field == "current_password" else form.password
            field.errors = [*field.errors, error.message]
            status = 422
        else:
            sign_in(me)  # every session of the account ended, this browser's too: it gets a new one
            flash(_("Your password is changed; your other sessions have ended."), "success")
            return redirect(url_for(".account"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/account.html", form=form), status


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None."""
    # Only same-site paths, so the login page cannot bounce a visitor elsewhere.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
