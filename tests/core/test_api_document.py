"""The OpenAPI document is written when first read, not while an app is built, and is then whole."""

from concurrent.futures import ThreadPoolExecutor

from core import api


def test_building_an_app_leaves_the_document_to_its_first_reader(app, client):
    state = app.extensions["vitrine.api_document"]
    assert state["steps"] and "/api/v1/items" not in state["spec"].to_dict()["paths"]
    first = client.get("/api/v1/openapi.json").json
    assert state["steps"] == []
    assert {"/api/v1/items", "/api/v1/exhibitions", "/api/v1/openapi.json"} <= set(first["paths"])
    assert {"items", "exhibitions"} <= {tag["name"] for tag in first["tags"]}
    assert client.get("/api/v1/openapi.json").json == first  # written once, not twice
    assert api.document(app).to_dict() == first


def test_readers_arriving_together_get_one_whole_document(app):
    def read(_):
        with app.test_client() as client:
            return client.get("/api/v1/openapi.json").get_data()

    with ThreadPoolExecutor(4) as pool:
        bodies = set(pool.map(read, range(4)))
    assert len(bodies) == 1
    assert app.extensions["vitrine.api_document"]["steps"] == []
