"""题注: the block under a law's title that gives its adoption, promulgation and amendments.

Printed in the official collections in several shapes, all handled here:

* in brackets, on one line or wrapped over several —
  ``（2010年10月28日第十一届全国人民代表大会常务委员会第十七次会议通过　根据2018年12月29日…
  《关于修改〈中华人民共和国社会保险法〉的决定》修正）``;
* without brackets, one event a line — ``2021年1月15日 中华人民共和国国务院令第735号公布``;
* with 施行 stated in it — ``自公布之日起施行``, ``2021年5月1日 施行``.

``is_caption_start`` tells the chain parser where a title ends and its 题注 begins;
``parse_caption`` turns the 题注 lines into :class:`CaptionEntry` items (one per dated act) with
the words each was read from. ``legal_kind`` says what kind of law the document is
(法律, 行政法规, 部门规章, 地方性法规, 规范性文件) from what it prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_OPEN, _CLOSE = "（(", "）)"
_ACTS = {"通过": "adopted", "公布": "published", "发布": "published", "印发": "published",
         "修正": "amended", "修订": "amended", "施行": "effective"}
# One dated act: [根据] date, who or what (a body, an order, a decision), [第N次] act.
# A decision's name is taken whole: 《关于修改〈…〉的决定》 may itself contain an act's word.
_CLAUSE = re.compile(rf"(?:根据\s*)?(?P<date>{_DATE})\s*(?P<what>(?:《[^《》]*》|[^《])*?)"
                     r"(?P<nth>第[一二三四五六七八九十]+次)?(?P<act>通过|公布|发布|印发|修正|修订|施行)")
_FROM_PUBLICATION = re.compile(r"自公布之日起施行")
_EFFECTIVE_ON = re.compile(rf"自\s*(?P<date>{_DATE})\s*起施行")
_START = re.compile(rf"^[{_OPEN}]?\s*(?:根据\s*)?{_DATE}")
_DECISION = re.compile(r"《(?P<name>[^《》]*)》")
_ORDER = re.compile(r"(?P<order>\S*?令第\s*\d+\s*号)")


@dataclass(frozen=True)
class CaptionEntry:
    """One act the 题注 records: ``act`` is the word printed (通过, 公布, 修正, 修订, 施行…),
    ``type`` the lifecycle event it is (adopted, published, amended, effective)."""

    type: str
    act: str
    date: date | None
    body: str | None  # 第十一届全国人民代表大会常务委员会第十七次会议, 国务院第117次常务会议
    decision: str | None  # the amending decision's name, without 《》
    order: str | None  # 中华人民共和国国务院令第735号
    ordinal: str | None  # 第一次
    quote: str  # the words it was read from

    def to_json(self) -> dict[str, str | None]:
        return {"type": self.type, "act": self.act, "date": self.date.isoformat() if self.date else None,
                "body": self.body, "decision": self.decision, "order": self.order,
                "ordinal": self.ordinal, "quote": self.quote}


def is_caption_start(text: str) -> bool:
    """Whether a line opens a 题注: a date at its start, in brackets or not, with an act."""
    t = text.strip()
    return bool(_START.match(t)) and bool(re.search(r"(通过|公布|发布|印发|修正|修订|施行)", t))


_INLINE = re.compile(rf"[{_OPEN}]\s*(?:根据\s*)?{_DATE}")


def split_title(text: str) -> tuple[str, str | None]:
    """A title a reader joined with its bracketed 题注 → (the title as printed, the 题注)."""
    m = _INLINE.search(text)
    if not m or m.start() == 0 or not is_caption_start(text[m.start():]):
        return text, None
    return text[: m.start()].rstrip(), text[m.start():]


def caption_lines(lines: list[str]) -> int:
    """How many of ``lines`` (the lines after a title) belong to its 题注: one bracketed block,
    however wrapped, or consecutive dated lines."""
    if not lines or not is_caption_start(lines[0]):
        return 0
    if lines[0].strip()[0] in _OPEN:
        depth = 0
        for k, line in enumerate(lines):
            depth += sum(line.count(c) for c in _OPEN) - sum(line.count(c) for c in _CLOSE)
            if depth <= 0:
                return k + 1
            if k >= 12:  # an unclosed bracket: take only what is surely 题注
                break
        return 1
    k = 0
    while k < len(lines) and is_caption_start(lines[k]):
        k += 1
    return k


def _cn_date(text: str) -> date | None:
    m = re.match(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _strip_brackets(text: str) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    if t[:1] in _OPEN and t[-1:] in _CLOSE:
        t = t[1:-1]
    return t.strip()


def parse_caption(lines: list[str]) -> list[CaptionEntry]:
    """The 题注 lines → one entry per dated act, in the order printed."""
    text = _strip_brackets("".join(line.strip() for line in lines))
    out: list[CaptionEntry] = []
    for m in _CLAUSE.finditer(text):
        what = m["what"].strip(" 　，,；;")
        if what.startswith("起") or m["what"].rstrip().endswith("自"):
            continue  # 自2021年5月1日起施行: handled below, with 自公布之日起施行
        decision = _DECISION.search(what)
        order = _ORDER.search(what)
        body = what
        if decision:
            body = what[: decision.start()].strip()
        elif order:
            body = ""
        out.append(CaptionEntry(
            type=_ACTS[m["act"]], act=m["act"], date=_cn_date(m["date"]),
            body=body or None, decision=decision["name"] if decision else None,
            order=re.sub(r"\s+", "", order["order"]) if order else None,
            ordinal=m["nth"], quote=m.group(0).strip(),
        ))
    for m in _EFFECTIVE_ON.finditer(text):
        out.append(CaptionEntry("effective", "施行", _cn_date(m["date"]), None, None, None, None, m.group(0)))
    if _FROM_PUBLICATION.search(text):
        published = next((e for e in out if e.type == "published"), None)
        out.append(CaptionEntry("effective", "施行", published.date if published else None, None, None, None,
                                None, "自公布之日起施行"))
    return out


# --- kind of law ------------------------------------------------------------------------------

LEGAL_KINDS = ("法律", "行政法规", "部门规章", "地方性法规", "规范性文件")


def legal_kind(title: str, entries: list[CaptionEntry], doc_number: str | None) -> str | None:
    """What kind of law the document is, from what it prints (None when nothing says):

    * 法律 — adopted by the 全国人民代表大会 or its 常务委员会;
    * 行政法规 — adopted by the 国务院 or promulgated by a 国务院令;
    * 部门规章 — promulgated by a ministry's or bureau's 令 (国家医疗保障局令第2号);
    * 地方性法规 — adopted by a local 人民代表大会 or its 常务委员会;
    * 规范性文件 — a normative document issued under a 文号 (粤医保规〔2021〕1号).
    """
    said = " ".join(filter(None, [e.body or "" for e in entries] + [e.order or "" for e in entries]))
    if re.search(r"全国人民代表大会", said):
        return "法律"
    if re.search(r"国务院(第\d+次)?常务会议|国务院令|中华人民共和国国务院", said):
        return "行政法规"
    if re.search(r"人民代表大会", said):
        return "地方性法规"
    order = next((e.order for e in entries if e.order), None) or (doc_number if doc_number and "令" in doc_number else None)
    if order and "国务院令" not in order:
        return "部门规章"
    if doc_number and re.search(r"〔\d{4}〕", doc_number):
        return "规范性文件"
    return None
