"""A small realistic source for store / export / CLI unit tests, built from the bundled clean text.

Chapters 1–2 of 《广东省医疗机构医疗保障定点管理暂行办法》 (tests/data/clean/000_…txt) as a
node tree with paragraphs and points, plus the forwarding notice, spans, events and dates: every
field of the model is filled, so a round trip through the store checks all of them. The words
come from the bundled text, not from this file.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from extractors.normalize import cn_to_int, normalize_item_brackets, squeeze_cjk
from toolkit.model import DateFact, Document, LifecycleEvent, Node, SourceRef, Span

DATA = Path(__file__).parent / "data"
CLEAN = DATA / "clean" / "000_b3443c26a488e755.txt"
FILE = "000_b3443c26a488e755.txt"

_CHAPTER = re.compile(r"^第([一二三四五六七八九十]+)章\s*(.+)$")
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百]+)条\s*(.*)$")
_POINT = re.compile(r"^([(（]\s*[一二三四五六七八九十]+\s*[)）])\s*(.*)$")


@dataclass
class SampleSource:
    """Shaped like ``extractors.pipeline.ParsedSource``."""

    source_id: str
    path: str
    sha256: str
    format: str
    pages: int | None
    documents: list[Document]
    warnings: list[str] = field(default_factory=list)
    ocr: bool = False


def _lines() -> list[tuple[int, str]]:
    return [(i, line.strip()) for i, line in enumerate(CLEAN.read_text("utf-8").splitlines(), 1)]


def rule_tree(chapters: int = 2) -> Node:
    """The first ``chapters`` chapters of the rule: chapter → article → paragraph → point."""
    root = Node(eid="", kind="body")
    chapter = article = paragraph = None
    start = next(i for i, (_, line) in enumerate(_lines()) if _CHAPTER.match(line))
    for lineno, line in _lines()[start:]:
        src = SourceRef(FILE, None, lineno)
        if line.startswith(("公开方式", "抄送")):  # the 版记 after the rule's last article
            break
        if m := _CHAPTER.match(line):
            n = cn_to_int(m.group(1))
            if n > chapters:
                break
            chapter = Node(f"chp_{n}", "chapter", f"第{m.group(1)}章", n, squeeze_cjk(m.group(2)),
                           source=src)
            root.children.append(chapter)
        elif m := _ARTICLE.match(line):
            n = cn_to_int(m.group(1))
            article = Node(f"{chapter.eid}__art_{n}", "article", f"第{m.group(1)}条", n, source=src)
            chapter.children.append(article)
            paragraph = Node(f"{article.eid}__para_1", "paragraph", number=1, text=m.group(2),
                             source=src)
            article.children.append(paragraph)
        elif m := _POINT.match(line):
            num = normalize_item_brackets(m.group(1))
            n = cn_to_int(num.strip("（）"))
            paragraph.children.append(
                Node(f"{paragraph.eid}__point_{n}", "point", num, n, text=m.group(2), source=src)
            )
        elif line:
            k = len(article.children) + 1
            paragraph = Node(f"{article.eid}__para_{k}", "paragraph", number=k, text=line,
                             source=src)
            article.children.append(paragraph)
    return root


def _span(doc: Document, eid: str, needle: str, label: str, **data: object) -> Span:
    text = doc.node(eid).text
    start = text.index(needle)
    return Span(eid, start, start + len(needle), label, needle, dict(data))


def sample_documents(chapters: int = 2) -> list[Document]:
    """The rule (with spans, events, dates, meta) and a notice that forwards it."""
    lines = dict((n, text) for n, text in _lines())
    notice_line = next(n for n, t in lines.items() if t.startswith("为加强和规范医疗机构医疗保障定点管理"))
    notice = Document(
        id="gd-2021-notice", source="sample", position=0, kind="notice",
        title=lines[notice_line - 2], doc_number="粤医保规〔2021〕1号",
        issuers=["广东省医疗保障局"], addressees=lines[notice_line - 1].rstrip("："),
        signed=DateFact(date(2021, 5, 26), quote=lines[notice_line + 2]),
        attachments=[lines[notice_line + 3]], children=["gd-2021-rule"],
        meta={"region": "广东省", "aliases": ["粤定点通知"]},
    )
    notice.root.children.append(
        Node("para_1", "paragraph", text=lines[notice_line], source=SourceRef(FILE, None, notice_line))
    )
    rule = Document(
        id="gd-2021-rule", source="sample", position=1, kind="rule",
        title=lines[notice_line + 3], issuers=["广东省医疗保障局"], parent="gd-2021-notice",
        signed=DateFact(date(2021, 5, 26), quote=lines[notice_line + 2]),
        effective=DateFact(date(2021, 6, 1), quote="自2021年6月1日起施行", eid="chp_2__art_5__para_1"),
        expires=DateFact(date(2024, 5, 31), inferred=True, note="有效期3年"),
        validity="3年",
        events=[
            LifecycleEvent("effective", date(2021, 6, 1), target="gd-2021-rule",
                           source_doc="gd-2021-rule", quote="自2021年6月1日起施行"),
            LifecycleEvent("validity_extended", date(2027, 6, 1), target="粤医保规〔2021〕1号",
                           source_doc="gd-2024-notice", note="有效期延长至2027年6月1日"),
        ],
        root=rule_tree(chapters),
        meta={"region": "广东省", "level": "province", "published": date(2021, 5, 26),
              "lineage": ["gd-2021-rule"], "alias": "粤定点办法"},
    )
    rule.spans = [
        _span(rule, "chp_1__art_1__para_1", "《医疗机构医疗保障定点管理暂行办法》", "REF",
              target_doc="nhsa-order-2", target_eid=None, resolved=True, reason="by title"),
        _span(rule, "chp_1__art_1__para_1", "《医疗机构管理条例》", "REF", resolved=False,
              reason="not in the corpus"),
        _span(rule, "chp_1__art_3__para_2", "医保协议", "TERM", definition="医疗保障服务协议"),
        _span(rule, "chp_2__art_6__para_1__point_1", "3个月",
              "DURATION", months=3),
    ]
    return [notice, rule]


def sample_source(source_id: str = "sample", chapters: int = 2) -> SampleSource:
    docs = sample_documents(chapters)
    for doc in docs:
        doc.source = source_id
    return SampleSource(source_id=source_id, path=str(CLEAN), sha256="0" * 64, format="text",
                        pages=None, documents=docs, warnings=["sample warning"])


# --- the real corpus ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PDFS = sorted((ROOT / "corpus" / "sources").glob("*.pdf"))


@functools.cache
def parsed_corpus() -> tuple:
    """The six bundled PDFs parsed with the manifest, once per test process."""
    from toolkit.ingest import parse_source
    from toolkit.manifest import load_manifest

    manifest = load_manifest()
    return tuple(parse_source(p, manifest=manifest) for p in CORPUS_PDFS)


def corpus_documents() -> list[Document]:
    return [d for p in parsed_corpus() for d in p.documents]
