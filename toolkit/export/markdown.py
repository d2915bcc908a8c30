"""A document as readable Markdown: title, a metadata table, then the body as printed.

Divisions become headings (``## 第一章 总则``), an article starts a paragraph with its number in
bold (``**第九条** …``, its first 款 on the same line as in the source), and every further 款 and
every 项 / 目 stands on its own line. Markdown syntax characters in the text are escaped so the
rendered page shows the exact text.

Validity in the table is the document's own (施行日期, 有效期, 有效期至 as its text gives them)
unless a ``Status`` is passed: then it is what every known lifecycle event settles, and a date
another document replaced says so (``toolkit.versions.wording``): an extension by another notice
is never hidden behind the document's own inferred 有效期至.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from toolkit.model import DateFact, Document, Node

if TYPE_CHECKING:
    from toolkit.versions.validity import Status
    from toolkit.versions.wording import Where

DIVISIONS = ("book", "part", "chapter", "section", "heading")

_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^([ \t]*(?:\d+(?=[.)]))?)([#>+\-=.)])", re.M)


def escape(text: str) -> str:
    """Escape what Markdown would interpret; the rendered text is the original."""
    text = _INLINE.sub(r"\\\1", text)
    # a list marker "1." is escaped on its punctuation: CommonMark only escapes punctuation
    return _LINE_START.sub(r"\1\\\2", text)


def _date(fact: DateFact | None) -> str | None:
    if fact is None or fact.value is None:
        return None
    return fact.value.isoformat() + ("（推定）" if fact.inferred else "")


def metadata_rows(doc: Document, status: Status | None = None, where: Where | None = None
                  ) -> list[tuple[str, str]]:
    """The table under the title: only the facts the document has. With ``status`` (and
    ``where`` to name other documents by 文号), the validity rows come from it."""
    region = doc.meta.get("region")
    rows = [
        ("编号", doc.id),
        ("类型", doc.kind),
        ("文号", doc.doc_number),
        ("发文机关", "、".join(doc.issuers) if doc.issuers else None),
        ("主送机关", doc.addressees),
        ("成文日期", _date(doc.signed)),
        ("印发机关", doc.printed_by),
        ("印发日期", _date(doc.printed)),
        ("施行日期", _date(doc.effective)),
        ("有效期", doc.validity),
        ("有效期至", _date(doc.expires)),
        ("地区", str(region) if region else None),
        ("公开方式", doc.disclosure),
        ("附件", "；".join(doc.attachments) if doc.attachments else None),
        ("上级文件", doc.parent),
        ("下级文件", "、".join(doc.children) if doc.children else None),
        ("抄送", "、".join(doc.cc) if doc.cc else None),
    ]
    rows = [(k, v) for k, v in rows if v]
    if where is not None:  # other documents by 文号 (or title), their id after it
        named = {"上级文件": [doc.parent] if doc.parent else [], "下级文件": list(doc.children)}
        rows = [(k, "、".join(f"{where(i, None)}（{i}）" for i in named[k]) if k in named else v) for k, v in rows]
    if status is None:
        return rows
    from toolkit.versions.wording import validity_rows

    own = ("施行日期", "有效期", "有效期至")
    at = next((i for i, (k, _) in enumerate(rows) if k in own), None)
    rows = [(k, v) for k, v in rows if k not in own]
    at = len(rows) if at is None else min(at, len(rows))
    name = where or (lambda doc_id, eid: doc_id or "")
    return rows[:at] + validity_rows(doc, status, name) + rows[at:]


def _division(node: Node, level: int) -> list[str]:
    title = " ".join(p for p in (node.num, node.heading) if p)
    out = [f"{'#' * min(level, 6)} {escape(title)}"] if title else []
    if node.text:
        out.append(escape(node.text))
    return out


def _article(node: Node) -> list[str]:
    head = f"**{escape(node.num or '')}**" if node.num else ""
    if node.heading:
        head += f"【{escape(node.heading)}】"
    children = list(node.children)
    first = node.text
    if not first and children and children[0].kind == "paragraph":
        para = children.pop(0)
        first = para.text
        children = para.children + children
    out = [" ".join(p for p in (head, escape(first)) if p)]
    for child in children:
        out += _blocks(child, 0)
    return out


def _blocks(node: Node, level: int) -> list[str]:
    """Markdown blocks (to be separated by blank lines) for a node and its subtree."""
    if node.kind in DIVISIONS:
        out = _division(node, level)
        for child in node.children:
            out += _blocks(child, level + 1)
        return out
    if node.kind == "article":
        return _article(node)
    out = [escape(f"{node.num or ''}{node.text}")] if (node.num or node.text) else []
    for child in node.children:
        out += _blocks(child, level)
    return out


def document_to_markdown(doc: Document, status: Status | None = None, where: Where | None = None) -> str:
    lines = [f"# {escape(doc.title)}", "", "| 项目 | 内容 |", "| --- | --- |"]
    lines += [f"| {k} | {escape(v)} |" for k, v in metadata_rows(doc, status, where)]
    blocks = [b for child in doc.root.children for b in _blocks(child, 2)]
    return "\n".join(lines) + "\n\n" + "\n\n".join(blocks) + "\n"
