"""Locale selection and locale-aware formatting (Flask-Babel)."""

from flask import current_app, g, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, gettext, lazy_gettext
from flask_babel import get_locale as _babel_locale

_ = gettext
_l = lazy_gettext
LOCALE_COOKIE = "vitrine_lang"
babel = Babel()


def ui_languages() -> list[str]:
    """The languages the interface is translated into, default first."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """`?lang=`, then the cookie, then Accept-Language, then Vietnamese."""
    supported = ui_languages()
    asked = request.args.get("lang", "").strip().lower()
    if asked in supported:
        g.locale_from_query = asked
        return asked
    cookie = request.cookies.get(LOCALE_COOKIE, "")
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The BCP 47 tag of the interface language of this request."""
    return str(_babel_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def remember_locale(response):
    """Keep a language chosen with `?lang=` for the next visits."""
    chosen = g.get("locale_from_query")
    if chosen and request.cookies.get(LOCALE_COOKIE) != chosen:
        response.set_cookie(LOCALE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def language_name(tag: str, in_language: str | None = None) -> str:
    """A language's name in the reader's language, e.g. 'tyz' → 'Tày'."""
    import langcodes

    try:
        name = langcodes.Language.get(tag).display_name(in_language or current_language())
    except (ValueError, LookupError):
        return tag
    return name[:1].upper() + name[1:]


def init_app(app) -> None:
    """Attach Babel with our selector and expose formatting helpers to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(remember_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_name=language_name,
        ui_languages=ui_languages,
    )
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, number=format_decimal
    )
