"""The one module of the archive that imports Pillow."""

import io
import random

from PIL import Image, ImageDraw, ImageFont


def render_demo_photo(seed: int, caption: str, size=(1200, 800)) -> bytes:
    """A JPEG that looks like a sepia archival print, for demo data and tests."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randint(150, 200), rng.randint(130, 170), rng.randint(90, 130)))
    draw = ImageDraw.Draw(image)
    for _ in range(18):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        r = rng.randint(40, 260)
        tone = rng.randint(60, 140)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(tone + 40, tone + 25, tone))
    draw.rectangle((0, size[1] - 90, size[0], size[1]), fill=(30, 25, 20))
    font = ImageFont.load_default(size=34)
    draw.text((30, size[1] - 70), caption[:60], fill=(235, 225, 205), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of an image, read from its header only."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size
