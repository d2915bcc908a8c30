"""Characters of a PDF page from PDFium, shaped like pdfplumber's ``page.chars``.

pdfplumber builds its characters by interpreting the content stream in pure Python (pdfminer),
which is about 90% of an ingest's time. PDFium has already parsed the page in C; this module
reads each character's text, box, size, font, colour and orientation from it and hands them to
pdfplumber's own line and word grouping (``chars_to_textmap``), so the lines come out as
``page.extract_text_lines`` would give them.

Where PDFium and pdfminer measure a character differently, we follow pdfminer's definitions:
- the box is the advance box: ``x0`` at the glyph origin, ``x1 = x0 + advance``; PDFium's loose
  box is used for the advance except where it is wider than the em of a full-width (CJK) glyph,
  which happens for some embedded CFF subsets whose glyph metrics exceed their /Widths;
- vertically the box runs from the baseline to one font size above it (pdfminer adds the font
  descriptor's /Descent, which PDF producers of this corpus leave at 0; PDFium does not expose it);
- blanks PDFium infers from gaps ("generated" spaces) are dropped: the line builder infers its
  own from the same gaps, as it does for pdfminer, whose characters are only the glyphs drawn.
  (PDFium also reports some drawn space glyphs as generated; they sit in gaps wider than the
  blank threshold, so the same blank comes back.)
"""

from __future__ import annotations

import ctypes
import math
from functools import lru_cache
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils import chars_to_textmap

_LINE_BREAKS = {"\r", "\n"}
_FULL_WIDTH_FROM = 0x2E80  # CJK radicals and up: glyphs one em wide


def page_chars(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[dict[str, Any]]:
    """Every character of a page in content order, with pdfplumber's keys."""
    raw = textpage.raw
    height = page.get_height()
    n = pdfium_c.FPDFText_CountChars(raw)
    rect = pdfium_c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    texts = _all_text(raw, n)
    get_object = pdfium_c.FPDFText_GetTextObject
    is_generated = pdfium_c.FPDFText_IsGenerated
    unmapped = pdfium_c.FPDFText_HasUnicodeMapError
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    origin = pdfium_c.FPDFText_GetCharOrigin
    reader = _StyleReader(raw)
    styles: dict[int, _Style] = {}  # per text object: size, font, orientation and colour are shared
    chars: list[dict[str, Any]] = []
    for i in range(n):
        text = texts[i]
        if text in _LINE_BREAKS or (text == " " and is_generated(raw, i)):
            continue  # PDFium's own line ends and inferred blanks: both are rebuilt from positions
        obj = get_object(raw, i)
        if not obj:
            continue
        if unmapped(raw, i):
            # No Unicode for this glyph: PDFium hands back the raw code; pdfminer writes (cid:N),
            # which the reader counts to send such pages to OCR.
            text = f"(cid:{ord(text)})"
        key = ctypes.addressof(obj.contents)
        style = styles.get(key)
        if style is None:
            style = styles[key] = reader.style(i, obj)
        size, name, upright, color = style
        loose_box(raw, i, rect)
        origin(raw, i, ox, oy)
        x0 = ox.value
        advance = rect.right - rect.left
        if advance > size and len(text) == 1 and ord(text) >= _FULL_WIDTH_FROM:
            advance = size
        base = height - oy.value
        chars.append({
            "text": text,
            "x0": x0,
            "x1": x0 + advance,
            "top": base - size,
            "bottom": base,
            "doctop": base - size,
            "size": size,
            "fontname": name,
            "upright": upright,
            "non_stroking_color": color,
        })
    return chars


def _all_text(raw: Any, n: int) -> str | list[str]:
    """The page's characters in one call; one per index (per-character calls when a character
    outside the BMP makes UTF-16 indices differ from PDFium's)."""
    buf = ctypes.create_string_buffer(2 * (n + 1))
    got = pdfium_c.FPDFText_GetText(raw, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    text = buf.raw[: 2 * max(got - 1, 0)].decode("utf-16-le", errors="replace")
    if len(text) == n:
        return text
    return [chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(n)]


_Style = tuple[float, str, bool, tuple[float, float, float]]


class _StyleReader:
    """What one text object's characters share, read once per object (ctypes calls are the cost)."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.matrix = pdfium_c.FS_MATRIX()
        self.size = ctypes.c_float()
        self.rgba = tuple(ctypes.c_uint() for _ in range(4))
        self.fonts: dict[int, str] = {}  # font handle → name, valid while the page is open

    def style(self, i: int, obj: Any) -> _Style:
        m, rgba = self.matrix, self.rgba
        pdfium_c.FPDFText_GetMatrix(self.raw, i, m)
        pdfium_c.FPDFTextObj_GetFontSize(obj, self.size)
        pdfium_c.FPDFText_GetFillColor(self.raw, i, *rgba)
        font = pdfium_c.FPDFTextObj_GetFont(obj)
        key = ctypes.addressof(font.contents)
        name = self.fonts.get(key)
        if name is None:
            name = self.fonts[key] = _font_name(font)
        return (
            self.size.value * math.hypot(m.c, m.d),
            name,
            m.a * m.d > 0 and m.b * m.c <= 0,  # pdfminer's test for an upright character
            (rgba[0].value / 255, rgba[1].value / 255, rgba[2].value / 255),
        )


def text_lines(chars: list[dict[str, Any]], width: float, height: float) -> list[dict[str, Any]]:
    """pdfplumber's ``extract_text_lines(return_chars=True, keep_blank_chars=True)`` over ``chars``."""
    if not chars:
        return []
    textmap = chars_to_textmap(
        chars, layout_bbox=(0, 0, width, height), layout_width=width, layout_height=height,
        keep_blank_chars=True,
    )
    return textmap.extract_text_lines(strip=True, return_chars=True)


def _font_name(font: Any) -> str:
    size = 256
    buf = ctypes.create_string_buffer(size)
    n = pdfium_c.FPDFFont_GetBaseFontName(font, buf, size)
    return _decode(buf.raw[: max(n - 1, 0)])


@lru_cache(maxsize=256)
def _decode(name: bytes) -> str:
    # pdfminer reads names as UTF-8 and falls back to one byte per character; so do we, so that
    # the reader's GBK repair (黑体 read as "ºÚÌå") sees the same strings.
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        return name.decode("latin-1")
