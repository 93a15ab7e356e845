"""axe-core as vendored into static/vendor/: it runs inside a page in Debian's Chromium and finds what it should."""

import json

from tests.browser.helpers import WCAG_22_AA
from tests.npm_tools import AXE_JS, ROOT, require


def test_the_vendored_axe_runs_in_the_page_with_the_wcag_2_2_aa_rules(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>A page</title></head><body><main><h1>A page</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">'
        '<a href="#x" style="display:inline-block;width:10px;height:10px"></a><a href="#y">Fine</a>'
        "</main></body></html>"
    )
    page.add_script_tag(path=str(require(AXE_JS)))
    pinned = json.loads((ROOT / "tools" / "package.json").read_text())["dependencies"]["axe-core"]
    assert page.evaluate("axe.version") == pinned
    result = page.evaluate("tags => axe.run({runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    found = {violation["id"]: violation["impact"] for violation in result["violations"]}
    # The image without a text alternative, the empty link, and (a WCAG 2.2 rule) its 10 px target.
    assert {"image-alt", "link-name", "target-size"} <= set(found), found
    assert found["image-alt"] == "critical"
