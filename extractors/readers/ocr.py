"""OCR of scanned PDF pages with Tesseract ``chi_sim``: page image → positioned ``Line``s.

The lines go through the same layout pass as a text layer (``extractors.layout``), so headers,
page numbers and wrapped paragraphs are handled alike. Pages are rendered with pypdfium2 at
150 dpi: Tesseract's Chinese model reads these documents best there (300 dpi makes errors such as
责 → 贡). Font sizes are estimated from line heights and snapped to the body size, since OCR boxes
jitter by a pixel or two from line to line.
"""

from __future__ import annotations

import functools
import shutil
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from extractors.layout import Line

DPI = 150
LANG = "chi_sim"
# A CJK glyph's ink box is ~0.9 em tall; line boxes from Tesseract hug the ink.
_INK_TO_EM = 0.96
# Single column of text of variable sizes: better than automatic segmentation (3) on these
# pages, which splits wrapped lines into stray blocks, and faster than one uniform block (6).
_CONFIG = "--psm 4"


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when OCR can run here, else why not (for the ReadError of a scan)."""
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed"
    try:
        import pytesseract

        if LANG not in pytesseract.get_languages(config=""):
            return f"Tesseract {LANG} language data is not installed"
    except Exception as exc:  # a broken install: say so instead of failing later
        return f"Tesseract does not run ({exc})"
    return None


def available() -> bool:
    return unavailable_reason() is None


def _join_words(words: Sequence[str]) -> str:
    """Words of one line → text: a blank between Latin words only. Tesseract's CJK word boxes
    overlap and jitter too much to tell a typographic blank (``第一条 为``) from a word break."""
    text = ""
    for w in words:
        if text and text[-1].isascii() and text[-1].isalnum() and w[0].isascii() and w[0].isalnum():
            text += " "
        text += w
    return text


def _red_share(image: Any, box: tuple[int, int, int, int]) -> float:
    """Share of the inked pixels in box that are red (发文机关标志, seals)."""
    from PIL import ImageChops

    crop = image.crop(box).convert("RGB")
    if crop.width == 0 or crop.height == 0:
        return 0.0
    r, g, b = crop.split()
    high_r = r.point(lambda v: 255 if v > 150 else 0)
    low_r = r.point(lambda v: 255 if v < 110 else 0)
    low_g = g.point(lambda v: 255 if v < 110 else 0)
    low_b = b.point(lambda v: 255 if v < 110 else 0)
    low_gb = ImageChops.multiply(low_g, low_b)
    red = ImageChops.multiply(high_r, low_gb).histogram()[255]
    dark = ImageChops.multiply(low_r, low_gb).histogram()[255]
    return red / (red + dark) if red + dark else 0.0


def lines_from_data(data: dict[str, list[Any]], page: int, dpi: int = DPI, image: Any = None) -> list[Line]:
    """``pytesseract.image_to_data`` (dict output) → one ``Line`` per Tesseract text line."""
    scale = 72.0 / dpi
    words: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    line_height: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        level = int(data["level"][i])
        if level == 4:
            line_height[key] = int(data["height"][i])
        elif level == 5 and str(text).strip() and float(data["conf"][i]) >= 0:
            words[key].append(i)
    lines = []
    for key, idxs in words.items():
        idxs.sort(key=lambda i: data["left"][i])
        left = min(data["left"][i] for i in idxs)
        right = max(data["left"][i] + data["width"][i] for i in idxs)
        top = min(data["top"][i] for i in idxs)
        bottom = max(data["top"][i] + data["height"][i] for i in idxs)
        # Tesseract's line box is steadier than its word boxes (those of CJK words jitter).
        height = line_height.get(key) or bottom - top
        # Cells: a gap wider than three characters splits the line (tables, 印发机关 … 日期).
        cells: list[list[str]] = [[]]
        prev_right = None
        for i in idxs:
            if prev_right is not None and data["left"][i] - prev_right > 3 * height:
                cells.append([])
            cells[-1].append(str(data["text"][i]).strip())
            prev_right = data["left"][i] + data["width"][i]
        cell_texts = tuple(_join_words(c) for c in cells)
        red = image is not None and _red_share(image, (left, top, right, bottom)) > 0.5
        lines.append(
            Line(
                text=" ".join(cell_texts),
                page=page,
                x0=left * scale,
                x1=right * scale,
                top=top * scale,
                bottom=bottom * scale,
                size=round(height * scale / _INK_TO_EM, 1),
                red=red,
                cells=cell_texts if len(cell_texts) > 1 else (),
            )
        )
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    if image is not None:
        lines = _drop_page_marks(lines, image.height * scale)
    return lines


def _drop_page_marks(lines: list[Line], page_height: float) -> list[Line]:
    """Drop a short line standing alone in the top or bottom margin: a page number that OCR
    misread (``— 5 —`` comes out as ``与。``), so the text-layer patterns cannot catch it."""
    keep = []
    for i, ln in enumerate(lines):
        short = len(ln.text.replace(" ", "")) <= 6
        margin = ln.top > 0.88 * page_height or ln.bottom < 0.08 * page_height
        others = [o for j, o in enumerate(lines) if j != i]
        gap = min((max(o.top - ln.bottom, ln.top - o.bottom) for o in others), default=0.0)
        if short and margin and gap > 1.5 * (ln.bottom - ln.top):
            continue
        keep.append(ln)
    return keep


def snap_sizes(lines: Sequence[Line], target: float | None = None, tolerance: float = 0.15) -> list[Line]:
    """Sizes within ±15 % of the body size become that size (box jitter is not style).

    The body size is ``target`` (the text layer's, when other pages have one) or the commonest
    OCR size.
    """
    if not lines:
        return []
    body = target or Counter(round(ln.size * 2) / 2 for ln in lines).most_common(1)[0][0]
    return [replace(ln, size=body) if abs(ln.size - body) <= tolerance * body else ln for ln in lines]


def ocr_page(pdf_page: Any, page: int, dpi: int = DPI) -> list[Line]:
    """Render one pypdfium2 page and OCR it."""
    import pytesseract

    image = pdf_page.render(scale=dpi / 72.0).to_pil().convert("RGB")
    data = pytesseract.image_to_data(image, lang=LANG, config=_CONFIG, output_type=pytesseract.Output.DICT)
    return lines_from_data(data, page, dpi, image)
