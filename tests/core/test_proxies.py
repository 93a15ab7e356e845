"""X-Forwarded-* headers are read only from the configured number of proxies (VITRINE_TRUSTED_PROXIES)."""

import pytest
from flask import redirect, request, url_for

from app import create_app
from core.config import from_env

# Sent by nginx in front (deploy/nginx/vitrine.conf), after a client that tried its own.
FORWARDED = {
    "X-Forwarded-For": "198.51.100.7, 203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "vitrine.caobang.gov.vn",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Prefix": "/elsewhere",
}


def _probe_app(config: dict, hops: int):
    app = create_app(config | {"TRUSTED_PROXIES": hops})

    @app.route("/_probe")
    def probe():
        return {"url": url_for("health.health", _external=True), "client": request.remote_addr}

    @app.route("/_probe/away")
    def away():
        return redirect(url_for("health.health", _external=True))

    return app


@pytest.mark.parametrize("hops", [0, 1])
def test_forwarded_headers_count_only_from_trusted_proxies(app_config, hops):
    client = _probe_app(app_config, hops).test_client()
    seen = client.get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()
    location = client.get("/_probe/away", headers=FORWARDED).headers["Location"]
    if hops:  # the last address is the one our proxy saw; the prefix is never read
        assert seen == {"url": "https://vitrine.caobang.gov.vn/healthz", "client": "203.0.113.9"}
        assert location == "https://vitrine.caobang.gov.vn/healthz"
    else:
        assert seen == {"url": "http://localhost/healthz", "client": "127.0.0.1"}
        assert location == "http://localhost/healthz"


def test_the_number_of_hops_is_read_and_checked(app_config):
    assert from_env({"VITRINE_TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
    with pytest.raises(ValueError, match="VITRINE_TRUSTED_PROXIES"):
        from_env({"VITRINE_TRUSTED_PROXIES": "yes"})
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app(app_config | {"TRUSTED_PROXIES": 9})
