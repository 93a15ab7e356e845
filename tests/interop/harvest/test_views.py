"""The admins' page of harvesting (/staff/admin/harvest), and what the staff and public pages of a harvested
item show. The page only writes and queues: no request ever asks a source."""

from sqlalchemy import select

from archive.models import SourceRepository
from core.db import db
from interop.harvest import run_queued
from interop.harvest.models import HarvestRun, RunState
from tests.interop.harvest.helpers import add_museum, harvest_now, item_of

PAGE = "/staff/admin/harvest"


def test_only_admins_see_the_page(app, login_as, client):
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    curator, _user = login_as("curator")
    assert curator.get(PAGE).status_code == 403
    admin, _user = login_as("admin")
    assert f'href="{PAGE}"' in admin.get("/staff/admin").get_data(as_text=True)
    assert f'href="{PAGE}"' not in curator.get("/staff/admin").get_data(as_text=True)
    assert admin.get(PAGE).status_code == 200


def test_adding_a_source_queues_its_first_harvest_without_asking_it(app, login_as, repository):
    admin, user = login_as("admin")
    response = admin.post(PAGE, data={"name": "quang-tri", "url": repository.base_url, "lang": "vi"})
    assert response.status_code == 302 and repository.log == []  # nothing asked during the request
    db.session.rollback()
    source = db.session.scalars(select(SourceRepository)).one()
    assert (source.name, source.default_lang, source.repository_identifier) == ("quang-tri", "vi", None)
    queued = db.session.scalars(select(HarvestRun)).one()
    assert (queued.state, queued.requested_by_id) == (RunState.QUEUED, user.id)
    # The worker (or the web process's runner) takes it: Identify then gives the source its identity.
    db.session.commit()
    (run,) = run_queued()
    db.session.rollback()
    assert run.id == queued.id and run.state == RunState.COMPLETE and run.added == 4
    assert db.session.get(SourceRepository, source.id).repository_identifier == "quangtri-museum.example.org"
    page = admin.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "Bảo tàng tỉnh Quảng Trị – Kho số" in page and "4 added, 0 updated, 0 deleted, 0 skipped" in page


def test_a_bad_source_is_refused_with_every_reason_and_nothing_kept(app, login_as, repository):
    admin, _user = login_as("admin")
    response = admin.post(PAGE, data={"name": "Quảng Trị!", "url": "ftp://example.org/oai", "set": "a b",
                                      "lang": "not a tag", "image_hosts": "ok.example.org bad/host"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and page.count('class="field-error"') == 5
    assert "ftp://example.org/oai" in page  # the input is kept
    db.session.rollback()
    assert db.session.scalars(select(SourceRepository)).all() == []


def test_asking_for_a_harvest_queues_one_run_however_often_asked(app, login_as, repository):
    source = add_museum(repository)
    admin, _user = login_as("admin")
    for _ in range(2):
        assert admin.post(f"{PAGE}/{source}/run").status_code == 302
    db.session.rollback()
    assert [r.state for r in db.session.scalars(select(HarvestRun))] == [RunState.QUEUED]
    assert repository.log == []
    assert admin.post(f"{PAGE}/999999/run").status_code == 404


def test_the_page_shows_why_the_last_harvest_failed(app, login_as, repository):
    repository.answers[("ListRecords", None, None)] = "bomb.xml"
    harvest_now(add_museum(repository))
    admin, _user = login_as("admin")
    page = admin.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "declares a DTD" in page and "failed" in page


def test_a_harvested_items_pages_show_its_source_and_hide_the_edit_controls(app, login_as, client, repository):
    harvest_now(add_museum(repository))
    bridge = item_of(101)
    curator, _user = login_as("curator")
    staff = curator.get(f"/staff/items/{bridge.id}").get_data(as_text=True)
    assert "Bảo tàng tỉnh Quảng Trị – Kho số" in staff and "oai:quangtri-museum.example.org:123456789/101" in staff
    assert f"/staff/items/{bridge.id}/edit" not in staff and 'id="media-upload"' not in staff
    # Its workflow is its source's, but for a takedown: this archive decides what it shows.
    assert 'name="action" value="withdraw"' in staff and 'name="action" value="submit"' not in staff
    assert curator.get(f"/staff/items/{bridge.id}/edit").status_code == 403
    public = client.get(f"/items/{bridge.id}").get_data(as_text=True)
    assert f'<a href="{repository.root}/handle/123456789/101" rel="external noopener">' in public


def test_in_background_mode_the_web_process_runs_the_queued_harvest_after_the_response(app, login_as, repository):
    import time

    from interop.harvest import stop_background

    app.config["HARVEST_JOBS"] = "background"
    try:
        admin, _user = login_as("admin")
        assert admin.post(PAGE, data={"name": "quang-tri", "url": repository.base_url}).status_code == 302
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.rollback()
            run = db.session.scalars(select(HarvestRun)).first()
            if run is not None and run.state == RunState.COMPLETE:
                break
            time.sleep(0.05)
        assert run.state == RunState.COMPLETE and run.added == 4
    finally:
        stop_background(app)


def test_the_api_refuses_changes_to_a_harvested_item(app, client, make_user, repository):
    from core.auth import issue_token

    harvest_now(add_museum(repository))
    bridge = item_of(101)
    headers = {"Authorization": f"Bearer {issue_token(db.session, make_user('curator'))}"}
    db.session.commit()
    for method, path, body in [
        ("patch", f"/api/v1/items/{bridge.id}", {"creator": "someone", "version": bridge.version}),
        ("put", f"/api/v1/items/{bridge.id}/texts/fr", {"title": "Pont"}),
        ("post", f"/api/v1/items/{bridge.id}/transitions", {"action": "send_back", "comment": "not ours",
                                                             "version": bridge.version}),
    ]:  # fmt: skip
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.get_json())
        assert "Bảo tàng tỉnh Quảng Trị" in response.get_json()["error"]["message"]
