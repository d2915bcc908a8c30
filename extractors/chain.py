"""Split a file's blocks into its chain of official documents and read each one's 公文 parts.

A bureau's file is usually a chain: a city notice forwards a provincial notice, whose attachment
publishes the rule. Each document has the parts GB/T 9704 names: 版头 (发文机关标志, 发文字号),
主体 (标题, 主送机关, 正文, 附件说明, 署名, 成文日期, 附注), 版记 (抄送, 印发机关和印发日期). The 版记 of
nested documents are printed together at the end of the file, innermost first.

Only what the text prints is recorded; values that had to be inferred say so in ``inferred``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from extractors import captions, markers, titles
from extractors.normalize import squeeze_cjk
from extractors.readers.base import Block

_DOC_NO = re.compile(
    r"^(?P<prefix>[\u4e00-\u9fff]{1,12})\s*[〔\[［【(（]\s*(?P<year>\d{4})\s*[〕\]］】)）]\s*第?\s*(?P<n>\d+)\s*号$"
)
_ORDER_NO = re.compile(r"^(?P<prefix>[\u4e00-\u9fff]{2,20}令)\s*第\s*(?P<n>\d+)\s*号$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_PRINTED = re.compile(r"^(?P<org>.*?)\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*印发$")
_DISCLOSURE = re.compile(r"^公开方式\s*[:：]\s*(.+)$")
_CC = re.compile(r"^抄\s*送\s*[:：]\s*(.+)$")
_ATTACH_NOTE = re.compile(r"^附\s*件\s*[:：]\s*(.*)$")
_ATTACH_MARK = re.compile(r"^附\s*件\s*(\d*)$")
_NOTE = re.compile(r"^[（(](此件.+)[)）]$")
_PAGE_NOTE = re.compile(r"^[（(]\s*此页无正文\s*[)）]$")
_ISSUER_SUFFIX = ("局", "厅", "委员会", "委", "部", "院", "办公室", "办公厅", "中心", "政府", "会", "署", "所")


def parse_cn_date(text: str) -> date | None:
    m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def doc_number(text: str) -> str | None:
    """A 发文字号 in canonical form (六角括号, no leading zero), or None."""
    t = squeeze_cjk(text.strip())
    m = _DOC_NO.match(t)
    if m:
        return f"{m['prefix']}〔{m['year']}〕{int(m['n'])}号"
    m = _ORDER_NO.match(t)
    if m:
        return f"{m['prefix']}第{int(m['n'])}号"
    return None


def is_issuer_line(text: str) -> bool:
    """An organ's name on a line of its own (署名, or a line of a joint 发文机关标志)."""
    t = squeeze_cjk(text.strip())
    if t.endswith("文件"):
        t = t[:-2].strip()
    if not t or len(t) > 40 or re.search(r"[，。；：:、“”《》]", t):
        return False
    names = t.split()
    return all(n.endswith(_ISSUER_SUFFIX) and len(n) >= 3 for n in names)


def issuer_names(lines: list[str]) -> list[str]:
    """Header or signature lines → organ names (without 文件; letter-spacing squeezed)."""
    names: list[str] = []
    for line in lines:
        t = re.sub(r"\s*文\s*件$", "", line.strip())
        run: list[str] = []  # single characters of a letter-spaced name: 湛 江 市 医 疗 保 障 局
        for token in t.split():
            if len(token) == 1:
                run.append(token)
                continue
            if run:
                names.append("".join(run))
                run = []
            names.append(token)
        if run:
            names.append("".join(run))
    return names


@dataclass
class DateValue:
    value: date | None
    quote: str | None
    inferred: bool = False
    note: str | None = None


@dataclass
class ChainDoc:
    """One official document found in a file, before its body is parsed into a tree."""

    position: int
    kind: str = "notice"
    title: str = ""
    doc_number: str | None = None
    header_issuers: list[str] = field(default_factory=list)  # 发文机关标志
    signature: list[str] = field(default_factory=list)  # 署名
    addressees: str | None = None
    body: list[Block] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # 题注 lines of a law
    signed: DateValue | None = None
    note: str | None = None  # 附注, e.g. 此件公开发布
    attachments: list[str] = field(default_factory=list)
    disclosure: str | None = None
    cc: list[str] = field(default_factory=list)
    printed_by: str | None = None
    printed: DateValue | None = None
    has_header: bool = False  # printed with a 版头 (红头)
    is_attachment: bool = False  # introduced by an 附件 mark
    page: int | None = None
    line: int | None = None
    inferred: dict[str, str] = field(default_factory=dict)  # field → how it was inferred

    @property
    def issuers(self) -> list[str]:
        return self.header_issuers or self.signature

    @property
    def closed(self) -> bool:
        """The main part has ended (signed, or carries its 附注): what follows is another document."""
        return self.signed is not None or self.note is not None


def document_kind(title: str) -> str:
    """The kind a title names (extractors.titles: its type word, after any qualifiers)."""
    return titles.document_kind(title)


@dataclass
class _Group:
    """One 版记: 公开方式 / 抄送 / 印发机关 印发日期."""

    disclosure: str | None = None
    cc: list[str] = field(default_factory=list)
    printed_by: str | None = None
    printed: DateValue | None = None

    def empty(self) -> bool:
        return not (self.disclosure or self.cc or self.printed_by or self.printed)


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[，,、；;]", text.strip().rstrip("。.")) if p.strip()]


class ChainSplitter:
    def __init__(self, blocks: list[Block]):
        self.blocks = [b for b in blocks if b.text.strip() and not _PAGE_NOTE.match(b.text.strip())]
        self.docs: list[ChainDoc] = []
        self.groups: list[_Group] = []
        self.warnings: list[str] = []

    # --- classification helpers ------------------------------------------------------
    def _text(self, i: int) -> str:
        return self.blocks[i].text.strip() if 0 <= i < len(self.blocks) else ""

    def _header_start(self, doc_no_index: int) -> int:
        """Walk back from a 文号 over the 发文机关标志 lines (red, 'XX文件', or joint organ names)."""
        i = doc_no_index
        saw_mark = False
        while i - 1 >= 0:
            b = self.blocks[i - 1]
            t = b.text.strip()
            if b.style.red or t.endswith("文件") or (is_issuer_line(t) and len(t) <= 30):
                saw_mark = saw_mark or b.style.red or t.endswith("文件")
                i -= 1
                continue
            break
        return i if saw_mark else doc_no_index

    def _starts_structure(self, i: int) -> bool:
        """Within the next few blocks a body starts (a chapter, an article, a caption line)."""
        for k in range(i, min(i + 4, len(self.blocks))):
            t = self._text(k)
            if markers.match_division(t) or markers.match_article(t):
                return True
        return False

    def _looks_like_title(self, i: int) -> bool:
        b = self.blocks[i]
        t = b.text.strip()
        t = captions.split_title(t)[0]  # a law's title joined with its 题注 is judged by the title
        t = titles.split_addressees(t)[0]  # and one joined with its 主送 line by the title too
        if not t or len(t) > 80 or markers.ends_sentence(t) and not t.endswith(("）", ")")):
            return False
        if markers.match_division(t) or markers.match_article(t) or markers.match_item(t):
            return False
        if b.style.title:
            return True
        return titles.is_complete(t) or self._starts_structure(i + 1)

    # --- main ----------------------------------------------------------------------------
    def split(self) -> list[ChainDoc]:
        blocks = self.blocks
        header_at: dict[int, int] = {}  # header start index → 文号 index
        for i, b in enumerate(blocks):
            if doc_number(b.text) and not markers.match_article(b.text.strip()):
                header_at[self._header_start(i)] = i
        cur: ChainDoc | None = None
        expect: str | None = None  # "title" | "addressee" | None
        group = _Group()
        i = 0
        while i < len(blocks):
            b = blocks[i]
            t = b.text.strip()
            # 版记 lines belong to the groups printed at the end, whatever document is open.
            if m := _DISCLOSURE.match(t):
                if group.disclosure or group.printed:
                    self.groups.append(group)
                    group = _Group()
                group.disclosure = m.group(1).strip()
                i += 1
                continue
            if m := _CC.match(t):
                if group.cc or group.printed:
                    self.groups.append(group)
                    group = _Group()
                group.cc = _split_list(m.group(1))
                i += 1
                continue
            if m := _PRINTED.match(t):
                org = m["org"].strip()
                if not org and cur is not None and cur.body and is_issuer_line(cur.body[-1].text):
                    org = cur.body.pop().text.strip()
                group.printed_by = org or None
                group.printed = DateValue(date(int(m["y"]), int(m["m"]), int(m["d"])), t)
                self.groups.append(group)
                group = _Group()
                i += 1
                continue
            # A new document with a 版头.
            if i in header_at:
                j = header_at[i]
                cur = self._new(b)
                cur.has_header = True
                cur.header_issuers = issuer_names([blocks[k].text for k in range(i, j)])
                cur.doc_number = doc_number(blocks[j].text)
                i = j + 1
                expect = "title"
                continue
            if (doc_no := doc_number(t)) and (cur is None or cur.closed or cur.body):
                cur = self._new(b)
                cur.has_header = True
                cur.doc_number = doc_no
                expect = "title"
                i += 1
                continue
            if _ATTACH_MARK.match(t) and i + 1 < len(blocks) and self._looks_like_title(i + 1):
                parent_doc = cur
                cur = self._new(b)
                cur.is_attachment = True
                if parent_doc is not None and not parent_doc.attachments:
                    parent_doc.attachments.append(self._text(i + 1))
                expect = "title"
                i += 1
                continue
            if expect == "title":
                i = self._read_title(cur, i)
                expect = "addressee" if cur.addressees is None else None
                continue
            if expect == "addressee":
                expect = None
                if t.endswith(("：", ":")) and not markers.match_article(t) and len(t) < 120:
                    cur.addressees = t[:-1].strip()
                    i += 1
                    continue
            if cur is not None and (m := _NOTE.match(t)):
                cur.note = m.group(1)
                i += 1
                continue
            # A new document without a 版头: the title of a rule after a closed notice, or the
            # first block of a file that starts with a title.
            if (cur is None or cur.closed) and self._looks_like_title(i):
                prev = cur
                cur = self._new(b)
                i = self._read_title(cur, i)
                if prev is not None:
                    cur.is_attachment = True
                i = self._read_captions(cur, i)
                continue
            if cur is None:
                cur = self._new(b)
            # 附件说明
            if m := _ATTACH_NOTE.match(t):
                first = m.group(1).strip()
                cur.attachments += [a for a in [_strip_list_num(first)] if a]
                k = i + 1
                while k < len(blocks) and re.match(r"^\d+[.．、]", self._text(k)) and not self._starts_structure(k):
                    cur.attachments.append(_strip_list_num(self._text(k)))
                    k += 1
                i = k
                continue
            if _DATE.match(squeeze_cjk(t).replace(" ", "")) and cur.signed is None:
                sig: list[str] = []
                while cur.body and is_issuer_line(cur.body[-1].text) and len(sig) < 6:
                    sig.insert(0, cur.body.pop().text.strip())
                cur.signature = issuer_names(sig)
                cur.signed = DateValue(parse_cn_date(t), t)
                i += 1
                continue
            cur.body.append(b)
            i += 1
        if not group.empty():
            self.groups.append(group)
        self._assign_groups()
        self._finish()
        return self.docs

    def _new(self, b: Block) -> ChainDoc:
        doc = ChainDoc(position=len(self.docs), page=b.page, line=b.line)
        self.docs.append(doc)
        return doc

    def _read_title(self, doc: ChainDoc, i: int) -> int:
        """A title may span blocks when a reader could not join it: join until it is complete.
        A 主送 line is never part of it, also when the reader joined it to the title's last line
        (extractors.titles.split_addressees): it becomes the document's addressees."""
        parts = [self._text(i)]
        k = i + 1
        while k < len(self.blocks):
            title = "".join(parts)
            t = self._text(k)
            if title.endswith(("：", ":")) and titles.split_addressees(title)[1] is not None:
                break  # the title's block ended with its 主送 line
            if titles.balanced(title) and (titles.is_complete(title) or t.endswith(("：", ":"))):
                break
            if t.endswith(("：", ":")):
                if titles.split_addressees(title + t)[1] is not None:
                    parts.append(t)  # the title's last line and the 主送 line, joined
                    k += 1
                break
            if not t or markers.match_division(t) or markers.match_article(t):
                break
            if captions.is_caption_start(t):  # the 题注 under a law's title is not part of it
                break
            if markers.ends_sentence(t) and not t.endswith(("）", ")")):
                break
            parts.append(t)
            k += 1
        text, addressees = titles.split_addressees(_squeeze_title("".join(parts)))
        if addressees is not None:
            doc.addressees = addressees
        doc.title, caption = captions.split_title(text)
        if caption:
            doc.captions.append(caption)
        head, sep, tail = doc.title.partition("关于")
        if sep and len(doc.header_issuers) > 1 and head.replace(" ", "") == "".join(doc.header_issuers):
            # Joint issuers open the title separated by blanks; a line wrap may have eaten one.
            doc.title = " ".join(doc.header_issuers) + sep + tail
        doc.kind = document_kind(doc.title)
        return k

    def _read_captions(self, doc: ChainDoc, i: int) -> int:
        """题注 lines under a law's title (extractors.captions): dates it was adopted, published,
        amended, took effect — bracketed or not, however wrapped."""
        ahead = [self._text(k) for k in range(i, min(i + 14, len(self.blocks)))]
        n = captions.caption_lines(ahead)
        doc.captions += ahead[:n]
        return i + n

    def _assign_groups(self) -> None:
        """Give each 版记 to its document: by the printing office's name where it names the
        issuer, otherwise innermost-first among the documents printed with a 版头."""
        pending = list(self.groups)
        headed = [d for d in self.docs if d.has_header]
        for g in list(pending):
            if not g.printed_by:
                continue
            owner = next((d for d in headed if d.printed is None and d.issuers
                          and any(g.printed_by.startswith(n) for n in d.issuers)), None)
            if owner:
                self._apply(owner, g, inferred=None)
                pending.remove(g)
        rest = [d for d in reversed(headed) if d.printed is None and d.disclosure is None and not d.cc]
        for g, d in zip(pending, rest, strict=False):
            self._apply(d, g, inferred="版记 printed without the issuer's name: assigned innermost-first")
        if len(pending) > len(rest):
            self.warnings.append(f"{len(pending) - len(rest)} 版记 group(s) without a document")

    @staticmethod
    def _apply(doc: ChainDoc, g: _Group, inferred: str | None) -> None:
        doc.disclosure = g.disclosure or doc.disclosure
        doc.cc = g.cc
        doc.printed_by = g.printed_by
        doc.printed = g.printed
        if inferred:
            doc.inferred["版记"] = inferred

    def _finish(self) -> None:
        for d in self.docs:
            if d.note and not d.disclosure and "公开" in d.note:
                d.disclosure = d.note
        # An attachment or a rule published by a notice takes the notice's issuers (inferred).
        for k, d in enumerate(self.docs):
            if not d.issuers and k > 0:
                parent = self.docs[k - 1]
                if parent.issuers:
                    d.header_issuers = list(parent.issuers)
                    d.inferred["issuers"] = f"issuers of the document that publishes it ({parent.title})"


def _strip_list_num(text: str) -> str:
    return re.sub(r"^\d+[.．、]\s*", "", text.strip())


def _squeeze_title(title: str) -> str:
    """Titles set on several lines may carry blanks where they wrapped; blanks between joint
    issuers before 关于 are kept (湛江市医疗保障局 湛江市卫生健康局 …关于…)."""
    title = title.replace("\n", "")
    head, sep, tail = title.partition("关于")
    if sep:
        names = head.split()
        if len(names) > 1 and all(is_issuer_line(n) for n in names):
            return " ".join(names) + sep + squeeze_cjk(tail)
    return squeeze_cjk(title)


def split_chain(blocks: list[Block]) -> tuple[list[ChainDoc], list[str]]:
    """A file's blocks → its documents (in reading order) and warnings."""
    splitter = ChainSplitter(blocks)
    docs = splitter.split()
    return docs, splitter.warnings
