"""Deep zoom (archive.tiles, archive.imaging): a page is decoded once per level, whatever the number of tiles;
a tile is the region asked for; the cache of levels and tiles stays within its bound."""

import io
import os
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, JpegImagePlugin

from archive import imaging, tiles
from tests.conftest import app_settings

pytestmark = pytest.mark.one_database  # tiles cut from stored files

BOUND = 50 * 1024**2


@pytest.fixture
def zoom_app(tmp_path):
    """An app for its settings and derivatives folder only: no database is read."""
    from app import create_app

    app = create_app(app_settings(tmp_path / "data", "sqlite://"))
    with app.app_context():
        yield app


def _scan(tmp_path: Path, size=(2400, 1600), name="scan.jpg", **save) -> Path:
    """A JPEG with a grid of coloured squares, so a region's content can be checked."""
    image = Image.new("RGB", size, (240, 235, 220))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 200):
        for y in range(0, size[1], 200):
            draw.rectangle((x, y, x + 199, y + 199), fill=((x // 8) % 256, (y // 6) % 256, 90))
    path = tmp_path / name
    image.save(path, **({"quality": 92} | save))
    return path


def _page(path: Path, width=2400, height=1600, page=1) -> tiles.ZoomPage:
    return tiles.ZoomPage(1, "ab" * 32, page, path, page, width, height, False)


@pytest.fixture
def decodes(monkeypatch):
    """How many times a page was decoded into levels (archive.imaging.write_levels)."""
    calls = []
    real = imaging.write_levels

    def counting(*args, **kwargs):
        calls.append(sorted(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(imaging, "write_levels", counting)
    return calls


def test_scale_factors_reach_one_tile():
    assert tiles.scale_factors(6000, 4000) == [1, 2, 4, 8, 16]
    assert tiles.scale_factors(512, 300) == [1]
    assert tiles.scale_factors(513, 10) == [1, 2]


def test_deep_zoom_decodes_the_page_once_per_level_not_per_tile(zoom_app, tmp_path, decodes):
    page = _page(_scan(tmp_path))
    # Every full-resolution tile of the page, as a viewer asks for them, then the coarser levels' tiles.
    for x in range(0, 2400, 512):
        for y in range(0, 1600, 512):
            w, h = min(512, 2400 - x), min(512, 1600 - y)
            tiles.cut(page, (x, y, w, h), (w, h), BOUND)
    tiles.cut(page, (0, 0, 2048, 1600), (512, 400), BOUND)
    tiles.cut(page, (0, 0, 2400, 1600), (600, 400), BOUND)
    assert decodes == [[1, 2, 4, 8]]  # one decode wrote every level


def test_a_coarse_view_decodes_only_the_coarse_levels(zoom_app, tmp_path, decodes):
    page = _page(_scan(tmp_path))
    tiles.cut(page, (0, 0, 2400, 1600), (300, 200), BOUND)
    tiles.cut(page, (1024, 0, 1024, 1024), (512, 512), BOUND)
    assert decodes == [[8], [2, 4]]
    assert sorted(p.name for p in page.folder.glob("level-*")) == ["level-2.raw", "level-4.raw", "level-8.raw"]


def test_a_jpeg_level_is_decoded_at_a_reduced_scale(zoom_app, tmp_path, monkeypatch):
    asked = []
    real = JpegImagePlugin.JpegImageFile.draft

    def spy(image, mode, size):
        asked.append(size)
        return real(image, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    levels = {4: str(tmp_path / "level-4.raw"), 8: str(tmp_path / "level-8.raw")}
    sizes = imaging.write_levels(_scan(tmp_path), 1, levels, 10**8)
    assert asked == [(600, 400)] and sizes == {4: (600, 400), 8: (300, 200)}


def test_a_tile_is_the_region_asked_for(zoom_app, tmp_path):
    source = _scan(tmp_path, name="scan.png", format="PNG")
    page = _page(source)
    original = Image.open(source).convert("RGB")
    for box, size in [((200, 400, 400, 200), (400, 200)), ((200, 400, 400, 200), (100, 50)),
                      ((1900, 1300, 500, 300), (250, 150))]:  # fmt: skip
        tile = Image.open(io.BytesIO(tiles.cut(page, box, size, BOUND))).convert("RGB")
        x, y, w, h = box
        expected = original.crop((x, y, x + w, y + h)).resize(size)
        assert tile.size == size
        for point in [(size[0] // 4, size[1] // 4), (3 * size[0] // 4, 3 * size[1] // 4)]:
            assert all(abs(a - b) < 12 for a, b in zip(tile.getpixel(point), expected.getpixel(point), strict=True))


def test_one_decoder_per_page_when_a_viewer_asks_for_many_tiles_at_once(zoom_app, tmp_path, decodes):
    page = _page(_scan(tmp_path))
    errors = []

    def ask(x):
        with zoom_app.app_context():
            try:
                tiles.cut(page, (x, 0, 512, 512), (512, 512), BOUND)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=ask, args=(x,)) for x in (0, 512, 1024, 1536)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and decodes == [[1, 2, 4, 8]]


def test_the_sweep_deletes_the_least_recently_used_down_to_90_percent(tmp_path):
    now = time.time()
    for age in range(10):
        path = tmp_path / "p1" / f"r-{age}.jpg"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age * 60, now - age * 60))
    (tmp_path / "p1" / ".lock").write_bytes(b"")
    assert tiles.sweep(tmp_path, 20_000) == 0
    assert tiles.sweep(tmp_path, 5000) == 6000
    assert sorted(p.name for p in (tmp_path / "p1").iterdir()) == [".lock", "r-0.jpg", "r-1.jpg", "r-2.jpg", "r-3.jpg"]


def test_the_cache_stays_within_its_bound(zoom_app, tmp_path):
    page = _page(_scan(tmp_path))
    bound = 3 * 1024**2  # less than the levels of this page (about 7.7 MB)
    for x in range(0, 2400, 512):
        tiles.cut(page, (x, 0, 512, 512), (512, 512), bound)
    held = sum(p.stat().st_size for p in (tmp_path / "data" / "derivatives" / "iiif").rglob("*") if p.is_file())
    assert held <= bound


def test_the_pixel_limit_still_holds(tmp_path):
    with pytest.raises(imaging.Refusal) as refused:
        imaging.page_size(_scan(tmp_path), 1, 1_000_000)
    assert refused.value.code == "too_many_pixels"
    with pytest.raises(imaging.Refusal) as refused:
        imaging.page_size(_scan(tmp_path), 2, 10**8)
    assert refused.value.code == "no_such_page"
