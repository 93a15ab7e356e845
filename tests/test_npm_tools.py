"""The npm packages: pinned to exact versions, and what tools/vendor.sh copied is the pinned package's own files."""

import json
import re

from tests.npm_tools import ACE, AXE_JS, ROOT, require

TOOLS = ROOT / "tools"
VENDOR = ROOT / "static" / "vendor"


def _lock() -> dict:
    return json.loads((TOOLS / "package-lock.json").read_text())


def test_every_package_is_pinned_to_one_version_in_the_lock():
    wanted = json.loads((TOOLS / "package.json").read_text())["dependencies"]
    lock = _lock()
    assert lock["packages"][""]["dependencies"] == wanted  # the lock was made from this package.json
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version}: an exact version, not a range"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    # No install script runs (tools/vendor.sh passes --ignore-scripts); the lock records which packages have one.
    scripted = {name for name, package in lock["packages"].items() if package.get("hasInstallScript")}
    assert scripted <= {"node_modules/puppeteer"}, scripted


def test_vendored_files_are_the_installed_packages_own_with_their_licences():
    require(AXE_JS)
    folders = [folder for folder in VENDOR.iterdir() if folder.is_dir()]
    assert {folder.name for folder in folders} >= {"axe-core"}
    for folder in folders:
        installed = TOOLS / "node_modules" / folder.name
        version = _lock()["packages"][f"node_modules/{folder.name}"]["version"]
        assert (folder / "VERSION").read_text().startswith(f"{folder.name} {version} ")
        assert [path for path in folder.iterdir() if path.name.upper().startswith(("LICENSE", "LICENCE", "COPYING"))]
        for path in folder.iterdir():
            if path.name != "VERSION":  # copied from the package's top or a folder of it (OpenSeadragon's build/)
                sources = [installed / path.name, *installed.glob(f"*/**/{path.name}")]
                assert any(s.is_file() and s.read_bytes() == path.read_bytes() for s in sources), path


def test_ace_is_installed_at_the_pinned_version():
    package = json.loads((require(ACE).resolve().parents[1] / "package.json").read_text())
    assert (package["name"], package["version"]) == (
        "@daisy/ace-cli",
        _lock()["packages"][""]["dependencies"]["@daisy/ace-cli"],
    )
