"""Plain text and Markdown reader: lines of a .txt / .md file → logical paragraphs (``Block``s).

Two inputs, two notions of a paragraph:

* ``.txt`` files are raw extractions from PDFs (see tests/data/seeds/README.md). Their line breaks
  and blank lines are layout, not structure: a hard wrap, a page that ended mid-sentence. A break
  is a paragraph break only when the text before it ends a paragraph or the text after it starts
  one (rules in ``extractors.readers.paragraphs``). Page-number lines are dropped; Markdown marks
  a converter left behind (``#``, ``**``, ``---``, ``- ``) are stripped, ``#`` levels kept.
* ``.md`` files are Markdown: a blank line separates paragraphs, lines inside a paragraph are
  soft-wrapped, ``<!-- … -->`` comments are dropped (the metadata lines before
  ``<!-- INFO END -->`` are kept as blocks).

Titles the extraction joined with blanks where the PDF wrapped them ("…医疗机构 医疗保障定点管理
暂行办法 有效期的通知") keep those blanks: a blank between two CJK characters can be real (joint
issuers "中共中央 国务院"), so the reader leaves the decision to the chain parser, which knows it is
looking at a title.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from extractors.normalize import join_wrapped, normalize_spaces
from extractors.readers.base import Block, ReadError, ReadResult, Style
from extractors.readers.paragraphs import continues, is_page_number, join_pieces

MARKDOWN_SUFFIXES = {".md", ".markdown"}

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*$")
_MD_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
_MD_LIST = re.compile(r"^[-*+][ \t]+(?=\S)")
_MD_BOLD_LEAD = re.compile(r"^\*\*")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_STRIP = " \t\r\f\v\u3000\ufeff"

_MAGIC = [
    (b"%PDF-", "a PDF file, not text"),
    (b"PK\x03\x04", "a zip archive (DOCX?), not text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office (OLE2) binary, not text"),
]


@dataclass(frozen=True)
class _Line:
    """One physical line after clean-up."""

    number: int  # 1-based line in the file
    kind: str  # text | blank | page | rule | heading
    text: str = ""
    level: int | None = None
    bold: bool = False


@dataclass
class _Para:
    text: str
    line: int
    last: str
    style: Style


def read_text(path: str | Path) -> ReadResult:
    """Read a .txt (raw extraction) or .md (Markdown) file into paragraphs."""
    p = Path(path)
    text, encoding = decode(_read_bytes(p), str(p))
    fmt = "markdown" if p.suffix.lower() in MARKDOWN_SUFFIXES else "text"
    blocks = markdown_blocks(text) if fmt == "markdown" else text_blocks(text)
    if not blocks:
        raise ReadError(str(p), "no text: the file holds only blanks, page numbers or comments")
    return ReadResult(path=str(p), format=fmt, blocks=blocks, metadata={"encoding": encoding})


def _read_bytes(p: Path) -> bytes:
    if not p.exists():
        raise ReadError(str(p), "file not found")
    if p.is_dir():
        raise ReadError(str(p), "is a directory, not a file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ReadError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    if not raw:
        raise ReadError(str(p), "empty file (0 bytes)")
    return raw


def decode(raw: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Bytes → text: UTF-16 or UTF-8 by their BOM, UTF-8, else GB18030; binaries are refused by
    signature. UTF-16 is tried first because its text is full of NUL bytes (Windows Notepad's
    "Unicode" is UTF-16 LE with a BOM)."""
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise ReadError(name, what)
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec), codec
            except UnicodeDecodeError as exc:
                raise ReadError(name, f"undecodable text: begins with a {codec.upper()} byte-order mark "
                                      f"but is not {codec.upper()} (offset {exc.start + len(bom)})") from exc
    if b"\x00" in raw[:4096]:
        raise ReadError(name, "binary data (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            raise ReadError(
                name,
                f"undecodable text: not UTF-8 (byte 0x{raw[utf8_error.start]:02x} at offset "
                f"{utf8_error.start}) and not GB18030 (byte 0x{raw[gb_error.start]:02x} at "
                f"offset {gb_error.start})",
            ) from gb_error


# --------------------------------------------------------------------------- raw extractions


def classify(number: int, raw: str) -> _Line:
    """Clean one physical line of a raw extraction and say what it is."""
    line = raw.strip(_STRIP)
    if not line:
        return _Line(number, "blank")
    if is_page_number(line):
        return _Line(number, "page")
    if _MD_RULE.match(line):
        return _Line(number, "rule")
    heading = _MD_HEADING.match(line)
    if heading:
        inner = heading.group(2).replace("**", "").strip(_STRIP)
        return _Line(number, "heading", inner, level=len(heading.group(1)))
    line = _MD_LIST.sub("", line)
    bold = bool(_MD_BOLD_LEAD.match(line))
    line = line.replace("**", "").strip(_STRIP)
    if not line:
        return _Line(number, "blank")
    return _Line(number, "text", line, bold=bold)


def text_blocks(text: str) -> list[Block]:
    """Paragraphs of a raw extraction: rejoin wraps and page cuts, drop page numbers."""
    paras: list[_Para] = []
    current: _Para | None = None
    forced_break = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = classify(number, raw)
        if line.kind in ("blank", "page"):
            continue  # a blank line alone decides nothing: see continues()
        if line.kind == "rule":
            forced_break = True
            continue
        if line.kind == "heading":
            if current:
                paras.append(current)
            paras.append(_Para(line.text, number, line.text, Style(level=line.level)))
            current, forced_break = None, True
            continue
        if current and not forced_break and continues(current.text, line.text):
            current.text = join_pieces(current.text, line.text)
            current.last = line.text
            continue
        if current:
            paras.append(current)
        current = _Para(line.text, number, line.text, Style(bold=line.bold))
        forced_break = False
    if current:
        paras.append(current)
    return [_block(p) for p in paras]


def _block(p: _Para) -> Block:
    return Block(text=normalize_spaces(p.text), line=p.line, style=p.style)


# --------------------------------------------------------------------------- Markdown


def markdown_blocks(text: str) -> list[Block]:
    """Paragraphs of a Markdown file: blank lines separate, headings and list items stand alone."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    paras: list[_Para] = []
    current: _Para | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(_STRIP)
        if not line or _MD_RULE.match(line):
            if current:
                paras.append(current)
            current = None
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            if current:
                paras.append(current)
            inner = heading.group(2).replace("**", "").strip(_STRIP)
            paras.append(_Para(inner, number, inner, Style(level=len(heading.group(1)))))
            current = None
            continue
        is_item = bool(_MD_LIST.match(line))
        line = _MD_LIST.sub("", line)
        bold = bool(_MD_BOLD_LEAD.match(line))
        line = line.replace("**", "").strip(_STRIP)
        if current and not is_item:
            current.text = join_wrapped(current.text, line)
            continue
        if current:
            paras.append(current)
        current = _Para(line, number, line, Style(bold=bold))
    if current:
        paras.append(current)
    return [_block(p) for p in paras if p.text]


__all__ = ["read_text", "decode", "text_blocks", "markdown_blocks", "classify"]
