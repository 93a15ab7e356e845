"""Asking a source (interop.harvest.fetching): limits, redirects within the host only, retries with back-off."""

import time

import pytest

from interop.harvest.fetching import Fetcher, FetchError, Limits
from tests.interop.harvest.server import Answer

LIMITS = Limits(timeout=2, response_seconds=5, max_response_bytes=64 * 1024, max_image_bytes=16 * 1024,
                max_redirects=3, retries=2, backoff=0.01, max_backoff=0.05)  # fmt: skip


@pytest.fixture
def fetcher(repository):
    waits = []
    with Fetcher(repository.base_url, LIMITS, sleep=waits.append) as fetcher:
        fetcher.waits = waits
        yield fetcher


def test_an_oai_request_gets_the_answer(fetcher, repository):
    answer = fetcher.oai({"verb": "Identify"})
    assert b"quangtri-museum.example.org" in answer.body and answer.content_type == "text/xml"
    assert repository.log[-1].args == {"verb": "Identify"}


def test_a_redirect_within_the_host_is_followed_and_one_to_another_host_refused_unasked(fetcher, repository):
    repository.answers[("file", "/moved")] = Answer(302, headers={"Location": "/oai?verb=Identify"})
    assert b"Identify" in fetcher.get(f"{repository.root}/moved", 10_000).body
    elsewhere = f"http://localhost:{repository.port}/oai?verb=Identify"
    repository.answers[("file", "/away")] = Answer(302, headers={"Location": elsewhere})
    with pytest.raises(FetchError) as refused:
        fetcher.get(f"{repository.root}/away", 10_000)
    assert (refused.value.code, refused.value.detail) == ("other_host", "localhost")
    assert all(request.host == "127.0.0.1" for request in repository.log)  # the other host was never asked


def test_an_endless_redirect_stops(fetcher, repository):
    repository.answers[("file", "/loop")] = Answer(302, headers={"Location": "/loop"})
    with pytest.raises(FetchError) as refused:
        fetcher.get(f"{repository.root}/loop", 10_000)
    assert refused.value.code == "too_many_redirects"
    assert len(repository.log) == LIMITS.max_redirects + 1


def test_an_answer_over_the_size_limit_is_refused(fetcher, repository):
    repository.answers[("file", "/big")] = Answer(200, b"x" * (LIMITS.max_response_bytes + 1))
    with pytest.raises(FetchError) as refused:
        fetcher.get(f"{repository.root}/big", LIMITS.max_response_bytes)
    assert refused.value.code == "too_large"


def test_a_server_that_fails_twice_is_asked_again_after_a_doubling_wait(fetcher, repository):
    failures = iter([Answer(503, b"busy", headers={"Retry-After": "0"}), Answer(-1)])
    repository.hooks.append(lambda request: next(failures, None))
    assert b"Identify" in fetcher.oai({"verb": "Identify"}).body
    assert len(repository.log) == 3 and fetcher.waits == [0.01, 0.02]


def test_a_server_that_keeps_failing_is_given_up_after_the_retries(fetcher, repository):
    repository.hooks.append(lambda request: Answer(500, b"broken"))
    with pytest.raises(FetchError) as refused:
        fetcher.oai({"verb": "Identify"})
    assert (refused.value.code, len(repository.log)) == ("network", LIMITS.retries + 1)


def test_an_error_answer_is_not_retried(fetcher, repository):
    with pytest.raises(FetchError) as refused:
        fetcher.get(f"{repository.root}/missing", 1000)
    assert (refused.value.code, len(repository.log)) == ("http_status", 1)


def test_a_silent_server_times_out(repository):
    repository.hooks.append(lambda request: time.sleep(0.5) or Answer(200, b"late"))
    quick = Limits(**{**LIMITS.__dict__, "timeout": 0.1, "retries": 0})
    with Fetcher(repository.base_url, quick) as fetcher, pytest.raises(FetchError) as refused:
        fetcher.oai({"verb": "Identify"})
    assert refused.value.code == "network"


def test_an_image_is_refused_at_its_headers_when_it_names_another_type(fetcher, repository):
    repository.answers[("file", "/page")] = Answer(200, b"<html>" * 10_000, "text/html")
    with pytest.raises(FetchError) as refused:
        fetcher.image(f"{repository.root}/page")
    assert refused.value.code == "not_image"
    with pytest.raises(FetchError) as refused:
        fetcher.image(f"{repository.base_url}/../elsewhere.png".replace("127.0.0.1", "localhost"))
    assert refused.value.code == "other_host"
