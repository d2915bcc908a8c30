"""A red round official seal (公章) image drawn from the office name.

Layout of a round 公章: a red ring, a five-pointed star in the centre, the office name along the
upper arc (each character turned to face outwards), optional text under the star. 印文 in 宋体
(here Noto Serif CJK SC). The usual size for an office seal is 42 mm; at 300 dpi that is a
496 px square PNG whose background is transparent, so it can be laid over the 署名 and 成文日期.

The image is drawn at 4× and downsampled (Pillow draws shapes without anti-aliasing), and is
deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from toolkit.issuing.fonts import require_family

MM_PER_INCH = 25.4
SUPERSAMPLE = 4
SEAL_RED = (220, 16, 24)


class SealError(ValueError):
    """A seal that cannot be drawn (no name, name too long for the arc)."""


@dataclass(frozen=True)
class SealGeometry:
    """Proportions of the seal as fractions of its radius (42 mm seal: ring 1.2 mm, star ⌀14 mm)."""

    ring: float = 0.055  # ring width
    star: float = 0.31  # star's circumscribed radius
    text_radius: float = 0.70  # radius of the name characters' centres
    text_size: float = 0.27  # character height
    max_arc_deg: float = 250.0  # the name never runs further round than this
    max_arc_with_bottom_deg: float = 210.0  # … and leaves room for the text under the star
    step_deg: float = 31.0  # preferred angle between two characters
    bottom_y: float = 0.50  # centre of the text under the star, below the seal's centre
    bottom_size: float = 0.17


def seal_size_px(diameter_mm: float = 42.0, dpi: int = 300) -> int:
    return round(diameter_mm / MM_PER_INCH * dpi)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    found = require_family("Noto Serif CJK SC:bold", "Noto Serif CJK SC", "fonts-noto-cjk")
    return ImageFont.truetype(str(found.path), size, index=found.index)


def _glyph(char: str, height: int, width: int) -> Image.Image:
    """One character as an L mask, ink centred in a ``width`` × ``height`` box (squeezed
    horizontally when the arc is crowded, as seal engravers do)."""
    font = _font(height)
    left, top, right, bottom = font.getbbox(char)
    canvas = Image.new("L", (height, height), 0)
    ImageDraw.Draw(canvas).text(
        ((height - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top),
        char,
        font=font,
        fill=255,
    )
    return canvas if width == height else canvas.resize((width, height), Image.LANCZOS)


def _star_points(cx: float, cy: float, r_outer: float) -> list[tuple[float, float]]:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for k in range(10):
        angle = math.radians(-90 + 36 * k)  # first point straight up
        r = r_outer if k % 2 == 0 else r_inner
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def seal_mask(
    name: str,
    *,
    bottom_text: str | None = None,
    size_px: int,
    geometry: SealGeometry = SealGeometry(),
) -> Image.Image:
    """The seal's ink as an L image of ``size_px`` square (255 = ink)."""
    name = name.strip()
    if not name:
        raise SealError("a seal needs the office name")
    g = geometry
    big = size_px * SUPERSAMPLE
    R = big / 2
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)

    ring = g.ring * R
    draw.ellipse((0, 0, big - 1, big - 1), fill=255)
    draw.ellipse((ring, ring, big - 1 - ring, big - 1 - ring), fill=0)
    draw.polygon(_star_points(R, R, g.star * R), fill=255)

    n = len(name)
    max_arc = g.max_arc_with_bottom_deg if bottom_text else g.max_arc_deg
    spread = min(max_arc, g.step_deg * (n - 1)) if n > 1 else 0.0
    step = spread / (n - 1) if n > 1 else 0.0
    height = round(g.text_size * R)
    arc_per_char = g.text_radius * R * math.radians(step) if n > 1 else height
    width = max(1, min(height, round(arc_per_char * 0.92)))
    if width < height * 0.45:
        raise SealError(f"office name too long for a round seal: {name!r} ({n} characters)")
    for i, char in enumerate(name):
        theta = -spread / 2 + i * step  # degrees clockwise from 12 o'clock
        glyph = _glyph(char, height, width).rotate(-theta, resample=Image.BICUBIC, expand=True)
        x = R + g.text_radius * R * math.sin(math.radians(theta))
        y = R - g.text_radius * R * math.cos(math.radians(theta))
        mask.paste(255, (round(x - glyph.width / 2), round(y - glyph.height / 2)), glyph)

    if bottom_text:
        bottom_text = bottom_text.strip()
        b_height = round(g.bottom_size * R)
        font = _font(b_height)
        left, top, right, bottom = font.getbbox(bottom_text)
        max_width = 0.9 * R  # clear of the ring and the ends of the name
        line = Image.new("L", (right - left, bottom - top), 0)
        ImageDraw.Draw(line).text((-left, -top), bottom_text, font=font, fill=255)
        if line.width > max_width:
            line = line.resize((round(max_width), line.height), Image.LANCZOS)
        cy = R + g.bottom_y * R
        mask.paste(255, (round(R - line.width / 2), round(cy - line.height / 2)), line)

    return mask.resize((size_px, size_px), Image.LANCZOS)


def make_seal(
    name: str,
    *,
    bottom_text: str | None = None,
    diameter_mm: float = 42.0,
    dpi: int = 300,
    color: tuple[int, int, int] = SEAL_RED,
    opacity: float = 0.88,
) -> Image.Image:
    """The seal as an RGBA image: ``color`` where there is ink, transparent elsewhere. A little
    below full opacity so the 署名 and 成文日期 under it stay legible, as under real ink."""
    mask = seal_mask(name, bottom_text=bottom_text, size_px=seal_size_px(diameter_mm, dpi))
    alpha = mask.point(lambda v: round(v * opacity))
    image = Image.new("RGBA", mask.size, (*color, 0))
    image.putalpha(alpha)
    return image


def seal_png(
    name: str,
    *,
    bottom_text: str | None = None,
    diameter_mm: float = 42.0,
    dpi: int = 300,
) -> bytes:
    """The seal as PNG bytes, with its dpi recorded so DOCX/PDF consumers size it correctly."""
    image = make_seal(name, bottom_text=bottom_text, diameter_mm=diameter_mm, dpi=dpi)
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()
