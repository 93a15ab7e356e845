"""JSON bodies are bounded before anything parses them (core.api.limit_json_body): in size (413), in depth and
in what Python's parser cannot read (400), each answered with the API's error body in the reader's language."""

import pytest

from core.api import json_depth
from core.auth import issue_token


@pytest.mark.parametrize(
    ("body", "depth"),
    [(b"1", 0), (b'"[[["', 0), (b'{"a": [1, {"b": "]]"}]}', 3), (b'["\\"[", [[]]]', 3), (b"[" * 5000, 5000)],
)
def test_json_depth_reads_brackets_outside_strings(body, depth):
    assert json_depth(body) == depth


def test_a_json_body_too_large_too_deep_or_unreadable_is_refused_in_words(app, client, db_session, make_user):
    token = issue_token(db_session, make_user("archivist"))
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "fr"}
    deep = client.post("/api/v1/items", data=b"[" * 100 + b"]" * 100, headers=headers, content_type="application/json")
    assert deep.status_code == 400 and deep.json["error"]["code"] == "too_deep"
    huge = client.post("/api/v1/items", data=b'{"version": ' + b"9" * 5000 + b"}", headers=headers,
                       content_type="application/json")  # fmt: skip
    assert huge.status_code == 400 and huge.json["error"]["code"] == "invalid_json"
    assert huge.json["error"]["message"].startswith("Le corps de la requête n'est pas du JSON valide")
    plain = client.post("/api/v1/items", json={"reference_code": "J-1", "type": "photo",
                                               "texts": {"vi": {"title": "Được"}}}, headers=headers)  # fmt: skip
    assert plain.status_code == 201
    app.config["JSON_MAX_BYTES"] = 1024
    large = client.post("/api/v1/items", data=b'{"a": "' + b"x" * 2000 + b'"}', headers=headers,
                        content_type="application/json")  # fmt: skip
    assert large.status_code == 413 and large.json["error"]["code"] == "too_large"
    assert large.json["error"]["message"] == "Le corps JSON dépasse 1 Ko."
