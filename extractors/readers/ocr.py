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
from extractors.normalize import is_cjk

DPI = 150
LANG = "chi_sim"
# A CJK glyph's ink box is ~0.9 em tall; line boxes from Tesseract hug the ink.
_INK_TO_EM = 0.9


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
    text = ""
    for w in words:
        if text and text[-1].isascii() and text[-1].isalnum() and w[0].isascii() and w[0].isalnum():
            text += " "
        text += w
    return text


def _red_share(image: Any, box: tuple[int, int, int, int]) -> float:
    """Share of the inked pixels in box that are red (发文机关标志, seals)."""
    import numpy as np

    arr = np.asarray(image.crop(box).convert("RGB"), dtype=np.int16)
    if arr.size == 0:
        return 0.0
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    red = (r > 150) & (g < 110) & (b < 110)
    dark = (r < 110) & (g < 110) & (b < 110)
    total = int(red.sum() + dark.sum())
    return float(red.sum()) / total if total else 0.0


def lines_from_data(data: dict[str, list[Any]], page: int, dpi: int = DPI, image: Any = None) -> list[Line]:
    """``pytesseract.image_to_data`` (dict output) → one ``Line`` per Tesseract text line."""
    scale = 72.0 / dpi
    words: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, text in enumerate(data["text"]):
        if int(data["level"][i]) == 5 and str(text).strip() and float(data["conf"][i]) >= 0:
            words[(data["block_num"][i], data["par_num"][i], data["line_num"][i])].append(i)
    lines = []
    for idxs in words.values():
        idxs.sort(key=lambda i: data["left"][i])
        left = min(data["left"][i] for i in idxs)
        right = max(data["left"][i] + data["width"][i] for i in idxs)
        top = min(data["top"][i] for i in idxs)
        bottom = max(data["top"][i] + data["height"][i] for i in idxs)
        # The line's CJK glyphs give its size; punctuation boxes are small, so take a high value.
        heights = sorted(data["height"][i] for i in idxs if any(is_cjk(c) for c in str(data["text"][i])))
        height = heights[int(0.75 * (len(heights) - 1))] if heights else bottom - top
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
    return lines


def snap_sizes(lines: Sequence[Line], tolerance: float = 0.15) -> list[Line]:
    """Sizes within ±15 % of the commonest OCR size become that size (box jitter is not style)."""
    if not lines:
        return []
    body = Counter(round(ln.size * 2) / 2 for ln in lines).most_common(1)[0][0]
    return [replace(ln, size=body) if abs(ln.size - body) <= tolerance * body else ln for ln in lines]


def ocr_page(pdf_page: Any, page: int, dpi: int = DPI) -> list[Line]:
    """Render one pypdfium2 page and OCR it."""
    import pytesseract

    image = pdf_page.render(scale=dpi / 72.0).to_pil().convert("RGB")
    data = pytesseract.image_to_data(image, lang=LANG, output_type=pytesseract.Output.DICT)
    return lines_from_data(data, page, dpi, image)
