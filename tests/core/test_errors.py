"""The one place that turns errors into pages and JSON: a row changed meanwhile is a refusal, not a server error."""

import pytest
from sqlalchemy.orm.exc import StaleDataError


@pytest.mark.one_database
@pytest.mark.parametrize("path", ["/api/v1/stale-test", "/stale-test"])
def test_a_row_changed_meanwhile_is_a_conflict(app, client, path):
    def stale():
        raise StaleDataError("UPDATE statement on table 'exhibitions' expected to update 1 row(s); 0 were matched.")

    app.add_url_rule(path, "stale_test", stale)
    response = client.get(path)
    assert response.status_code == 409
    if path.startswith("/api/"):
        assert response.json["error"]["code"] == "conflict" and response.json["error"]["field"] == "version"
        assert response.json["error"]["message"]
