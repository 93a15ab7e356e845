"""Fixtures of the harvest tests: the museum's repository on 127.0.0.1, its images, and harvesting settings."""

import io

import pytest
from PIL import Image

from tests.interop.harvest.server import Answer, Repository


@pytest.fixture(scope="session")
def repository_server():
    server = Repository().start()
    yield server
    server.stop()


@pytest.fixture
def repository(repository_server):
    """The repository, serving the museum's three pages; its answers and log start empty for each test."""
    repository_server.reset()
    repository_server.serve_standard()
    return repository_server


def png(width: int, height: int, colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def museum_images() -> dict:
    """The two images of the museum's records, small PNGs, by path."""
    return {"/bitstream/101/cau-hien-luong.png": png(48, 32, (120, 90, 60)),
            "/bitstream/104/content": png(32, 48, (30, 60, 90))}  # fmt: skip


@pytest.fixture
def serve_images(repository, museum_images):
    """The museum's images served as PNG, and its record pages as HTML."""

    def serve():
        for path, data in museum_images.items():
            repository.answers[("file", path)] = Answer(200, data, "image/png")
        for number in range(101, 106):
            repository.answers[("file", f"/handle/123456789/{number}")] = Answer(
                200, b"<!doctype html><title>record</title>", "text/html; charset=utf-8")  # fmt: skip

    serve()
    return serve


@pytest.fixture
def app_config(app_config):
    """No images unless a test serves them, no index unless a test searches; back-off of milliseconds."""
    return app_config | {"HARVEST_FETCH_IMAGES": False, "SEARCH_APPLY": "worker", "HARVEST_BACKOFF_SECONDS": 0.01,
                         "HARVEST_MAX_BACKOFF_SECONDS": 0.05, "HARVEST_RETRIES": 2}  # fmt: skip
