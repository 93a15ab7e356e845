"""The repository identifier: validated, stored once, never changed but by force; /oai and the staff pages while
none is set."""

import pytest

from core.db import db
from core.errors import ValidationError
from interop.oai.identifiers import check_repository_id, item_id_of, oai_identifier, set_repository_id
from tests.interop.oai.helpers import NS, errors, parse


@pytest.mark.parametrize("value", ["vitrine.caobang.gov.vn", "Archive.Example.org", "a.b", "x-1.y-2"])
def test_domain_names_are_repository_identifiers(value):
    assert check_repository_id(value) == value.lower()


@pytest.mark.parametrize("value", ["", "localhost", "1vitrine.vn", "vitrine..vn", "vitrine.vn/oai", "vi trine.vn",
                                   "vitrine.-vn", "a." * 200 + "vn"])  # fmt: skip
def test_other_values_are_refused(value):
    with pytest.raises(ValidationError):
        check_repository_id(value)


def test_identifiers_round_trip_and_refuse_others():
    assert oai_identifier("a.vn", 7) == "oai:a.vn:item/7"
    assert item_id_of("oai:a.vn:item/7", "a.vn") == 7
    for other in ("oai:b.vn:item/7", "oai:a.vn:item/07", "oai:a.vn:item/0", "oai:a.vn:item/x", "oai:a.vn:exhibition/7",
                  "oai:a.vn:item/2147483648", "oai:a.vn:item/٣"):  # fmt: skip
        assert item_id_of(other, "a.vn") is None


def test_without_an_identifier_oai_answers_503_with_a_clear_error(client):
    response = client.get("/oai?verb=Identify")
    assert response.status_code == 503 and response.headers["Retry-After"] == "3600"
    root = parse(response.data)
    assert errors(root) == ["badArgument"]
    assert "no repository identifier" in root.findtext("oai:error", namespaces=NS)


def test_the_configured_identifier_is_stored_at_first_use_and_then_kept(app, client):
    app.config["REPOSITORY_ID"] = "vitrine.hanoi.gov.vn"
    assert client.get("/oai?verb=Identify").status_code == 200
    app.config["REPOSITORY_ID"] = "elsewhere.gov.vn"  # the environment changed: the stored one stays
    root = parse(client.get("/oai?verb=Identify").data)
    assert root.findtext(".//id:repositoryIdentifier", namespaces=NS) == "vitrine.hanoi.gov.vn"


def test_changing_it_is_refused_unless_forced(db_session, runner):
    set_repository_id(db_session, None, "vitrine.hue.gov.vn")
    db_session.commit()
    with pytest.raises(ValidationError):
        set_repository_id(db_session, None, "vitrine.danang.gov.vn")
    db_session.rollback()
    result = runner.invoke(args=["oai", "set-id", "vitrine.danang.gov.vn"])
    assert result.exit_code != 0 and "vitrine.hue.gov.vn" in result.output
    result = runner.invoke(args=["oai", "set-id", "vitrine.danang.gov.vn", "--force"])
    assert result.exit_code == 0 and "Warning" in result.output
    assert "vitrine.danang.gov.vn" in runner.invoke(args=["oai", "show"]).output


def test_admins_are_warned_and_set_it_once_on_their_page(login_as):
    admin, _user = login_as("admin")
    assert "Nothing can harvest this archive yet" in admin.get("/staff/admin?lang=en").get_data(True)
    curator, _user = login_as("curator")
    assert "Nothing can harvest" not in curator.get("/staff/items?lang=en").get_data(True)
    assert curator.get("/staff/admin/repository").status_code == 403
    refused = admin.post("/staff/admin/repository?lang=en", data={"identifier": "not a domain", "name": "",
                                                                  "admin_email": ""})  # fmt: skip
    assert refused.status_code == 422 and "not a valid repository identifier" in refused.get_data(True)
    form = {"identifier": "vitrine.caobang.gov.vn", "name": "Vitrine Cao Bằng", "admin_email": "oai@caobang.gov.vn"}
    saved = admin.post("/staff/admin/repository", data=form)
    assert saved.status_code == 302
    page = admin.get("/staff/admin/repository?lang=en").get_data(True)
    assert "vitrine.caobang.gov.vn" in page and 'name="identifier"' not in page
    assert "Nothing can harvest" not in page
    db.session.commit()
    again = admin.post("/staff/admin/repository", data={"identifier": "other.gov.vn", "name": "", "admin_email": ""})
    assert again.status_code == 422
