"""Synthetic variants of a rule with known true alignment: for the speed bench and quality tests.

A variant is what another region might make of a rule: articles dropped, split in two, merged
with a neighbour, moved, reworded (synonyms, dropped and swapped clauses) and new articles
added from other texts. Every variant article records the original articles it came from, so
an alignment of the variant against the original can be scored exactly. Seeded: the same seed
gives the same variant.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from extractors.normalize import int_to_cn
from toolkit.model import Document, Node

# Rewordings a drafting office might make; applied to whole phrases, either way round.
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("应当", "应"), ("或者", "或"), ("医疗保障", "医保"), ("经办机构", "医保经办机构"),
    ("按照", "依照"), ("及时", "尽快"), ("规定", "要求"), ("定点医疗机构", "定点医院"),
    ("不得", "禁止"), ("提出", "提交"), ("统筹地区", "统筹区"), ("相关", "有关"),
    ("开展", "组织"), ("情形", "情况"), ("申请", "申报"), ("行政部门", "主管部门"),
)


@dataclass
class _Unit:
    origins: list[str]  # eIds of the original articles this unit came from
    lines: list[str]  # first line = the article's own text; then paragraphs / items (with nums)
    chapter: int


@dataclass(frozen=True)
class Variant:
    document: Document
    truth: list[tuple[str, str]]  # (original article eId, variant article eId)


def _units(doc: Document) -> tuple[list[_Unit], list[str]]:
    units, chapters = [], []
    for ch_index, chapter in enumerate(doc.chapters()):
        chapters.append(chapter.heading or "")
        for art in (n for n in chapter.walk() if n.kind == "article"):
            lines = art.full_text().split("\n")
            lines[0] = re.sub(r"^第[一二三四五六七八九十百零〇]+条(【[^】]*】)?\s*", "", lines[0])
            units.append(_Unit([art.eid], lines, ch_index))
    return units, chapters


def _reword(line: str, rng: random.Random, strength: float) -> str:
    for a, b in SYNONYMS:
        if rng.random() < strength:
            line = line.replace(a, b) if rng.random() < 0.7 else line.replace(b, a)
    clauses = re.split(r"(?<=，)", line)
    if len(clauses) > 2 and rng.random() < strength:
        del clauses[rng.randrange(1, len(clauses) - 1)]  # drop an inner clause
    if len(clauses) > 3 and rng.random() < strength / 2:
        i = rng.randrange(1, len(clauses) - 2)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
    return "".join(clauses)


def make_variant(doc: Document, seed: int, *, pool: list[str] = (), strength: float = 0.35,
                 doc_id: str | None = None) -> Variant:
    """A reworked copy of ``doc`` and its true alignment to ``doc``'s articles."""
    rng = random.Random(seed)
    units, chapters = _units(doc)
    # drop a few
    units = [u for u in units if rng.random() > 0.04]
    # split long articles in two (paragraph or list halves)
    out: list[_Unit] = []
    for u in units:
        if len(u.lines) >= 3 and rng.random() < 0.12:
            cut = rng.randrange(1, len(u.lines) - 1) + 1 if len(u.lines) > 3 else 2
            second = u.lines[cut:]
            second[0] = re.sub(r"^[（(][一二三四五六七八九十]+[）)]\s*", "", second[0])
            out += [_Unit(u.origins, u.lines[:cut], u.chapter), _Unit(u.origins, second, u.chapter)]
        else:
            out.append(u)
    units = out
    # merge neighbours in the same chapter
    out = []
    for u in units:
        if out and out[-1].chapter == u.chapter and len(out[-1].origins) == 1 and rng.random() < 0.07:
            out[-1] = _Unit(out[-1].origins + u.origins, out[-1].lines + u.lines, u.chapter)
        else:
            out.append(u)
    units = out
    # move some articles: mostly inside their chapter, sometimes to another chapter
    for _ in range(max(1, len(units) // 8)):
        i = rng.randrange(len(units))
        u = units.pop(i)
        same = [k for k, v in enumerate(units) if v.chapter == u.chapter]
        if same and rng.random() < 0.8:
            j = rng.choice(same + [same[-1] + 1])
        else:
            j = rng.randrange(len(units) + 1)
            u.chapter = units[min(j, len(units) - 1)].chapter if units else u.chapter
        units.insert(j, u)
    # reword every line a little
    for u in units:
        u.lines = [_reword(line, rng, strength) for line in u.lines]
    # new articles from elsewhere
    for text in rng.sample(list(pool), min(len(pool), 3)):
        units.insert(rng.randrange(len(units) + 1), _Unit([], [text], units[0].chapter))
    # chapters must stay in order: sort units by chapter keeping the order inside each
    units.sort(key=lambda u: u.chapter)
    return _build(doc, units, chapters, doc_id or f"{doc.id}-v{seed}")


def _build(doc: Document, units: list[_Unit], chapters: list[str], doc_id: str) -> Variant:
    root = Node(eid="", kind="body")
    truth: list[tuple[str, str]] = []
    number = 0
    for ch_index, heading in enumerate(chapters):
        members = [u for u in units if u.chapter == ch_index]
        if not members:
            continue
        chp = Node(f"chp_{ch_index + 1}", "chapter", f"第{int_to_cn(ch_index + 1)}章", ch_index + 1, heading)
        root.children.append(chp)
        for u in members:
            number += 1
            eid = f"{chp.eid}__art_{number}"
            art = Node(eid, "article", f"第{int_to_cn(number)}条", number)
            para = Node(f"{eid}__para_1", "paragraph", text=u.lines[0])
            art.children.append(para)
            point_no = 0
            for line in u.lines[1:]:
                m = re.match(r"^([（(][一二三四五六七八九十]+[）)])\s*(.*)$", line)
                if m:
                    point_no += 1
                    para.children.append(Node(f"{para.eid}__point_{point_no}", "point", m[1], point_no,
                                              text=m[2]))
                else:
                    k = len(art.children) + 1
                    art.children.append(Node(f"{eid}__para_{k}", "paragraph", text=line))
            chp.children.append(art)
            truth += [(o, eid) for o in u.origins]
    variant = Document(id=doc_id, source=doc_id, position=0, kind="rule", title=f"{doc.title}（变体）",
                       root=root, meta={"region": "synthetic"})
    return Variant(variant, truth)
