"""What every reader produces: logical blocks of text with their source location and style hints.

A reader (PDF, DOCX, text) turns a file into ``Block``s: one per logical paragraph, with lines
wrapped by layout already rejoined, running headers / footers / page numbers dropped, and
producer spacing normalised (see ``extractors.normalize``). Everything after the reader — the
chain splitter, the structure parser — works on blocks only, so it is the same for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """A file that cannot be read: one clear reason, suitable to print after the file name."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Style:
    """Typographic hints a reader could recover. All optional: plain text has none of them."""

    size: float | None = None  # font size in points
    bold: bool = False  # a bold or 黑体-like (sans) face: headings, 第X条 lead-ins
    red: bool = False  # red text: the 发文机关标志 of a 红头 document
    align: str | None = None  # "left" | "center" | "right"
    indent: bool = False  # first line indented (≈ 2 characters)
    level: int | None = None  # explicit heading level (Markdown #, DOCX Heading N)
    title: bool = False  # typeset as a document title (large, centred, 小标宋-like)
    small: bool = False  # smaller than body text: 版记, notes, captions


@dataclass(frozen=True)
class Block:
    """One logical paragraph of a source."""

    text: str
    page: int | None = None  # 1-based page where the block starts (paged formats)
    line: int | None = None  # 1-based line where the block starts (text formats)
    style: Style = field(default_factory=Style)
    # Breaks kept inside a block on purpose: a title set on several lines keeps them as "\n"
    # only when the reader cannot tell a wrap from a break; most blocks are single-line.


@dataclass
class ReadResult:
    """A reader's output for one file."""

    path: str
    format: str  # pdf | docx | text | markdown
    blocks: list[Block]
    pages: int | None = None
    ocr: bool = False  # text came from OCR of page images
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # producer metadata (PDF Info, core props)
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text came from OCR
    skipped_pages: list[int] = field(default_factory=list)  # pages with no text that could be read
