"""The IIIF Image API validator (PyPI iiif-validator, the one the IIIF site runs) against a live server serving
the validator's own test image, imported as an item's file: every level-1 test of version 3.0 passes.

`make test` runs a few of its tests; `make test-all` all 24 (marked long)."""

import pytest
from iiif_validator import validator

from tests.interop.iiif.site import LiveServer, build_site

SHORT = {"info_json", "id_squares", "region_pixels", "size_noup", "cors", "jsonld"}
KNOWN = validator.TestSuite(validator.ValidationInfo()).list_tests("3.0")
LEVEL_1 = sorted(name for name, test in KNOWN.items() if test["level"] <= 1)


@pytest.fixture(scope="module")
def served(request, tmp_path_factory):
    """The site behind a live server whose address is its BASE_URL (info.json ids must be what was asked)."""
    server = LiveServer()
    site = build_site(request, tmp_path_factory.mktemp("validator"), server.url)
    server.start(site.app)
    yield server, site
    server.stop()


def test_the_validator_knows_24_level_1_tests_for_version_3():
    assert len(LEVEL_1) == 24


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in SHORT else pytest.mark.long) for n in LEVEL_1])
def test_the_validator_passes(served, name):
    server, site = served
    host = server.url.removeprefix("http://")
    result = validator.ImageAPI(f"{site.media['validator']}-1", host, "iiif/image", "http", "", "3.0", debug=False)
    validator.TestSuite(validator.ValidationInfo()).run_test(name, result)
    problem = result.exception
    assert problem is None, (result.urls, problem and (problem.type, problem.got, problem.expected, problem.message))
