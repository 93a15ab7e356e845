"""Bad input never gives a server error (issue 24): every URL rule of the app is called with hostile values in
each of its arguments and in every query and form parameter the code reads — huge, negative and zero numbers,
bytes that are not UTF-8, very long strings, NUL, `../`, a method override nobody asked for — as the public, as
an admin signed in and with an admin's API token; no answer is a 500.

`make test` calls each rule once, with one hostile value in one of its arguments (or in its parameters only) and
as one of the three callers, each chosen by the rule's place in the list, so every value and caller is used
somewhere; the `long` form calls each rule with
every value as every caller, and then each parameter alone."""

import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.models import ImportJob, Item, ItemStatus, Scheme
from core.auth import issue_token
from exhibitions.models import Exhibition, ExhibitionStatus
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.one_database  # the routes' parsing is checked, the same over either database

MARK = "HOSTILEVALUEHERE"
# Raw, already percent-encoded: what a client can put in a path or a query string.
HOSTILE = {
    "huge": "99999999999999999999999999999",
    "past_id": "2147483648",
    "zero": "0",
    "negative": "-1",
    "not_utf8": "%FF%FE%C0%AF",
    "nul": "a%00b",
    "dots": "..%2F..%2F..%2Fetc%2Fpasswd",
    "long": "x" * 5000,
    "float": "1e308",
    "markup": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "bidi_and_controls": "%E2%80%AE%07%1B%7F",
    "surrogate_escape": "%ED%A0%80",
    "unicode_digits": "%C2%B2%D9%A3",  # ²٣: str.isdigit() says yes, int() refuses the first
}
# Every query and form parameter the views and schemas read (`request.args`, `request.form`, the API's query
# schemas, OAI-PMH's arguments).
PARAMETERS = [
    "add_lang",
    "back",
    "body",
    "box",
    "code",
    "cursor",
    "decade",
    "direction",
    "dry_run",
    "entry",
    "format",
    "from",
    "has_lang",
    "identifier",
    "item_id",
    "key",
    "kind",
    "lang",
    "link_lang",
    "metadataPrefix",
    "next",
    "order",
    "page",
    "panel_number",
    "per_page",
    "place",
    "q",
    "reason",
    "resumptionToken",
    "rights",
    "rights_flagged",
    "section_id",
    "set",
    "status",
    "term",
    "type",
    "until",
    "v",
    "valid_on",
    "venue",
    "verb",
    "version",
    "year",
]
OVERRIDES = {"X-HTTP-Method-Override": "DELETE", "X-HTTP-Method": "PROPFIND", "X-Method-Override": "\x00"}
# Routes that end the signed-in session the rest of the walk needs.
SKIPPED = {"auth.logout"}


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


@pytest.fixture
def app_config(app_config):
    return app_config | {"REPOSITORY_ID": "vitrine.test"}


def _values(db_session) -> dict:
    """A real value for each argument of the routes, from the demo, for the arguments not under attack."""
    item = db_session.scalar(select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.media.any()).limit(1))
    exhibition = db_session.scalar(select(Exhibition).where(Exhibition.status == ExhibitionStatus.PUBLISHED).limit(1))
    section = exhibition.sections[0]
    scheme = db_session.scalar(select(Scheme).limit(1))
    job = ImportJob(user_id=item.created_by_id, folder="hostile-input-test", csv_name="items.csv", lang="vi")
    db_session.add(job)
    db_session.commit()
    return {"item_id": item.id, "media_id": item.media[0].id, "exhibition_id": exhibition.id,
            "section_id": section.id, "entry_id": section.entries[0].id, "code": scheme.code, "lang": "vi",
            "job_id": job.id, "record_id": scheme.id, "scheme_id": scheme.id, "user_id": item.created_by_id,
            "repository_id": 1, "page": 1, "number": 1, "kind": None, "action": None, "slug": "holdings",
            "token": "abc", "sha256": item.media[0].sha256, "identifier": f"{item.media[0].id}-1",
            "region": "full", "size": "max", "rotation": "0", "quality_format": "default.jpg",
            "filename": "site.css"}  # fmt: skip


def _url(rule, values: dict, attacked: str | None, hostile: str) -> str:
    """The rule's path with `hostile` (raw) in the argument `attacked` and real values elsewhere."""
    arguments = dict(rule.defaults or {})
    for name in rule._converters:
        converter = rule._converters[name]
        if name == attacked:
            arguments[name] = MARK
        elif hasattr(converter, "items"):  # any(…): its first choice
            arguments[name] = sorted(converter.items)[0]
        else:
            arguments[name] = values[name]
    converter = rule._converters.get(attacked)
    if hasattr(converter, "items") or type(converter).__name__ in ("IdConverter", "IntegerConverter"):
        # These converters refuse to build anything but their own values: build with one, then swap it.
        stand_in = arguments[attacked] = sorted(converter.items)[0] if hasattr(converter, "items") else 7_777_777
        built = rule.build(arguments, append_unknown=False)[1]
        head, _found, tail = built.rpartition(str(stand_in))
        path = head + hostile + tail
    else:
        path = rule.build(arguments, append_unknown=False)[1].replace(MARK, hostile)
    query = "&".join(f"{name}={hostile}" for name in PARAMETERS)
    return f"{path}?{query}"


def _calls(app, values: dict, every_value: bool):
    """(method, url, form) for each rule, each argument (or none) and each hostile value (or one)."""
    names = list(HOSTILE)
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    for index, rule in enumerate(rules):
        if rule.endpoint in SKIPPED:
            continue
        slots = [None, *sorted(rule._converters)]
        if every_value:
            pairs = itertools.product(names, slots)
        else:  # one value, in one argument (or in the parameters only)
            pairs = [(names[index % len(names)], slots[index % len(slots)])]
        for name, attacked in pairs:
            hostile = HOSTILE[name]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                form = {field: hostile for field in PARAMETERS} if method != "GET" else None
                yield method, _url(rule, values, attacked, hostile), form


def _alone(app, values: dict):
    """(method, url, None) for each GET rule and each parameter alone with a few hostile values: sent together,
    the first one refused would hide how the others are read."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        path = _url(rule, values, None, "").partition("?")[0]
        for name, hostile in itertools.product(PARAMETERS, ALONE):
            yield "GET", f"{path}?{name}={hostile}", None


ALONE = (HOSTILE["huge"], HOSTILE["negative"], "%FF%00", HOSTILE["long"], HOSTILE["unicode_digits"])


def _walk(clients, calls, everyone=True) -> list:
    """The calls that answered with a server error, each made by every client (or by one in turn)."""
    failures = []
    for index, (method, url, form) in enumerate(calls):
        callers = list(clients.items())
        for who, (client, headers) in callers if everyone else [callers[index % len(callers)]]:
            response = client.open(url, method=method, data=form, headers={**OVERRIDES, **headers})
            response.close()  # a file sent whole (favicon, static) is closed
            if response.status_code >= 500:
                failures.append((who, method, url[:160], response.status_code))
    return failures


@pytest.fixture
def clients(app, db_session, make_user):
    admin = make_user("admin")
    token = issue_token(db_session, admin, scopes={"read", "write", "admin"})
    values = _values(db_session)
    signed_in = app.test_client()
    assert signed_in.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    db_session.commit()  # the sign-in wrote: read afresh from here
    return values, {"public": (app.test_client(), {}), "staff": (signed_in, {}),
                    "token": (app.test_client(), {"Authorization": f"Bearer {token}"})}  # fmt: skip


def test_every_rule_answers_hostile_values_without_a_server_error(app, clients):
    values, who = clients
    assert _walk(who, _calls(app, values, every_value=False), everyone=False) == []


def test_digits_of_other_scripts_are_read_as_text(app, clients):
    # '²'.isdigit() is true and int('²') raises: a number read from outside must be ASCII digits.
    _values, who = clients
    calls = [("GET", f"{path}?{name}={HOSTILE['unicode_digits']}", None)
             for path, name in (("/api/v1/search", "decade"), ("/items", "decade"), ("/api/v1/search/dc", "decade"),
                                ("/staff/figures", "year"), ("/staff/figures.zip", "year"))]  # fmt: skip
    assert _walk(who, calls, everyone=False) == []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] in ("tests", "bench", ".venv", "tools", "migrations", "node_modules"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert ".isdigit()" not in line or ".isascii()" in line, f"{path}:{number}: isdigit() without isascii()"


@pytest.mark.long
def test_every_rule_answers_every_hostile_value_without_a_server_error(app, clients):
    values, who = clients
    assert _walk(who, _calls(app, values, every_value=True)) == []
    alone = list(_alone(app, values))
    for caller, client in who.items():  # each parameter alone by the one caller its route serves
        assert _walk({caller: client}, [call for call in alone if _caller(call[1]) == caller]) == []


def _caller(url: str) -> str:
    return "staff" if url.startswith("/staff") else "token" if url.startswith("/api/") else "public"


# Bodies no API operation can take: not UTF-8, nested past any schema, a number of 5,000 digits, larger than
# the bound, a list where an object is expected, nothing.
BODIES = {
    "not_utf8": b'{"title": "\xff\xfe"}',
    "deep": b"[" * 50_000 + b"]" * 50_000,
    "deep_object": b'{"a":' * 40 + b"1" + b"}" * 40,
    "huge_number": b'{"version": ' + b"9" * 5000 + b"}",
    "big_int": b'{"version": 99999999999999999999999, "item_id": 99999999999999999999999, "position": -99999999999}',
    "large": b'{"title": "' + b"x" * (5 * 1024 * 1024) + b'"}',
    "list": b"[1, 2, 3]",
    "empty": b"",
    "null": b"null",
    "nul": rb'{"title": "a\u0000b", "lang": "\u0000"}',
}


def _json_walk(app, clients, every_body: bool) -> list:
    """The API changes that answered a hostile JSON body with a server error or not in JSON: every body, or one
    a route in turn (chosen by the route's place in the list)."""
    values, who = clients
    client, headers = who["token"]
    names, failures = list(BODIES), []
    rules = sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")), key=str)
    for index, rule in enumerate(rules):
        path = _url(rule, values, None, "").partition("?")[0]
        chosen = names if every_body else [names[index % len(names)]]
        for method, name in itertools.product(sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}), chosen):
            response = client.open(path, method=method, data=BODIES[name],
                                   headers={**headers, "Content-Type": "application/json"})  # fmt: skip
            if response.status_code >= 500 or not response.is_json:
                failures.append((method, path, name, response.status_code))
    return failures


def test_every_api_change_answers_hostile_json_without_a_server_error(app, clients):
    assert _json_walk(app, clients, every_body=False) == []


@pytest.mark.long
def test_every_api_change_answers_every_hostile_json_without_a_server_error(app, clients):
    assert _json_walk(app, clients, every_body=True) == []
