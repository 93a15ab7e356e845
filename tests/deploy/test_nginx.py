"""nginx in front of gunicorn with deploy/nginx/vitrine.conf: static files straight from disk (a year only for
a fingerprint that names their content), originals and previews only through the app's check (X-Accel-Redirect
to internal locations nobody outside reaches), and the forwarded headers the app trusts for one hop. The real
servers run in the `long` test; the rendered file is checked here without them."""

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from core.protected_files import ROOTS
from core.static_files import copy_fingerprinted, fingerprint_file
from deploy.nginx import render, site_values
from deploy.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_site_is_filled_in_from_the_app_settings(tmp_path):
    env = {"VITRINE_DATA_DIR": str(tmp_path), "VITRINE_BASE_URL": "https://vitrine.caobang.gov.vn", "PORT": "8100"}
    text = render(site_values(env, certificate="/etc/ssl/c.pem", key="/etc/ssl/k.pem"))
    assert not re.search(r"@[A-Z_]+@", text)  # every name filled in
    assert "server_name vitrine.caobang.gov.vn;" in text and "server 127.0.0.1:8100;" in text
    assert "listen 443 ssl http2;" in text and "listen [::]:80;" in text
    assert "ssl_certificate /etc/ssl/c.pem;" in text and "ssl_certificate_key /etc/ssl/k.pem;" in text
    assert f"root {tmp_path}/static;" in text and f"root {ROOT};" in text
    # One internal location per folder the app hands out (core.protected_files.ROOTS), under its prefix.
    for name in ROOTS:
        block = text.split(f"location /_protected/{name}/ {{")[1].split("}")[0]
        assert "internal;" in block and f"alias {tmp_path}/{name}/;" in block
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme",
                   "X-Forwarded-Host $host", "X-Forwarded-Port $server_port"):  # fmt: skip
        assert f"proxy_set_header {header};" in text
    local = render(site_values(env | {"VITRINE_ACCEL_REDIRECT": "/_x/"}, listen="127.0.0.1", https_port=8443,
                               certificate="c", key="k"))  # fmt: skip
    assert "listen 127.0.0.1:8443 ssl http2;" in local and "[::]" not in local and "location /_x/files/" in local


# --- The real servers -----------------------------------------------------------------------------------------


def _build_archive(data: Path) -> dict:
    """An SQLite archive in `data` with a published and a draft item, one PNG each (previews made)."""
    from flask_migrate import upgrade

    from app import create_app
    from archive.media import Upload, attach_media
    from archive.reference import load_reference_data
    from archive.services import create_item
    from core.auth import create_user
    from core.db import db
    from core.storage import get_storage
    from tests.archive import samples

    app = create_app({"DATA_DIR": str(data), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'vitrine.sqlite3'}",
                      "MEDIA_JOBS": "inline", "SEARCH_APPLY": "inline", "OAI_APPLY": "worker"})  # fmt: skip
    media = {}
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        user = create_user(db.session, "archivist@vitrine.test", "correct horse battery", "archivist")
        for n, status in enumerate(("published", "draft")):
            item = create_item(db.session, user, {"reference_code": f"NGINX-{n}", "type": "photo",
                                                  "texts": {"vi": {"title": f"Ảnh {n}"}}})  # fmt: skip
            db.session.commit()
            upload = Upload(f"{status}.png", io.BytesIO(samples.png_bytes((300 + n, 200))))
            (entry,) = attach_media(db.session, get_storage(), user, item, [upload])
            item.status = status
            db.session.commit()
            media[status] = (entry.media.id, entry.media.sha256, item.id)
        db.session.remove()
        db.engine.dispose()
    return media


def _wait_for(url: str, process: subprocess.Popen, log: Path, **options) -> None:
    deadline = time.monotonic() + 120  # a loaded machine boots a worker slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[:3]} stopped:\n{log.read_text()}")
        try:
            requests.get(url, timeout=30, **options)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def site():
    """gunicorn (SQLite, one worker) behind nginx with the rendered site, on free loopback ports."""
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed: `make test-all` installs it (or `make nginx`)")
    # Not pytest's tmp_path: nginx's workers run as another user when we are root, and its parent is closed.
    folder = Path(tempfile.mkdtemp(prefix="vitrine-nginx-"))
    folder.chmod(0o755)
    data, app_port, http_port, https_port = folder / "data", free_port(), free_port(), free_port()
    media = _build_archive(data)
    copy_fingerprinted(ROOT / "static", data / "static")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VITRINE_", "DATABASE_URL"))}
    # The public address is configured, as the README's deployment says: absolute links come from it, never
    # from a Host or X-Forwarded-Host header.
    env |= {"VITRINE_BASE_URL": f"https://127.0.0.1:{https_port}"}
    env |= {"VITRINE_DATA_DIR": str(data), "PORT": str(app_port), "WORKERS": "1", "VITRINE_TRUSTED_PROXIES": "1",
            "VITRINE_ACCEL_REDIRECT": "/_protected/", "VITRINE_MEDIA_JOBS": "worker", "VITRINE_SEARCH_APPLY": "worker",
            "VITRINE_HARVEST_JOBS": "worker", "VITRINE_OAI_APPLY": "worker"}  # fmt: skip
    site_conf = folder / "vitrine.conf"
    site_conf.write_text(render(site_values(env, server_name="127.0.0.1", listen="127.0.0.1", http_port=http_port,
                                            https_port=https_port, certificate=cert, key=key)))  # fmt: skip
    temporary = "".join(f"    {kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                                 "uwsgi", "scgi"))  # fmt: skip
    (folder / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {folder}/access.log;\n{temporary}    include {site_conf};\n}}\n"
    )
    log = folder / "servers.log"
    with open(log, "w") as output:
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
                                    cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # fmt: skip
        checked = subprocess.run(["nginx", "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                 capture_output=True, text=True)  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")], stdout=output,
                                 stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{app_port}/healthz", gunicorn, log)
        _wait_for(f"https://127.0.0.1:{https_port}/healthz", nginx, log, verify=str(cert))
        yield {"base": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}", "cert": str(cert),
               "data": data, "media": media}  # fmt: skip
    finally:
        _stop(nginx)
        _stop(gunicorn)
        shutil.rmtree(folder, ignore_errors=True)


def _get(site, path: str, **options) -> requests.Response:
    return requests.get(site["base"] + path, verify=site["cert"], allow_redirects=False, timeout=30, **options)


@pytest.mark.long
@pytest.mark.slow
def test_static_files_are_kept_a_year_only_under_their_fingerprint(site):
    css = ROOT / "static" / "vitrine.css"
    fresh = _get(site, f"/static/vitrine.css?v={fingerprint_file(css)}")
    assert fresh.status_code == 200 and fresh.content == css.read_bytes()
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable" and fresh.headers["ETag"]
    assert _get(site, "/static/vitrine.css", headers={"If-None-Match": fresh.headers["ETag"]}).status_code == 304
    for other in ("", "?v=0123456789abcdef", "?v=../../../etc"):
        response = _get(site, f"/static/vitrine.css{other}")
        assert response.content == css.read_bytes() and response.headers["Cache-Control"] == "no-cache", other
    assert _get(site, "/static/../app.py").status_code in (400, 404)


@pytest.mark.long
@pytest.mark.slow
def test_files_are_sent_by_nginx_only_after_the_app_checked_them(site):
    media_id, sha, _item = site["media"]["published"]
    preview = site["data"] / "derivatives" / sha[:2] / sha / "thumb-1.jpg"
    response = _get(site, f"/media/{media_id}/thumb-1.jpg")
    assert response.status_code == 200 and response.content == preview.read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=300" and "X-Accel-Redirect" not in response.headers
    assert response.headers["Content-Type"] == "image/jpeg" and response.headers["X-Content-Type-Options"] == "nosniff"
    stat = preview.stat()
    assert response.headers["ETag"] == f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'  # the app's, and nginx's
    assert _get(site, f"/media/{media_id}/thumb-1.jpg", headers={"If-None-Match": response.headers["ETag"]}
                ).status_code == 304  # fmt: skip
    original = _get(site, f"/media/{media_id}")
    assert original.content == (site["data"] / "files" / sha[:2] / sha[2:4] / sha).read_bytes()
    assert original.headers["Content-Type"] == "image/png"
    assert original.headers["Content-Disposition"] == "inline; filename=published.png"
    assert original.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    draft_id, draft_sha, _item = site["media"]["draft"]
    assert _get(site, f"/media/{draft_id}").status_code == 404
    assert _get(site, f"/media/{draft_id}/thumb-1.jpg").status_code == 404
    # By their paths, neither the draft's files nor the published one's are there.
    for path in (f"/_protected/files/{draft_sha[:2]}/{draft_sha[2:4]}/{draft_sha}",
                 f"/_protected/derivatives/{draft_sha[:2]}/{draft_sha}/thumb-1.jpg",
                 f"/_protected/derivatives/{sha[:2]}/{sha}/thumb-1.jpg"):  # fmt: skip
        assert _get(site, path).status_code == 404, path


@pytest.mark.long
@pytest.mark.slow
def test_links_name_the_public_address_whatever_host_a_visitor_forwards(site):
    media_id, _sha, item_id = site["media"]["published"]
    answer = _get(site, f"/api/v1/items/{item_id}", headers={"X-Forwarded-Host": "evil.example",
                                                             "X-Forwarded-Proto": "http"})  # fmt: skip
    found = answer.json()
    assert found["links"]["self"] == f"{site['base']}/api/v1/items/{item_id}"
    assert found["media"][0]["url"] == f"{site['base']}/media/{media_id}"
    plain = requests.get(site["http"] + "/items", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://127.0.0.1")
