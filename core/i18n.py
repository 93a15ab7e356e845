"""The interface's languages (the catalogues: vi, en, fr), Flask-Babel and locale-aware formatting.

Which one a request speaks is core.language_policy's decision; content languages and their names are
core.languages (named here too, where templates and the interface's code find them).
"""

from babel.units import format_unit
from flask import current_app, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, gettext, lazy_gettext
from flask_babel import get_locale as _babel_locale

from core import language_policy
from core.languages import language_in_sentence, language_list, language_name, text_chain

_ = gettext
_l = lazy_gettext
# The cookie keeping a visitor's chosen language (core.language_policy decides with it).
LOCALE_COOKIE = language_policy.COOKIE
babel = Babel()


def ui_languages() -> list[str]:
    """The languages the interface is translated into, default first."""
    return current_app.config["LANGUAGES"]


def current_language() -> str:
    """The BCP 47 tag of the interface language of this request (core.language_policy chooses it)."""
    return str(_babel_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def url_with(**changes) -> str:
    """This page's URL with some query arguments replaced (left out when None), the others kept."""
    from urllib.parse import urlencode

    args = request.args.to_dict(flat=False)
    args.update({key: [value] for key, value in changes.items()})
    args = {key: values for key, values in args.items() if values != [None]}
    return f"{request.path}?{urlencode(args, doseq=True)}"


def url_in_language(lang: str) -> str:
    """This page's URL with `lang` chosen (the language a link was made for dropped)."""
    return language_policy.url_in(lang)


def init_app(app) -> None:
    """Attach Babel with our selector and expose formatting helpers to templates."""
    babel.init_app(app, locale_selector=language_policy.select_interface)
    language_policy.init_app(app)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_name=language_name,
        language_in_sentence=language_in_sentence,
        language_list=language_list,
        ui_languages=ui_languages,
        url_in_language=url_in_language,
        url_with=url_with,
    )
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, number=format_decimal, localized=localized,
                                 filesize=file_size)  # fmt: skip


def file_size(size: int) -> str:
    """A file's size as the reader's locale writes it: '38 kB', '2,3 Mo'."""
    locale = current_language().replace("-", "_")
    if size < 1_000_000:
        return format_unit(max(1, round(size / 1000)), "digital-kilobyte", length="short", locale=locale)
    return format_unit(round(size / 1_000_000, 1), "digital-megabyte", length="short", locale=locale)


def localized(labels: dict | None, lang: str | None = None) -> str:
    """The label in the reader's language, else along its chain (English, Vietnamese), else any."""
    return label_in(labels, lang)[0]


def label_in(labels: dict | None, lang: str | None = None) -> tuple[str, str | None]:
    """The label `localized` gives, and the language it is in (None when there is none)."""
    if not labels:
        return "", None
    lang = lang or current_language()
    for tag in (lang, lang.split("-")[0], *text_chain(lang)):
        if labels.get(tag):
            return labels[tag], tag
    return next(iter(labels.items()))[::-1]
