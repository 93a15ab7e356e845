"""The admins' pages for staff accounts: the list, invitations, password links, roles, disabling, revoking."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from core import accounts
from core.db import db
from core.errors import ValidationError
from core.i18n import _, _l
from core.permissions import Permission, permission_required
from core.sessions import current_session_id, open_sessions
from core.uow import attempt
from core.urls import public_url

bp = Blueprint("user_admin", __name__, template_folder="templates", url_prefix="/staff/admin/users")
admins_only = permission_required(Permission.MANAGE_USERS)


def _role_choices():
    return [(str(role), label) for role, label in accounts.ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    """Whom to invite, with which role."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("This field is required.")), Length(max=254)])
    role = SelectField(_l("Role"), choices=_role_choices, default="archivist")


class RoleForm(FlaskForm):
    """A new role for an account."""

    role = SelectField(_l("Role"), choices=_role_choices)


class ActionForm(FlaskForm):
    """A button that changes an account: only its CSRF token."""


@bp.route("")
@admins_only
def index():
    return _list_page(InviteForm(), 200)


@bp.route("/invite", methods=["POST"])
@admins_only
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    try:
        with attempt():
            link = accounts.invite_user(db.session, current_user, form.email.data, form.role.data)
    except ValidationError as error:
        form.email.errors = [*form.email.errors, error.message]
        return _list_page(form, error.status)
    return _link_page(link)


@bp.route("/<id:user_id>")
@admins_only
def user(user_id: int):
    found = accounts.get_user(db.session, user_id)
    return _user_page(found, RoleForm(role=str(found.role)), 200)


@bp.route("/<id:user_id>/role", methods=["POST"])
@admins_only
def change_role(user_id: int):
    found = accounts.get_user(db.session, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(found, form, 422)
    try:
        with attempt():
            accounts.change_role(db.session, current_user, found, form.role.data)
    except ValidationError as error:
        form.role.errors = [*form.role.errors, error.message]
        return _user_page(found, form, error.status)
    flash(_("%(email)s is now %(role)s.", email=found.email, role=accounts.ROLE_LABELS[found.role]), "success")
    return redirect(url_for(".user", user_id=found.id))


@bp.route("/<id:user_id>/link", methods=["POST"])
@admins_only
def new_link(user_id: int):
    found = accounts.get_user(db.session, user_id)
    if not ActionForm().validate_on_submit():
        return _user_page(found, RoleForm(role=str(found.role)), 400)
    try:
        with attempt():
            link = accounts.issue_link(db.session, current_user, found)
    except ValidationError as error:
        flash(error.message, "error")
        return _user_page(found, RoleForm(role=str(found.role)), error.status)
    return _link_page(link)


@bp.route("/<id:user_id>/<any(disable, enable, revoke):action>", methods=["POST"])
@admins_only
def change_access(user_id: int, action: str):
    found = accounts.get_user(db.session, user_id)
    if not ActionForm().validate_on_submit():
        return _user_page(found, RoleForm(role=str(found.role)), 400)
    try:
        with attempt():
            done = _apply(action, found)
    except ValidationError as error:
        flash(error.message, "error")
        return _user_page(found, RoleForm(role=str(found.role)), error.status)
    flash(done, "success")
    return redirect(url_for(".user", user_id=found.id))


def _apply(action: str, user) -> str:
    if action == "disable":
        ended = accounts.disable_user(db.session, current_user, user)
        return _("%(email)s is disabled; %(count)s session(s) ended.", email=user.email, count=ended)
    if action == "enable":
        accounts.enable_user(db.session, current_user, user)
        return _("%(email)s may sign in again.", email=user.email)
    ended, tokens = accounts.revoke_access(db.session, current_user, user)
    return _("%(sessions)s session(s) ended and %(tokens)s API token(s) deleted for %(email)s.",
             sessions=ended, tokens=tokens, email=user.email)  # fmt: skip


def _list_page(form: InviteForm, status: int):
    rows = accounts.list_users(db.session)
    return render_template("admin/users.html", rows=rows, form=form, role_labels=accounts.ROLE_LABELS,
                           state_labels=accounts.STATE_LABELS), status  # fmt: skip


def _user_page(user, role_form: RoleForm, status: int):
    return render_template("admin/user.html", user=user, role_form=role_form, action_form=ActionForm(),
                           sessions=open_sessions(db.session, user.id), current_session=current_session_id(),
                           tokens=user.tokens, events=accounts.user_history(db.session, user),
                           role_labels=accounts.ROLE_LABELS, state_labels=accounts.STATE_LABELS), status  # fmt: skip


def _link_page(link: accounts.IssuedLink):
    page = render_template("admin/link.html", link=link, url=public_url("auth.open_link", token=link.token),
                           link_labels=accounts.LINK_LABELS)  # fmt: skip
    response = current_app.make_response(page)
    # The link is a password in all but name: no cache may keep the page.
    response.headers["Cache-Control"] = "no-store"
    return response
