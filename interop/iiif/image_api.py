"""The IIIF Image API 3.0 at level 1: identifiers, the parameters of an image request, the information document.

Level 1 asks for regions `full`, `square` and `x,y,w,h`, sizes `max`, `w,`, `,h` and `w,h`, rotation 0, the
`default` quality and `jpg`; this service also takes `pct:` regions and sizes and `!w,h` (said in
`extraFeatures`), and `color` for pages in colour. It never enlarges: a size larger than the region is a 400
without `^`, and a 501 with it (the specification's answer for a server without upscaling).
Everything here is pure: parsing returns data or raises IiifError with its HTTP status.
"""

import math
import re
from dataclasses import dataclass

from core.i18n import _

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROTOCOL = "http://iiif.io/api/image"
PROFILE = "level1"
PROFILE_DOCUMENT = "http://iiif.io/api/image/3/level1.json"
EXTRA_FEATURES = ["canonicalLinkHeader", "profileLinkHeader", "regionByPct", "sizeByConfinedWh", "sizeByPct"]
FORMATS = {"jpg": "image/jpeg"}
# A file id, a dash, a page from 1: `<media id>-<page>`. Anything else names no image here.
IDENTIFIER = re.compile(r"(\d{1,10})-(\d{1,6})")
PIXELS = r"\d{1,9}"
PERCENT = r"\d{1,9}(?:\.\d{1,9})?"
REGION_PX = re.compile(rf"({PIXELS}),({PIXELS}),({PIXELS}),({PIXELS})")
REGION_PCT = re.compile(rf"pct:({PERCENT}),({PERCENT}),({PERCENT}),({PERCENT})")
SIZE_W = re.compile(rf"({PIXELS}),")
SIZE_H = re.compile(rf",({PIXELS})")
SIZE_WH = re.compile(rf"(!?)({PIXELS}),({PIXELS})")
SIZE_PCT = re.compile(rf"pct:({PERCENT})")
ROTATION = re.compile(rf"(!?)({PERCENT})")


class IiifError(Exception):
    """A request the service refuses: `status` is its HTTP status, `message` says why in the reader's language."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Limits:
    """The largest image the service makes: `max_width` across and down (maxHeight is maxWidth), `max_area` pixels."""

    max_width: int
    max_area: int

    def fit(self, width: float, height: float) -> float:
        """The largest scale of a width × height image within the limits."""
        return min(self.max_width / width, self.max_width / height, math.sqrt(self.max_area / (width * height)))

    def allow(self, width: int, height: int) -> bool:
        return width <= self.max_width and height <= self.max_width and width * height <= self.max_area


@dataclass(frozen=True)
class ImageRequest:
    """What to make: the region of the full image (x, y, width, height), its size, quality and format."""

    box: tuple[int, int, int, int]
    size: tuple[int, int]
    quality: str
    format: str
    canonical: str  # region/size/rotation/quality.format in the canonical form

    @property
    def mimetype(self) -> str:
        return FORMATS[self.format]


def parse_identifier(identifier: str) -> tuple[int, int] | None:
    """(media id, page) named by an identifier, or None when it names no image of this service."""
    found = IDENTIFIER.fullmatch(identifier)
    return (int(found[1]), int(found[2])) if found else None


def parse_request(region: str, size: str, rotation: str, quality_format: str, width: int, height: int,
                  limits: Limits, grey: bool = False) -> ImageRequest:  # fmt: skip
    """An image request for a width × height image, checked in the order of the URL; IiifError when refused."""
    box = parse_region(region, width, height)
    scaled = parse_size(size, box[2], box[3], limits)
    parse_rotation(rotation)
    quality, format_ = parse_quality_format(quality_format)
    full = box == (0, 0, width, height)
    is_max = scaled == max_size(box[2], box[3], limits)
    canonical = "/".join(["full" if full else ",".join(map(str, box)), "max" if is_max else f"{scaled[0]},{scaled[1]}",
                          "0", f"{quality}.{format_}"])  # fmt: skip
    return ImageRequest(box, scaled, quality, format_, canonical)


def parse_region(region: str, width: int, height: int) -> tuple[int, int, int, int]:
    """The region as x, y, width, height within the image (a region past its edges is cut at them)."""
    if region == "full":
        return 0, 0, width, height
    if region == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    if found := REGION_PX.fullmatch(region):
        x, y, w, h = (int(part) for part in found.groups())
    elif found := REGION_PCT.fullmatch(region):
        px, py, pw, ph = (float(part) for part in found.groups())
        x, y = math.floor(px * width / 100), math.floor(py * height / 100)
        w = math.ceil((px + pw) * width / 100) - x if pw else 0
        h = math.ceil((py + ph) * height / 100) - y if ph else 0
    else:
        raise IiifError(400, _("The region %(region)s is not one of full, square, x,y,w,h or pct:x,y,w,h.",
                               region=region))  # fmt: skip
    if w == 0 or h == 0:
        raise IiifError(400, _("The region %(region)s has no width or no height.", region=region))
    if x >= width or y >= height:
        raise IiifError(400, _("The region %(region)s lies outside the image (%(width)s × %(height)s pixels).",
                               region=region, width=width, height=height))  # fmt: skip
    return x, y, min(w, width - x), min(h, height - y)


def max_size(width: int, height: int, limits: Limits, upscale: bool = False) -> tuple[int, int]:
    """The size `max` (or `^max`) gives a width × height region: its own, or less within the limits."""
    scale = limits.fit(width, height) if upscale else min(1.0, limits.fit(width, height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def parse_size(size: str, width: int, height: int, limits: Limits) -> tuple[int, int]:
    """The size a width × height region is scaled to; IiifError for enlargements and sizes past the limits."""
    upscale = size.startswith("^")
    form = size[1:] if upscale else size
    if form == "max":
        scaled = max_size(width, height, limits, upscale)
    elif found := SIZE_W.fullmatch(form):
        w = int(found[1])
        scaled = w, round(height * w / width)
    elif found := SIZE_H.fullmatch(form):
        h = int(found[1])
        scaled = round(width * h / height), h
    elif found := SIZE_PCT.fullmatch(form):
        percent = float(found[1])
        scaled = round(width * percent / 100), round(height * percent / 100)
    elif found := SIZE_WH.fullmatch(form):
        w, h = int(found[2]), int(found[3])
        if found[1]:  # !w,h: the largest that fits in w × h, keeping the region's proportions
            scale = min(w / width, h / height)
            w, h = min(w, round(width * scale)), min(h, round(height * scale))
        scaled = w, h
    else:
        raise IiifError(400, _("The size %(size)s is not one of max, w,, ,h, w,h, !w,h or pct:n (each may start "
                               "with ^).", size=size))  # fmt: skip
    if scaled[0] < 1 or scaled[1] < 1:
        raise IiifError(400, _("The size %(size)s would make an image less than a pixel wide or high.", size=size))
    if scaled[0] > width or scaled[1] > height:
        if upscale:
            raise IiifError(
                501,
                _(
                    "This server does not enlarge images: the size %(size)s is larger than the "
                    "region (%(width)s × %(height)s pixels).",
                    size=size,
                    width=width,
                    height=height,
                ),
            )
        raise IiifError(
            400,
            _(
                "The size %(size)s is larger than the region (%(width)s × %(height)s pixels); "
                "an enlargement is asked for with ^.",
                size=size,
                width=width,
                height=height,
            ),
        )
    if not limits.allow(*scaled):
        raise IiifError(400, _("The size %(size)s is larger than this server makes (%(width)s pixels across or "
                               "down, %(area)s pixels in all).", size=size, width=limits.max_width,
                               area=limits.max_area))  # fmt: skip
    return scaled


def parse_rotation(rotation: str) -> None:
    """Rotation 0 is all level 1 asks for; anything else, mirroring included, is refused."""
    found = ROTATION.fullmatch(rotation)
    if not found or float(found[2]) > 360:
        raise IiifError(400, _("The rotation %(rotation)s is not a number of degrees from 0 to 360.",
                               rotation=rotation))  # fmt: skip
    if found[1] or float(found[2]) != 0:
        raise IiifError(400, _("This server does not rotate or mirror images: the rotation must be 0."))


def parse_quality_format(quality_format: str) -> tuple[str, str]:
    """The quality (`default`, or its equal `color`) and the format (`jpg`)."""
    quality, dot, format_ = quality_format.rpartition(".")
    if not dot:
        raise IiifError(400, _("The request does not end with a quality and a format, such as default.jpg."))
    if quality not in ("default", "color"):
        raise IiifError(400, _("The quality %(quality)s is not offered: ask for default.", quality=quality[:40]))
    if format_ not in FORMATS:
        raise IiifError(400, _("The format %(format)s is not offered: ask for jpg.", format=format_[:40]))
    return quality, format_


def info_document(service_id: str, width: int, height: int, factors: list[int], tile: int, limits: Limits,
                  grey: bool, rights: str | None = None, part_of: list[dict] | None = None) -> dict:  # fmt: skip
    """The image information (info.json) of one image: its size, limits, tiles, the sizes it prefers."""
    sizes = []
    for factor in reversed(factors):
        size = (-(-width // factor), -(-height // factor))
        if limits.allow(*size) and size not in sizes:
            sizes.append(size)
    document = {
        "@context": CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": PROTOCOL,
        "profile": PROFILE,
        "width": width,
        "height": height,
        "maxWidth": limits.max_width,
        "maxArea": limits.max_area,
        "sizes": [{"width": w, "height": h} for w, h in sizes],
        "tiles": [{"width": tile, "height": tile, "scaleFactors": factors}],
        "extraFeatures": EXTRA_FEATURES,
    }
    if not grey:
        document["extraQualities"] = ["color"]
    if rights:
        document["rights"] = rights
    if part_of:
        document["partOf"] = part_of
    return document
