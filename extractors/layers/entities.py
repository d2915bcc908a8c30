"""Named things in a rule's text: issuing bodies, roles, document numbers, titles of laws.

Pure functions on one string, used by the spaCy components of ``extractors.nlp`` (which adds
dates and quantities from ``quantities.py``). Labels:

- ``LAW_TITLE``  《…》 (nested 〈…〉 kept inside); data: title, inner titles, kind.
- ``DOC_NUMBER`` 文号 ``粤医保规〔2024〕4号`` and orders ``国务院令第735号``; data: normalised form.
- ``AUTHORITY``  a named body: place or 国家 + body (``广东省医疗保障局``, ``国家医保局``, ``国务院``).
- ``ROLE``       a generic role (``医疗保障行政部门``, ``统筹地区经办机构``, ``各地级以上市医疗保障局``).

Telling a named body from a generic one needs word boundaries: ``由省医疗保障局`` vs
``各地级以上市医疗保障局``. The caller passes the token boundaries of a segmenter (jieba, through
spaCy); without them every character is a boundary.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from extractors.normalize import ascii_digits, cn_to_int

TERMS_FILE = Path(__file__).with_name("entity_terms.yaml")
_SP = r"[ \u3000\u00a0]*"
_HAN = r"\u4e00-\u9fff"


@dataclass(frozen=True)
class Entity:
    """A labelled stretch of one text: ``text == source[start:end]``."""

    start: int
    end: int
    label: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def terms() -> dict[str, Any]:
    with TERMS_FILE.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# --- 《titles》 -----------------------------------------------------------------------------------
_TITLE_RE = re.compile(r"《([^《》\n]{1,200})》")
_DOC_KIND_SUFFIX = re.compile(
    r"(?:法|条例|办法|规定|细则|规程|规则|意见|通知|决定|指南|标准|规范|目录|方案|纲要|公告|通告|批复|函|令|（试行）|（暂行）)$"
)


def find_law_titles(text: str) -> list[Entity]:
    """Every 《…》 with its title; ``kind`` is "document" for laws, rules and notices,
    "other" for things like 《医疗器械注册证》 (a certificate, not a text)."""
    out = []
    for m in _TITLE_RE.finditer(text):
        title = m.group(1)
        kind = "document" if _DOC_KIND_SUFFIX.search(title) else "other"
        data: dict[str, Any] = {"title": title, "kind": kind}
        inner = re.findall(r"〈([^〈〉]+)〉", title)
        if inner:
            data["inner_titles"] = inner
        out.append(Entity(m.start(), m.end(), "LAW_TITLE", m.group(), data))
    return out


# --- 文号 --------------------------------------------------------------------------------------------
# 粤医保规〔2024〕4号: issuer code, year in 六角括号 (often mistyped as [] or ()), serial number.
_DOCNUM_RE = re.compile(
    rf"(?P<code>[{_HAN}]{{1,10}}){_SP}[〔\[［(（]{_SP}(?P<year>\d{{4}}){_SP}[〕\]］)）]{_SP}"
    rf"(?P<serial>\d+){_SP}号"
)
# 国务院令第735号, 国家医疗保障局令第2号: an order of an issuing body.
_ORDER_RE = re.compile(
    rf"(?P<issuer>[{_HAN}]{{2,20}}?){_SP}令{_SP}第{_SP}(?P<serial>\d+|[一二三四五六七八九十百]+){_SP}号"
)
# Words that may stand before a 文号 without being part of its issuer code.
_LEADING_WORDS = re.compile(r"^(?:根据|依据|按照|依照|参照|执行|印发|转发|关于|经|以|和|及|与|或|的|是|为)+")


def _trim_leading(code: str) -> str:
    return _LEADING_WORDS.sub("", code)


def find_doc_numbers(text: str) -> list[Entity]:
    out = []
    for m in _DOCNUM_RE.finditer(text):
        code = _trim_leading(m["code"])
        if not code:
            continue
        start = m.end("code") - len(code)
        norm = f"{code}〔{m['year']}〕{int(m['serial'])}号"
        data = {"normalized": norm, "code": code, "year": int(m["year"]), "serial": int(m["serial"]), "kind": "wenhao"}
        out.append(Entity(start, m.end(), "DOC_NUMBER", text[start : m.end()], data))
    for m in _ORDER_RE.finditer(text):
        issuer = _trim_leading(m["issuer"])
        # The issuer of an order ends with a body: 国务院, …人民政府, …局, …部, …委.
        found = re.search(r"(?:中华人民共和国)?(?:国务院|[" + _HAN + r"]*?(?:人民政府|局|部|委员会|委|署|厅))$", issuer)
        if not found:
            continue
        issuer = found.group()
        start = m.end("issuer") - len(issuer)
        serial = ascii_digits(m["serial"])
        number = int(serial) if serial.isdigit() else cn_to_int(serial)
        norm = f"{issuer}令第{number}号"
        data = {"normalized": norm, "issuer": issuer, "serial": number, "kind": "order"}
        out.append(Entity(start, m.end(), "DOC_NUMBER", text[start : m.end()], data))
    out.sort(key=lambda e: e.start)
    return out


# --- bodies and roles ----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def body_pattern() -> re.Pattern[str]:
    t = terms()
    bodies = sorted(t["bodies"] + t["standalone"], key=len, reverse=True)
    offices = "|".join(map(re.escape, t["office_suffixes"]))
    return re.compile(f"(?:{'|'.join(map(re.escape, bodies))})(?:{offices})?")


@lru_cache(maxsize=1)
def _role_re() -> re.Pattern[str]:
    t = terms()
    roles = "|".join(map(re.escape, sorted(t["roles"], key=len, reverse=True)))
    quals = "|".join(map(re.escape, sorted(t["role_qualifiers"], key=len, reverse=True)))
    return re.compile(f"(?P<qual>{quals})?(?P<role>{roles})")


@lru_cache(maxsize=1)
def _qualifier_re() -> re.Pattern[str]:
    quals = sorted(terms()["role_qualifiers"], key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(map(re.escape, quals))})$")


_PLACE_END = "省|自治区|自治州|市|州|盟|县|区|旗"
_PLACE_TOKEN = re.compile(rf"[{_HAN}]{{1,10}}?(?:{_PLACE_END})")
# A place token never starts with these (由省, 各县, 向市 are a word plus a level word).
_NOT_PLACE_START = set("由各向报经对与和及在从将把被为按依至本该其每年月日")
# Before a bare level word these mean "every …" / "… or above": a generic addressee.
_GENERIC_BEFORE = re.compile(r"(?:以上|设区|各|级|、|（|[省市州县区])$")


def _level(place: str) -> str | None:
    for end, level in terms()["place_levels"].items():
        if place.endswith(end):
            return level
    return None


def _prev_bound(bounds: list[int], pos: int) -> int | None:
    i = bisect_left(bounds, pos)
    return bounds[i - 1] if i > 0 else None


def _place_before(text: str, pos: int, bounds: list[int]) -> tuple[int, str | None, bool]:
    """Where the place name in front of ``text[pos:]`` starts, the place, and whether it is a
    bare level word (省, 市) standing for the region of the text."""
    if text.endswith("国家", 0, pos):
        start = pos - 2
        if text.endswith("中华人民共和国", 0, start):
            start -= 7
        return start, "国家", False
    if text.endswith("中华人民共和国", 0, pos):
        return pos - 7, "中华人民共和国", False
    start = pos
    # Walk back over whole tokens that are place names (广东省 | 深圳市).
    while True:
        prev = _prev_bound(bounds, start)
        if prev is None:
            break
        tok = text[prev:start]
        if (
            len(tok) < 2
            or not _PLACE_TOKEN.fullmatch(tok)
            or tok[0] in _NOT_PLACE_START
            or tok in terms()["generic_places"]
        ):
            break
        start = prev
    if start < pos:
        return start, text[start:pos], False
    # A bare level word: 省医疗保障局 (the province's own bureau), unless generic (各地级以上市).
    if pos > 0 and text[pos - 1] in "省市州县" and not _GENERIC_BEFORE.search(text[: pos - 1]):
        # …unless it ends a longer word (直辖市); 由省 is a preposition glued to it by jieba.
        tok_start = _prev_bound(bounds, pos) or 0
        if all(ch in _NOT_PLACE_START for ch in text[tok_start : pos - 1]):
            return pos - 1, text[pos - 1], True
    return pos, None, False


def find_authorities(text: str, bounds: set[int] | None = None) -> list[Entity]:
    """AUTHORITY (named bodies) and ROLE (generic roles and addressees) in ``text``.

    ``bounds``: token boundaries (start and end offsets of the segmenter's tokens).
    """
    ordered = sorted(bounds) if bounds is not None else list(range(len(text) + 1))
    out: list[Entity] = []
    standalone = set(terms()["standalone"])
    for m in body_pattern().finditer(text):
        body = m.group()
        start, place, relative = _place_before(text, m.start(), ordered)
        base = next((s for s in standalone if body.startswith(s)), None)
        if base == "国务院" and text.startswith(("医疗保障", "其他有关部门"), m.start() + 3):
            continue  # 国务院医疗保障行政部门: a role qualifier, handled below
        if place is None and base is None:
            # A body without a place: generic (各地级以上市医疗保障局, 各县（市、区）医疗保障局).
            g = re.search(rf"各[{_HAN}（）、]{{0,10}}$", text[: m.start()]) or _qualifier_re().search(
                text[: m.start()]
            )
            gstart = g.start() if g else m.start()
            out.append(Entity(gstart, m.end(), "ROLE", text[gstart : m.end()], {"role": body, "generic": True}))
            continue
        name = text[start : m.end()]
        office = next((o for o in terms()["office_suffixes"] if body.endswith(o)), None)
        data: dict[str, Any] = {"name": re.sub(r"\s", "", name), "body": body[: len(body) - len(office)] if office else body}
        if office:
            data["office"] = office
        if place in ("国家", "中华人民共和国") or base:
            data["level"] = "national"
        elif place:
            data["place"] = None if relative else place
            data["level"] = _level(place)
            if relative:
                data["relative"] = True  # 省医疗保障局: the province of the citing text
        out.append(Entity(start, m.end(), "AUTHORITY", name, data))
    taken = [(e.start, e.end) for e in out]
    for m in _role_re().finditer(text):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        data = {"role": m["role"]}
        if m["qual"]:
            data["qualifier"] = m["qual"]
        out.append(Entity(m.start(), m.end(), "ROLE", m.group(), data))
    out.sort(key=lambda e: e.start)
    return out


def drop_overlapping(found: list[Entity], taken: list[tuple[int, int]]) -> list[Entity]:
    """``found`` minus the entities that overlap one of the ``taken`` ranges."""
    return [e for e in found if not any(e.start < b and a < e.end for a, b in taken)]
