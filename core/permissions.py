"""Who may do what: every permission named once, with the roles that hold it, and the view guards.

Services check a permission with `require`; views guard a whole page with `permission_required`
or `staff_required`; templates hide what a role cannot do with `can`. No other module lists roles.
"""

import enum
import functools

from flask import abort, request
from flask_login import current_user

from core.auth import Role, login_manager
from core.errors import Forbidden


class Permission(enum.StrEnum):
    """Something a staff role may do."""

    SUBMIT_ITEMS = "submit_items"  # create and describe items, send drafts for review
    EDIT_ANY_ITEM = "edit_any_item"  # change an item whatever its status (archivists edit drafts only)
    PUBLISH_ITEMS = "publish_items"  # publish, send back, withdraw and restore items
    COMPOSE_EXHIBITIONS = "compose_exhibitions"  # compose, derive, publish and archive exhibitions, print labels
    SEE_FIGURES = "see_figures"  # the programme's figures
    SEE_FIXITY = "see_fixity"  # the results of fixity checks
    MANAGE_USERS = "manage_users"  # invite, reset, change roles, disable, revoke sessions and tokens
    MANAGE_REFERENCE = "manage_reference"  # vocabularies and terms, venues abroad, contributing bodies
    MANAGE_HARVEST = "manage_harvest"  # add the repositories this instance harvests, start their harvests
    MANAGE_REPOSITORY = "manage_repository"  # the OAI-PMH repository's identifier, name and contact
    # Take an exhibition (live or archived) down from public view, and undo a takedown, an item's or an exhibition's.
    # Withdrawing an item stays PUBLISH_ITEMS: whoever may publish may take back at once what should not be shown.
    TAKE_DOWN = "take_down"
    MANAGE_JOBS = "manage_jobs"  # see the imports given up, queue them again or discard them


STAFF = frozenset(Role)
EDITORS = frozenset({Role.ADMIN, Role.CURATOR})
ADMINS = frozenset({Role.ADMIN})

GRANTED = {
    Permission.SUBMIT_ITEMS: STAFF,
    Permission.EDIT_ANY_ITEM: EDITORS,
    Permission.PUBLISH_ITEMS: EDITORS,
    Permission.COMPOSE_EXHIBITIONS: EDITORS,
    Permission.SEE_FIGURES: EDITORS,
    Permission.SEE_FIXITY: ADMINS,
    Permission.MANAGE_USERS: ADMINS,
    Permission.MANAGE_REFERENCE: ADMINS,
    Permission.MANAGE_HARVEST: ADMINS,
    Permission.MANAGE_REPOSITORY: ADMINS,
    Permission.TAKE_DOWN: ADMINS,
    Permission.MANAGE_JOBS: ADMINS,
}


def roles_with(permission: Permission) -> frozenset:
    """The roles that hold a permission."""
    return GRANTED[Permission(permission)]


def can(user, permission: Permission | str) -> bool:
    """True when the user is signed in and one of their roles holds the permission."""
    role = getattr(user, "role", None)
    return role is not None and getattr(user, "is_authenticated", True) and role in roles_with(permission)


def require(user, permission: Permission, message: str, field: str | None = None) -> None:
    """Forbidden(message) unless the user holds the permission."""
    if not can(user, permission):
        raise Forbidden(message, field=field)


def staff_required(view):
    """Decorator: signed-in staff only. Anyone else is sent to the login page (an API path gets 401)."""
    return _guard(view, None)


def permission_required(permission: Permission):
    """Decorator: staff holding `permission`; others signed in get 403, the rest the login page (API: 401)."""

    def decorator(view):
        return _guard(view, permission)

    return decorator


def _guard(view, permission):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return login_manager.unauthorized()
        if permission is not None and not can(current_user, permission):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def init_app(app) -> None:
    """Templates ask `can('publish_items')` to hide what the signed-in user may not do."""
    app.jinja_env.globals["can"] = lambda permission: can(current_user, permission)
