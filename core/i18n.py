"""Locale selection and locale-aware formatting (Flask-Babel)."""

from flask import current_app, g, has_request_context, request
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
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = ui_languages()
    asked = request.args.get("lang", "").strip().lower()
    if asked in supported:
        g.locale_from_query = asked
        return asked
    cookie = request.cookies.get(LOCALE_COOKIE, "")
    if cookie in supported:
        return cookie
    # By quality, matching primary subtags (fr-CH → fr); Werkzeug's best_match would
    # prefer an exact `en;q=0.5` over `fr-CH;q=1`.
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].lower()
        if primary in supported:
            return primary
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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


def language_in_sentence(tag: str, in_language: str | None = None) -> str:
    """A language's name as written inside a sentence: 'French', 'français', 'tiếng Pháp'."""
    import langcodes

    reader = in_language or current_language()
    try:
        name = langcodes.Language.get(tag).display_name(reader)
    except (ValueError, LookupError):
        return tag
    # CLDR capitalises Vietnamese names ("Tiếng Pháp"); mid-sentence the common noun is lower case.
    if reader.split("-")[0] == "vi" and name.startswith("Tiếng "):
        name = "t" + name[1:]
    return name


def url_with(**changes) -> str:
    """This page's URL with some query arguments replaced, the others kept."""
    from urllib.parse import urlencode

    args = request.args.to_dict(flat=False)
    args.update({key: [value] for key, value in changes.items()})
    return f"{request.path}?{urlencode(args, doseq=True)}"


def url_in_language(lang: str) -> str:
    """This page's URL in another interface language."""
    return url_with(lang=lang)


def init_app(app) -> None:
    """Attach Babel with our selector and expose formatting helpers to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(remember_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_name=language_name,
        language_in_sentence=language_in_sentence,
        ui_languages=ui_languages,
        url_in_language=url_in_language,
        url_with=url_with,
    )
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, number=format_decimal, localized=localized)


def localized(labels: dict | None, lang: str | None = None) -> str:
    """The label in the reader's language, else Vietnamese, else any."""
    if not labels:
        return ""
    lang = lang or current_language()
    return labels.get(lang) or labels.get(lang.split("-")[0]) or labels.get("vi") or next(iter(labels.values()))
