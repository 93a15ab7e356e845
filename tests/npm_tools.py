"""Where the tests find what `tools/vendor.sh` installs from the npm registry (`make test` runs it first)."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# axe-core, copied beside the site's static files; a browser test runs it inside the page it checks.
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
# Ace by DAISY, the EPUB accessibility checker: installed in tools/node_modules, never served.
ACE = ROOT / "tools" / "node_modules" / ".bin" / "ace-cli"
# Lighthouse, which scores a page as a phone on a slow network would load it: installed there too.
LIGHTHOUSE = ROOT / "tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def require(path: Path) -> Path:
    """`path`, or the test fails saying how to get it: a missing tool is a broken set-up, not a skip."""
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: `make vendor` (run by `make test`) installs it")
    return path


def puppeteer_env() -> dict[str, str]:
    """The environment of a Puppeteer-driven tool (Ace): Debian's Chromium, and no browser of its own to fetch."""
    return os.environ | {"PUPPETEER_EXECUTABLE_PATH": CHROMIUM, "PUPPETEER_SKIP_DOWNLOAD": "true"}
