"""Deep-zoom tile speed: the IIIF image service's path (archive.tiles: each level decoded once, tiles read from
its rows, kept on disk) against a plain Pillow decode of the whole master and a crop per tile, on the same tiles.

    .venv/bin/python bench/tiles.py [--width 6000 --height 4000] [--tile 512] [--baseline-tiles N]

The master is a 24-megapixel JPEG made here (shapes and grain, so it compresses like a scan, about 10 MB). The
tiles are every tile of every level a viewer like OpenSeadragon asks for when zooming all the way in (the
`tiles` of info.json: 512 px, scale factors 1, 2, 4, …), coarsest level first. Prints tiles per second for the
plain way, for ours from an empty cache (every level decoded once), and for ours again (tiles from the cache),
and the ratios. The target is at least 5× from an empty cache.
"""

import argparse
import io
import math
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from archive import tiles  # noqa: E402


def make_master(path: Path, width: int, height: int) -> None:
    """A JPEG that compresses like a photographic scan: shapes, then grain over everything."""
    rng = random.Random(24)
    image = Image.new("RGB", (width, height), (150, 135, 110))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(20, width // 10)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randint(30, 230) for _ in range(3)))
    grain = Image.effect_noise((width, height), 22).convert("RGB")
    ImageChops.add(image, grain, scale=1.0, offset=-128).save(path, "JPEG", quality=90)


def pyramid(width: int, height: int, tile: int) -> list[tuple[tuple[int, int, int, int], tuple[int, int]]]:
    """(region, size) of every tile of every level, coarsest first, as OpenSeadragon asks for them."""
    asked = []
    for factor in reversed(tiles.scale_factors(width, height, tile)):
        span = tile * factor
        for y in range(0, height, span):
            for x in range(0, width, span):
                w, h = min(span, width - x), min(span, height - y)
                asked.append(((x, y, w, h), (math.ceil(w / factor), math.ceil(h / factor))))
    return asked


def plain(master: Path, region, size) -> bytes:
    """The baseline: decode the whole master, crop the region, scale it (a box reduction first, as Pillow offers),
    encode it."""
    with Image.open(master) as image:
        x, y, w, h = region
        cut = image.convert("RGB").crop((x, y, x + w, y + h))
        cut = cut.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    cut.save(out, "JPEG", quality=85)
    return out.getvalue()


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--tile", type=int, default=tiles.TILE_SIZE)
    parser.add_argument("--baseline-tiles", type=int, default=0, help="time the plain way on the first N only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        master = Path(folder) / "master.jpg"
        make_master(master, args.width, args.height)
        asked = pyramid(args.width, args.height, args.tile)
        print(
            f"master: {args.width}×{args.height} JPEG, {master.stat().st_size / 1e6:.1f} MB; "
            f"{len(asked)} tiles over scale factors {tiles.scale_factors(args.width, args.height, args.tile)}"
        )
        app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        with app.app_context():
            page = tiles.ZoomPage(1, "0" * 64, 1, master, 1, args.width, args.height, False)
            bound = int(app.config.get("IIIF_CACHE_BYTES", 2 * 1024**3))
            started = time.perf_counter()
            for region, size in asked:
                tiles.cut(page, region, size, bound)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            for region, size in asked:
                tiles.cut(page, region, size, bound)
            warm = time.perf_counter() - started
        sample = asked[: args.baseline_tiles] if args.baseline_tiles else asked
        started = time.perf_counter()
        for region, size in sample:
            plain(master, region, size)
        baseline = rate(len(sample), time.perf_counter() - started)
    ours_cold, ours_warm = rate(len(asked), cold), rate(len(asked), warm)
    print(f"plain Pillow, decode whole + crop per tile: {baseline:8.1f} tiles/s ({len(sample)} tiles)")
    print(f"archive.tiles, empty cache (levels decoded): {ours_cold:8.1f} tiles/s  ({ours_cold / baseline:.1f}×)")
    print(f"archive.tiles, tiles from the cache:         {ours_warm:8.1f} tiles/s  ({ours_warm / baseline:.1f}×)")
    print(f"target ≥ 5× from an empty cache: {'met' if ours_cold >= 5 * baseline else 'NOT met'}")


if __name__ == "__main__":
    main()
