"""No NUL character gets past the request (core.input_guard): PostgreSQL refuses one in any string it is sent,
so a code, a filter or a tag holding one was a server error there wherever it was looked up."""

import pytest

from core.auth import issue_token


@pytest.fixture
def token_headers(db_session, make_user):
    token = issue_token(db_session, make_user("archivist"))
    db_session.commit()
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("GET", "/api/v1/schemes/a%00b/terms", {}),
        ("GET", "/api/v1/search?term=a%00b", {}),
        ("GET", "/api/v1/items?q=%00", {}),
        ("POST", "/api/v1/items", {"json": {"reference_code": "N-1", "type": "photo", "tags": ["a\x00"]}}),
        ("POST", "/api/v1/items", {"data": b'{"terms": ["\\u0000"]}', "content_type": "application/json"}),
    ],
    ids=["path", "facet", "query", "json", "json-escape"],
)
def test_a_nul_anywhere_in_an_api_request_is_a_400_in_words(client, token_headers, method, url, kwargs):
    answer = client.open(url, method=method, headers=token_headers, **kwargs)
    assert answer.status_code == 400, answer.get_data(True)
    assert answer.json["error"] == {
        "code": "nul_character",
        "field": None,
        "message": "The request contains a NUL character, which no text may hold.",
    }


def test_a_nul_in_a_page_or_a_form_is_a_400_page_in_the_readers_language(client, login_as):
    client.set_cookie("vitrine_lang", "vi")
    page = client.get("/items?q=a%00b")
    assert page.status_code == 400 and "ký tự NUL" in page.get_data(as_text=True)
    assert client.get("/q/CB25%00017").status_code == 400  # a typed panel code
    staff, _user = login_as("archivist")
    form = staff.post("/staff/items/new", data={"reference_code": "N\x00", "type": "photo", "title_vi": "x"})
    assert form.status_code == 400


def test_a_json_backslash_before_u0000_is_text_not_a_nul(client, token_headers):
    body = b'{"reference_code": "N-2", "type": "photo", "texts": {"vi": {"title": "a\\\\u0000"}}}'
    answer = client.post("/api/v1/items", data=body, headers=token_headers, content_type="application/json")
    assert answer.status_code == 201 and answer.json["texts"]["vi"]["title"] == "a\\u0000"


def test_oai_answers_a_nul_in_its_own_words(app, client):
    app.config["REPOSITORY_ID"] = "vitrine.test"
    answer = client.get("/oai?verb=Identify&x=%00")
    assert answer.status_code == 200 and b"badArgument" in answer.data
