"""Which language a visitor reads in: one policy for every page, the short links and the API.

The order (`decide`): the visitor's explicit choice (the switcher, `?lang=`), which is remembered in a
cookie → that remembered choice → the language the link they came by was made for (a QR code printed
for one language, a shared link: `?link_lang=`), which holds for the rest of the visit without being
remembered → the browser's Accept-Language matched against the page's languages (its texts' and the
interface's) → English for any other browser language. Vietnamese only when asked for; a request that
names no language at all (a script, an API client) gets the site's default.

Texts then follow the visitor's language along a chain (core.languages.text_chain): the exhibition's
on its pages, elsewhere visitor → English → Vietnamese. The interface follows the same chain to the
first language with a catalogue (`interface_language`): a Tày page speaks Vietnamese around its texts.
"""

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, session
from flask_babel import force_locale, get_locale, gettext, refresh

from core.languages import FOREIGN_LANGUAGE, clean_tag, language_in_sentence, language_name, primary, same_language
from core.languages import text_chain as _text_chain

CHOSEN_ARG = "lang"
# The language a link was made for (a printed QR code, a share link): never `lang`, so that
# following a link is not taken for a choice and never becomes the remembered one.
LINK_ARG = "link_lang"
COOKIE = "vitrine_lang"
COOKIE_SECONDS = 365 * 24 * 3600
VISIT_KEY = "link_lang"
# How long a link's language holds without another page: a visit, not the next week.
VISIT_SECONDS = 12 * 3600


@dataclass(frozen=True)
class LanguageChoice:
    """The visitor's language, where it came from, and the browser's own one to offer in one tap
    (`offer`) when a link's language won over it and the page has texts in it."""

    lang: str
    source: str  # chosen | remembered | link | browser | foreign | default
    offer: str | None = None


def best_match(accepted: list[str], candidates) -> str | None:
    """The first accepted language the candidates hold (exactly, else by language: fr-CH → fr), as the
    candidates spell it; None if none."""
    candidates = list(dict.fromkeys(candidates))
    for asked in accepted:
        exact = next((tag for tag in candidates if tag.lower() == asked.lower()), None)
        found = exact or next((tag for tag in candidates if same_language(tag, asked)), None)
        if found:
            return found
    return None


def decide(*, chosen: str | None, remembered: str | None, link: str | None, accepted: list[str] | None,
           content, interface, default: str) -> LanguageChoice:  # fmt: skip
    """The visitor's language by the policy's order. `accepted` is the browser's languages by preference
    (None when it sent none), `content` the languages the page's texts exist in, `interface` the catalogues."""
    if chosen:
        return LanguageChoice(chosen, "chosen")
    if remembered:
        return LanguageChoice(remembered, "remembered")
    if link:
        offer = best_match(accepted or [], content)
        return LanguageChoice(link, "link", offer if offer and not same_language(offer, link) else None)
    if not accepted:
        return LanguageChoice(default, "default")
    browser = best_match(accepted, [*content, *interface])
    if browser:
        return LanguageChoice(browser, "browser")
    return LanguageChoice(FOREIGN_LANGUAGE, "foreign")


def interface_language(chain: list[str], catalogues: list[str], default: str) -> str:
    """The first language of the chain the interface is translated into."""
    return next((primary(tag) for tag in chain if primary(tag) in catalogues), default)


# --- The request's side -------------------------------------------------------------------------------


def for_page(languages, through: list[str] | None = None) -> LanguageChoice:
    """Decide the visitor's language for a page whose texts exist in `languages` and fall back `through`
    a chain of its own (an exhibition's); the interface follows from this call on."""
    g.language_page = (tuple(languages), through)
    g.pop("language_decision", None)
    refresh()  # a string already translated in this request used the language decided without the page
    return visitor()


def visitor() -> LanguageChoice:
    """The visitor's language for this request (decided once, again after for_page)."""
    return _decision()[0]


def visitor_language() -> str:
    """The BCP 47 tag of the language the visitor reads texts in (not always the interface's)."""
    return visitor().lang if has_request_context() else current_app.config["BABEL_DEFAULT_LOCALE"]


def visitor_chain() -> list[str]:
    """The languages a text of this page is looked for in, the visitor's first."""
    return _decision()[1]


def select_interface() -> str:
    """The interface language of this request (Flask-Babel's locale selector)."""
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return interface_language(visitor_chain(), catalogues(), current_app.config["BABEL_DEFAULT_LOCALE"])


def catalogues() -> list[str]:
    """The languages the interface is translated into, default first."""
    return current_app.config["LANGUAGES"]


def _decision() -> tuple[LanguageChoice, list[str]]:
    decided = g.get("language_decision")
    if decided is None:
        content, through = g.get("language_page", ((), None))
        choice = decide(chosen=clean_tag(request.args.get(CHOSEN_ARG)),
                        remembered=clean_tag(request.cookies.get(COOKIE)), link=_link_language(),
                        accepted=_accepted(), content=content, interface=catalogues(),
                        default=current_app.config["BABEL_DEFAULT_LOCALE"])  # fmt: skip
        decided = g.language_decision = (choice, _text_chain(choice.lang, through))
    return decided


def decision_inputs() -> tuple:
    """What `decide` reads of this request besides the page's own languages: the same inputs on the same page
    give the same language, offer and interface (a cache of pages keys on them, core.page_cache)."""
    chosen = clean_tag(request.args.get(CHOSEN_ARG))
    if chosen:
        return ("chosen", chosen)
    remembered = clean_tag(request.cookies.get(COOKIE))
    if remembered:
        return ("remembered", remembered)
    return ("link", _link_language(), tuple(_accepted() or ()))


def _accepted() -> list[str] | None:
    """The browser's languages by preference; None when it named none (`*` names none)."""
    tags = [clean_tag(value) for value, quality in request.accept_languages if quality > 0 and value != "*"]
    return [tag for tag in tags if tag] or None


def _link_language() -> str | None:
    """The language of the link this visit came by: on this request, else kept for the visit."""
    if tag := g.get("language_link") or clean_tag(request.args.get(LINK_ARG)):
        return tag
    kept = session.get(VISIT_KEY) if request.cookies else None
    if isinstance(kept, dict) and time.time() - kept.get("at", 0) < VISIT_SECONDS:
        return clean_tag(kept.get("lang"))
    return None


def keep_choices(response):
    """After each request: remember an explicit choice (a cookie, for the next visits); keep a link's
    language for the rest of this visit (in the session, never in that cookie)."""
    chosen = clean_tag(request.args.get(CHOSEN_ARG))
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE, chosen, max_age=COOKIE_SECONDS, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"]
        )
    link = clean_tag(request.args.get(LINK_ARG))
    if link and response.status_code < 400:
        session[VISIT_KEY] = {"lang": link, "at": int(time.time())}
    if "language_decision" in g:  # the answer depended on these: a shared cache must not mix languages
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def note_link_language(tag: str) -> None:
    """Take `tag` as the language of the link this request came by (a page answered at the link itself)."""
    g.language_link = tag
    g.pop("language_decision", None)
    refresh()


# --- What pages show of it ----------------------------------------------------------------------------


def url_in(tag: str) -> str:
    """This page's address with `tag` chosen: the link's language dropped, the other arguments kept."""
    args = {key: values for key, values in request.args.to_dict(flat=False).items() if key != LINK_ARG}
    args[CHOSEN_ARG] = [tag]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def switcher_order(tag: str) -> tuple:
    """The order a page's own languages are offered in: the interface's (default first), then the others."""
    interface = catalogues()
    return (interface.index(tag) if tag in interface else len(interface), tag)


def language_switcher() -> list[dict]:
    """The page's one language switcher: the languages of its texts, then the interface's, each named
    in itself; the visitor's marked current."""
    content, _through = g.get("language_page", ((), None))
    lang = visitor().lang
    tags = list(dict.fromkeys([*content, *catalogues()]))
    if not any(same_language(tag, lang) for tag in tags):
        tags.append(lang)  # the visitor's own (a Tày reader on the search page) stays in view, marked
    return [{"tag": tag, "name": language_name(tag, tag), "href": url_in(tag), "current": same_language(tag, lang)}
            for tag in tags]  # fmt: skip


def language_offer() -> dict | None:
    """The browser's language offered in one tap, worded in it where a catalogue exists; None if none."""
    tag = visitor().offer
    if tag is None:
        return None
    if primary(tag) in catalogues():
        with force_locale(primary(tag)):
            label = gettext("Read in %(language)s", language=language_in_sentence(tag, tag))
        return {"tag": tag, "href": url_in(tag), "label": label, "label_lang": primary(tag)}
    label = gettext("Read in %(language)s", language=language_in_sentence(tag))
    return {"tag": tag, "href": url_in(tag), "label": label, "label_lang": str(get_locale())}


def fallback_languages(texts) -> list[str]:
    """The languages standing in for the reader's among a record's texts (each with text, lang, fallback)."""
    return list(dict.fromkeys(text.lang for text in texts if text and text.text and text.fallback))


def init_app(app) -> None:
    """Keep choices after each request; give templates the switcher and the offer."""
    app.after_request(keep_choices)
    app.jinja_env.globals.update(language_switcher=language_switcher, language_offer=language_offer,
                                 visitor_language=visitor_language, fallback_languages=fallback_languages)  # fmt: skip
