"""PDF reader: a PDF file → ``ReadResult`` of logical paragraphs (``Block``s).

pypdfium2 opens and validates the file (encryption, damage, page count, which pages carry text),
gives the characters with their positions, fonts and colours (``pdf_chars``: PDFium's C parser,
about 30 times faster than pdfminer's, grouped into lines by pdfplumber's own text-line code) and
renders scanned pages for OCR.
Everything about paragraphs, headers and page numbers is in ``extractors.layout``.
"""

from __future__ import annotations

import mmap
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.layout import Line, blocks_from_lines, measure
from extractors.readers import ocr as ocr_mod
from extractors.readers import pdf_chars
from extractors.readers.base import ReadError, ReadResult

X_TOLERANCE = 3.0  # pdfplumber's default: a gap wider than this between characters is a blank
CELL_GAP = 3.0  # in characters: a wider gap splits a line into cells

_BOLD_FACE = re.compile(r"bold|heavy|black|semibold|demi|hei|sans|gothic|黑", re.I)
_SUBSET = re.compile(r"^[A-Z]{6}\+")


@dataclass
class _Probe:
    pages: int
    metadata: dict[str, str]
    textless: list[int] = field(default_factory=list)  # 1-based pages without a text layer
    images: set[int] = field(default_factory=set)  # 1-based pages holding an image


def read_pdf(path: str | Path, *, ocr: bool | None = None) -> ReadResult:
    """Read a PDF into blocks.

    ``ocr``: ``None`` OCRs the pages that have no text layer when Tesseract ``chi_sim`` is
    installed; ``True`` OCRs every page (a broken text layer); ``False`` never OCRs.
    Raises ``ReadError`` with one reason for anything that is not a readable PDF.
    """
    name = str(path)
    p = Path(path)
    _check_file(p, name)
    probe = _probe(p, name)
    warnings: list[str] = []
    lines: list[Line] = []
    unreadable: list[int] = []

    if ocr is True:
        reason = ocr_mod.unavailable_reason()
        if reason:
            raise ReadError(name, f"OCR requested but Tesseract {ocr_mod.LANG} is not available ({reason})")
        to_ocr = list(range(1, probe.pages + 1))
    else:
        lines, unreadable = _text_layer(p, name, probe, warnings)
        to_ocr = sorted(set(pg for pg in probe.textless if pg in probe.images) | set(unreadable))

    ocr_lines: list[Line] = []
    skipped: list[int] = []
    if to_ocr and ocr is not False and ocr_mod.available():
        ocr_lines = _ocr(p, name, to_ocr)
        why = "OCR requested" if ocr is True else "no usable text layer"
        warnings.append(
            f"page(s) {_ranges(to_ocr)}: {why}, read by OCR (Tesseract {ocr_mod.LANG}, "
            f"{ocr_mod.DPI} dpi); check quotations against the original"
        )
    elif to_ocr:
        why = "OCR is turned off" if ocr is False else f"Tesseract {ocr_mod.LANG} is not installed"
        scans = [pg for pg in to_ocr if pg in probe.images and pg not in unreadable]
        if not lines:
            what = "image-only PDF (scan)" if scans else "PDF text without a character map (cid codes)"
            raise ReadError(name, f"{what} and {why}")
        if len(scans) == len(to_ocr):
            what = "image only"
        elif not scans:
            what = "text without a character map (cid codes)"
        else:
            what = "image only or text without a character map"
        warnings.append(f"page(s) {_ranges(to_ocr)}: {what}, skipped ({why})")
        skipped = list(to_ocr)

    body_size = measure(lines).size if lines else None
    all_lines = sorted(lines + ocr_mod.snap_sizes(ocr_lines, body_size), key=lambda ln: ln.page)
    blocks = blocks_from_lines(all_lines)
    if not blocks:
        raise ReadError(name, "no text on any page (blank PDF)")
    return ReadResult(
        path=name,
        format="pdf",
        blocks=blocks,
        pages=probe.pages,
        ocr=bool(ocr_lines),
        warnings=warnings,
        metadata=probe.metadata,
        ocr_pages=list(to_ocr) if ocr_lines else [],
        skipped_pages=skipped,
    )


# --- validation ------------------------------------------------------------------------------


def _check_file(p: Path, name: str) -> None:
    if not p.exists():
        raise ReadError(name, "file not found")
    if not p.is_file():
        raise ReadError(name, "not a file")
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise ReadError(name, f"cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise ReadError(name, "empty file (0 bytes)")
    if b"%PDF-" not in head:
        raise ReadError(name, "not a PDF (no %PDF- header)")


def _has_eof_marker(p: Path) -> bool:
    with p.open("rb") as fh:
        fh.seek(max(0, p.stat().st_size - 2048))
        return b"%%EOF" in fh.read()


def _has_encrypt_dict(p: Path) -> bool:
    with p.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(b"/Encrypt") != -1


def _damage_reason(p: Path, exc: Exception) -> str:
    # PDFium rejects a PDF with an empty page tree as a format error; pdfminer tells them apart.
    try:
        with pdfplumber.open(p) as pdf:
            if len(pdf.pages) == 0:
                return "PDF has no pages"
    except Exception:
        pass
    if not _has_eof_marker(p):
        return "truncated PDF (no %%EOF marker at the end)"
    return f"corrupt PDF ({exc})"


def _probe(p: Path, name: str) -> _Probe:
    try:
        doc = pdfium.PdfDocument(str(p))
    except pdfium.PdfiumError as exc:
        # PDFium's error code can be stale from an earlier failure: confirm with the file itself.
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD and _has_encrypt_dict(p):
            raise ReadError(name, "encrypted PDF (password required)") from None
        raise ReadError(name, _damage_reason(p, exc)) from None
    except Exception as exc:  # pdfium rarely fails otherwise; never show a traceback
        raise ReadError(name, f"corrupt PDF ({exc})") from None
    try:
        n = len(doc)
        if n == 0:
            raise ReadError(name, "PDF has no pages")
        try:
            metadata = {k: str(v) for k, v in doc.get_metadata_dict(skip_empty=True).items()}
        except Exception:
            metadata = {}
        probe = _Probe(pages=n, metadata=metadata)
        for i in range(n):
            page = doc[i]
            try:
                textpage = page.get_textpage()
                if textpage.count_chars() == 0:
                    probe.textless.append(i + 1)
                    if any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))):
                        probe.images.add(i + 1)
                textpage.close()
            finally:
                page.close()
        return probe
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(name, f"corrupt PDF ({exc})") from None
    finally:
        doc.close()


# --- text layer ------------------------------------------------------------------------------


@dataclass
class _PageText:
    lines: list[Line]
    rotated: int = 0  # characters skipped because they are not upright


def _text_layer(p: Path, name: str, probe: _Probe, warnings: list[str]) -> tuple[list[Line], list[int]]:
    """Lines of every page with a text layer, and the pages whose text is unmapped (cid codes)."""
    skip = set(probe.textless)
    lines: list[Line] = []
    unreadable: list[int] = []
    failed: list[str] = []
    rotated: list[int] = []
    try:
        doc = pdfium.PdfDocument(str(p))
    except Exception as exc:
        raise ReadError(name, f"corrupt PDF ({type(exc).__name__}: {exc})") from None
    try:
        for number in range(1, len(doc) + 1):
            if number in skip:
                continue
            try:
                text = _page_lines(doc, number)
            except Exception as exc:  # one damaged content stream: keep the other pages, say so
                failed.append(f"{number} ({type(exc).__name__})")
                continue
            if text.rotated > 50:
                rotated.append(number)
            if _cid_share(text.lines) > 0.3:
                unreadable.append(number)
                continue
            lines.extend(text.lines)
    finally:
        doc.close()
    if failed and not lines:
        raise ReadError(name, f"corrupt PDF (no page could be read: {', '.join(failed)})")
    if failed:
        warnings.append(f"page(s) {', '.join(failed)}: text could not be extracted, skipped")
    if rotated:
        warnings.append(f"page(s) {_ranges(rotated)}: rotated text skipped (watermark, stamp or landscape table)")
    return lines, unreadable


def _page_lines(doc: pdfium.PdfDocument, number: int) -> _PageText:
    page = doc[number - 1]
    try:
        textpage = page.get_textpage()
        try:
            chars = pdf_chars.page_chars(page, textpage)
        finally:
            textpage.close()
        return page_text(pdf_chars.text_lines(chars, page.get_width(), page.get_height()), number)
    finally:
        page.close()


def _cid_share(lines: list[Line]) -> float:
    total = sum(len(ln.text) for ln in lines)
    if not total:
        return 0.0
    return sum(len("".join(re.findall(r"\(cid:\d+\)", ln.text))) for ln in lines) / total


_face_cache: dict[str, tuple[str, bool]] = {}
_red_cache: dict[Any, bool] = {}


def _face(fontname: str) -> tuple[str, bool]:
    """Font name without the subset prefix, and whether it is a bold / 黑体-like face."""
    hit = _face_cache.get(fontname)
    if hit is None:
        clean = _SUBSET.sub("", fontname)
        if not clean.isascii():
            # Chinese font names arrive as GBK bytes read as Latin-1 (黑体 → "ºÚÌå").
            try:
                clean = clean.encode("latin-1").decode("gbk")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        hit = _face_cache[fontname] = (clean, bool(_BOLD_FACE.search(clean)))
    return hit


def _is_red(color: Any) -> bool:
    try:
        hit = _red_cache.get(color)
    except TypeError:  # an unhashable colour (a list): rare, compute directly
        return _red(color)
    if hit is None:
        hit = _red_cache[color] = _red(color)
    return hit


def _red(color: Any) -> bool:
    if not isinstance(color, (tuple, list)) or not all(isinstance(v, (int, float)) for v in color):
        return False
    if len(color) == 3:
        r, g, b = color
        return r >= 0.55 and g <= 0.35 and b <= 0.35
    if len(color) == 4:
        c, m, y, k = color
        return m >= 0.6 and y >= 0.5 and c <= 0.3 and k <= 0.3
    return False


def page_text(text_lines: list[dict[str, Any]], page: int) -> _PageText:
    """pdfplumber ``extract_text_lines(return_chars=True)`` output → ``Line``s (one pass per char)."""
    out = _PageText(lines=[])
    for tl in text_lines:
        line = _line(tl["chars"], page, out)
        if line is not None:
            out.lines.append(line)
    return out


def _line(chars: list[dict[str, Any]], page: int, stats: _PageText) -> Line | None:
    cells: list[list[str]] = [[]]
    prev: dict[str, Any] | None = None
    pending_space = False
    sizes: Counter[float] = Counter()
    red = n = 0
    first = None
    first_doubled = False
    faces = set()
    x0 = x1 = top = bottom = 0.0
    for c in chars:
        if not c.get("upright", True):
            stats.rotated += 1  # watermarks, stamps
            continue
        t = c["text"]
        if t.isspace():
            pending_space = True
            continue
        size = c["size"]
        if prev is not None:
            if t == prev["text"] and abs(c["x0"] - prev["x0"]) < 1 and abs(c["top"] - prev["top"]) < 1:
                # The same glyph drawn twice, slightly offset: "fake bold" of some producers.
                first_doubled = first_doubled or n == 1
                continue
            # Same comparison as pdfplumber's word splitting, so blanks come out as in extract_text.
            if c["x0"] > prev["x1"] + CELL_GAP * size:
                cells.append([])
                pending_space = False
            elif pending_space or c["x0"] > prev["x1"] + X_TOLERANCE:
                cells[-1].append(" ")
        pending_space = False
        cells[-1].append(t)
        prev = c
        sizes[round(size, 1)] += 1
        n += 1
        face = _face(c["fontname"])
        faces.add(face[0])
        if first is None:
            first = face
            x0, top, bottom = c["x0"], c["top"], c["bottom"]
        else:
            top = min(top, c["top"])
            bottom = max(bottom, c["bottom"])
        x1 = c["x1"]
        if _is_red(c.get("non_stroking_color")):
            red += 1
    if not n or first is None:
        return None
    cell_texts = tuple("".join(cell) for cell in cells)
    return Line(
        text=" ".join(cell_texts),
        page=page,
        x0=x0,
        x1=x1,
        top=top,
        bottom=bottom,
        size=sizes.most_common(1)[0][0],
        font=first[0],
        bold=first[1] or first_doubled,
        red=red * 2 > n,
        uniform=len(faces) == 1,
        cells=cell_texts if len(cell_texts) > 1 else (),
    )


# --- OCR -------------------------------------------------------------------------------------


def _ocr(p: Path, name: str, pages: list[int]) -> list[Line]:
    try:
        doc = pdfium.PdfDocument(str(p))
    except Exception as exc:
        raise ReadError(name, f"cannot render pages for OCR ({exc})") from None
    lines: list[Line] = []
    try:
        for number in pages:
            page = doc[number - 1]
            try:
                lines.extend(ocr_mod.ocr_page(page, number))
            finally:
                page.close()
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(name, f"OCR failed ({type(exc).__name__}: {exc})") from None
    finally:
        doc.close()
    return lines


def _ranges(pages: list[int]) -> str:
    """[1, 2, 3, 7] → '1-3, 7'."""
    out: list[str] = []
    start = prev = None
    for pg in sorted(pages):
        if start is None:
            start = prev = pg
        elif pg == prev + 1:
            prev = pg
        else:
            out.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = pg
    if start is not None:
        out.append(f"{start}-{prev}" if start != prev else str(start))
    return ", ".join(out)
