"""Align the provisions of several rules by content, not by number.

The rules implementing one national order number, split and word things differently, so the
engine compares what provisions say (``provisions.py``: articles, or the items of a Chuxiong
article that bundles lists). Documents are aligned as a star: the document closest to all the
others first (its provisions seed the rows), then the others by closeness to it, each matched
against all rows so far. The rows therefore do not depend on the order documents are named in;
columns and each row's reference (the first document present) follow that order.

For one document against the rows:
1. score every (provision, row) pair: character n-gram TF-IDF cosine, plus a small bonus when the
   provisions on either side are also similar (legal texts mostly keep their order, so an article
   between two matched neighbours is likely the match of the article between theirs), plus a weak
   chapter prior;
2. take pairs greedily, best first, one provision per row (deterministic tie-breaks); a weaker
   pair when each side is the other's best match. A provision whose best row went to a sibling it
   restates for another subject (Chuxiong's pharmacy list beside its hospital list) is *parallel*
   to it and stays alone;
3. split pass: a neighbour of a row's match joins the row when it restates a sentence of the row
   clearly better than the match does ("js 12 + js 13 together match gd 12"); a provision elsewhere
   in the same chapter joins on a substantial paragraph sentence; provisions left between two
   parts, and the rest of a chapter whose matched provisions all went to one row, join too;
4. merge pass: a row still without this document joins the row of the provision it restates
   (gd 14 + gd 22 ↔ js 15); two rows whose provisions of this document are neighbours merge when
   one strongly restates a paragraph sentence of the other (gd 31 + 33 ↔ js 28 + 29);
5. what is left opens a row of its own (a topic only this region has, so far).

Then a second round gives provisions left alone a chance against the rows that grew after them,
and the neighbour rules of step 3 are applied to the first document too. Restatement is measured
on sentences (``similarity.Sentence``): list entries are shared grounds, not shared provisions, so
away from a provision's neighbours only paragraph sentences of 20 characters or more count.

Every row carries a score and a human-readable reason; the same input gives byte-identical output.
Thresholds were chosen on synthetic variants of the Guangdong measure (``synthetic.py``) and on
the three real rules, whose gold alignment (bench/compare_quality.py) was written before the
engine: expect somewhat lower figures on rules it has not seen.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from toolkit.compare.parts import Part, find_parts
from toolkit.compare.provisions import Provision, provisions
from toolkit.compare.similarity import Sentence, Space, cosine, sentence, sentences, shared_terms
from toolkit.model import Document

ACCEPT = 0.2  # minimum pair score for a 1:1 match
MUTUAL_ACCEPT = 0.12  # … or, for two that are each other's best match, the plain cosine
NEIGHBOUR_WEIGHT = 0.15  # weight of the neighbours' similarity (order prior)
CHAPTER_WEIGHT = 0.05  # weight of the chapter-heading similarity
RESTATED = 0.5  # a sentence is restated by a text holding this share of its TF-IDF mass
SPLIT_GAIN = 0.1  # how much more of a row's sentence a neighbour must restate to join (split)
JOIN_GAIN = 0.2  # same, for a piece elsewhere in the same chapter
MERGE_GAIN = 0.2  # same, for a row joining the row of the provision it restates (merge)
CROSS_GAIN = 0.6  # same, for two rows whose provisions of one document are neighbours …
CROSS_SENTENCE = 20  # away from neighbours only a paragraph sentence (not a list entry) this long counts
PARALLEL = 0.3  # similarity to a sibling above which a provision is parallel, not a part
SANDWICH_GAP = 4  # unmatched provisions between two parts of a row are absorbed, up to this many
ITEM_ACCEPT = 0.3  # minimum similarity for two items to be aligned
QUOTE_SHARE = 0.3  # a reason quotes the sentence a provision restates when it holds this share


@dataclass(frozen=True)
class DocInfo:
    id: str
    title: str
    tag: str  # short tag used in reasons and headers: "gd", "js", "cx"
    short: str | None = None  # 广东办法
    region: str | None = None
    doc_number: str | None = None


@dataclass(frozen=True)
class ItemLink:
    """Items of different documents aligned inside a row (the nine refusal grounds, one by one)."""

    members: dict[str, str]  # doc id → item eId
    score: float


@dataclass
class BaselineMatch:
    doc_id: str
    provisions: list[Provision]
    score: float
    reason: str


@dataclass
class Row:
    members: dict[str, list[Provision]]  # doc id → provisions in document order
    score: float = 0.0
    reason: str = ""
    kind: str = "only"  # match (1:1 everywhere) | split (some document needs several) | only
    items: list[ItemLink] = field(default_factory=list)
    baseline: BaselineMatch | None = None
    note: str = ""  # why a region-only provision stayed alone, when the alignment knows
    parts: dict[str, list[Part]] = field(default_factory=dict)  # doc id → provisions of other rows
    # that also state (part of) this row's rule: a multi-topic article appears in every row its
    # topics belong to, with the words that match (parts.py)

    @property
    def docs(self) -> list[str]:
        return list(self.members)

    @property
    def aligned(self) -> bool:
        return len(self.members) > 1

    @property
    def shown(self) -> bool:
        """In the article matrix: aligned, or a region's row that other documents state in part."""
        return self.aligned or bool(self.parts)

    def part_pairs(self) -> list[tuple[Provision, Provision]]:
        """(part, member it restates) for every part of the row."""
        return [(pt.provision, m) for pts in self.parts.values() for pt in pts for m in pt.with_]

    def eids(self, doc_id: str) -> list[str]:
        return [p.eid for p in self.members.get(doc_id, [])]


@dataclass
class Alignment:
    documents: list[DocInfo]
    rows: list[Row]  # aligned rows in reading order, then each document's region-only rows
    baseline: DocInfo | None = None
    docs: dict[str, Document] = field(default_factory=dict, repr=False, compare=False)

    @property
    def aligned_rows(self) -> list[Row]:
        return [r for r in self.rows if r.aligned]

    def only_rows(self, doc_id: str) -> list[Row]:
        return [r for r in self.rows if not r.shown and doc_id in r.members]

    @property
    def matrix_rows(self) -> list[Row]:
        return [r for r in self.rows if r.shown]

    def row_of(self, doc_id: str, eid: str) -> Row | None:
        return next((r for r in self.rows if eid in r.eids(doc_id)), None)

    def info(self, doc_id: str) -> DocInfo:
        return next(d for d in self.documents + ([self.baseline] if self.baseline else []) if d.id == doc_id)


# --- scoring --------------------------------------------------------------------------------------

class _Space:
    """Every provision of every document compared, with all pairwise similarities computed once."""

    def __init__(self, groups: dict[str, list[Provision]]):
        self.groups = groups
        everything = [p for ps in groups.values() for p in ps]
        chapters = sorted({p.chapter for p in everything})
        texts: dict[Hashable, str] = {p.key: p.plain for p in everything}
        texts |= {("chapter", c): c for c in chapters}
        self.space = Space(texts)
        self.vectorizer = self.space.vectorizer
        self._sentences: dict[tuple[str, str], list[Sentence]] = {}
        self.aligned: set[str] = set(groups)  # the documents compared (not the baseline)

    def cos(self, a: Provision, b: Provision) -> float:
        return self.space.cos(a.key, b.key)

    def sim(self, a: list[Provision], b: list[Provision]) -> float:
        return self.space.sim([p.key for p in a], [p.key for p in b])

    def to_row(self, row: Row, without: str | None = None) -> dict[tuple[str, str], float]:
        """Similarity of every provision with the row read as one text (minus a document)."""
        keys = [p.key for d, ps in row.members.items() if d != without for p in ps]
        return dict(zip(self.space.index, self.space.sims_to(keys), strict=True)) if keys else {}

    def neighbour(self, p: Provision, row: Row) -> float:
        """How similar the provisions around ``p`` are to those around the row's members."""
        mine = self.groups[p.doc_id]
        best = 0.0
        for doc, ps in row.members.items():
            theirs = self.groups[doc]
            lo, hi = ps[0].index, ps[-1].index
            sides = []
            if p.index > 0 and lo > 0:
                sides.append(self.cos(mine[p.index - 1], theirs[lo - 1]))
            if p.index + 1 < len(mine) and hi + 1 < len(theirs):
                sides.append(self.cos(mine[p.index + 1], theirs[hi + 1]))
            if sides:
                best = max(best, sum(sides) / 2)
        return best

    def chapter_sim(self, p: Provision, row: Row) -> float:
        return max(self.space.cos(("chapter", p.chapter), ("chapter", ps[0].chapter)) for ps in row.members.values())

    def sentences(self, p: Provision) -> list[Sentence]:
        if p.key not in self._sentences:
            items = {s for it in p.items for s in sentences(it.text)}
            self._sentences[p.key] = [sentence(s, self.vectorizer, item=s in items) for s in sentences(p.text)]
        return self._sentences[p.key]

    def adds(self, target: list[Provision], part: list[Provision], q: Provision, *, shortest: int = 0,
             items: bool = True) -> float:
        """How much better ``q`` restates some sentence of ``target`` than ``part`` does (0 when
        ``q`` restates a provision of ``part`` for another subject: a parallel provision).
        Sentences shorter than ``shortest`` characters, and list entries unless ``items``, are not
        considered."""
        if any(self.cos(q, p) >= PARALLEL for p in part if p.doc_id == q.doc_id):
            return 0.0
        have = frozenset().union(*(self.space.grams[p.key] for p in part))
        mine = self.space.grams[q.key]
        gain = 0.0
        for t in target:
            for s in self.sentences(t):
                if len(s.text) < shortest or (s.item and not items):
                    continue
                before = s.restated_by(have)
                if before < RESTATED:
                    gain = max(gain, s.restated_by(mine) - before)
        return gain


# --- alignment ------------------------------------------------------------------------------------

def _tag(doc: Document) -> str:
    return doc.id.split("-")[0]


def _info(doc: Document) -> DocInfo:
    return DocInfo(doc.id, doc.title, _tag(doc), doc.meta.get("short"), doc.meta.get("region"), doc.doc_number)


def implemented(docs: list[Document]) -> str | None:
    """The work every document says it implements (manifest ``implements:``), if they agree: the
    natural baseline of a comparison (国家医疗保障局令第2号 for the three 定点管理 rules)."""
    works = {d.meta.get("implements") for d in docs}
    return works.pop() if len(works) == 1 and None not in works else None


def align(docs: list[Document], *, baseline: Document | None = None) -> Alignment:
    """Align the provisions of ``docs`` (two or more) by content; optionally against a baseline."""
    if len(docs) < 2:
        raise ValueError("align needs at least two documents")
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"the same document is given twice: {', '.join(ids)}")
    if baseline is not None and baseline.id in ids:
        raise ValueError(f"{baseline.id} is both compared and the baseline")
    groups = {d.id: provisions(d) for d in docs}
    for d in docs:
        if not groups[d.id]:
            raise ValueError(f"{d.id} has no articles to compare")
    if baseline is not None:
        groups_all = dict(groups) | {baseline.id: provisions(baseline)}
    else:
        groups_all = groups
    space = _Space(groups_all)
    space.aligned = set(groups)
    order = _star_order([d.id for d in docs], groups, space)
    rows = [Row({order[0]: [p]}) for p in groups[order[0]]]
    for doc_id in order[1:]:
        rows = _align_document(groups[doc_id], rows, space)
    # second round: what stayed alone meets the rows that grew after it was aligned (the first
    # document's provisions meet everything aligned after them)
    for doc_id in order:
        rows = _second_round(groups[doc_id], rows, space)
    rows = _consolidate(rows, groups)
    for row in rows:  # columns in the order the documents were given
        row.members = {d.id: row.members[d.id] for d in docs if d.id in row.members}
    # provision level: the parts of articles that state another row's rule join that row too
    for row, found in zip(rows, find_parts(rows, groups, space.vectorizer, space.cos), strict=True):
        row.parts = {d.id: found[d.id] for d in docs if d.id in found}
    rows = _order(rows, [d.id for d in docs], groups)
    tags = {d.id: _tag(d) for d in docs}
    for row in rows:
        _explain(row, space, tags)
        _explain_parts(row, tags)
        row.items = _align_items(row, space)
    if baseline is not None:
        tags[baseline.id] = _tag(baseline)
        for row in rows:
            row.baseline = _baseline_match(row, groups_all[baseline.id], space, tags)
    return Alignment([_info(d) for d in docs], rows, _info(baseline) if baseline else None,
                     {d.id: d for d in docs + ([baseline] if baseline else [])})


def _align_document(mine: list[Provision], rows: list[Row], space: _Space,
                    fixed: frozenset[int] = frozenset()) -> list[Row]:
    """``mine`` (a document's provisions) against ``rows``; ``fixed`` provisions are already in
    other rows and take no part (the second round)."""
    doc = mine[0].doc_id
    scores: dict[tuple[int, int], float] = {}
    cosines: dict[tuple[int, int], float] = {}
    for j, row in enumerate(rows):
        to_row = space.to_row(row)
        for i, p in enumerate(mine):
            if i in fixed:
                continue
            base = to_row[p.key]
            if base < 0.05:  # nothing in common: skip the context terms
                continue
            cosines[i, j] = base
            scores[i, j] = (base + NEIGHBOUR_WEIGHT * space.neighbour(p, row)
                            + CHAPTER_WEIGHT * space.chapter_sim(p, row))
    best_row: dict[int, int] = {}
    for (i, j), s in sorted(scores.items()):
        if i not in best_row or s > scores[i, best_row[i]]:
            best_row[i] = j
    best_provision: dict[int, int] = {}
    for (i, j), s in sorted(scores.items()):
        if j not in best_provision or s > scores[best_provision[j], j]:
            best_provision[j] = i
    # 1. greedy one-to-one, best first; ties broken by document order. A weaker pair is taken
    #    when each side is the other's best match. A provision whose best row went to a sibling
    #    it restates for another subject (a pharmacy list beside a hospital list) is parallel to
    #    that sibling and not matched further.
    taken_p: dict[int, int] = {i: -1 for i in fixed}  # provision → row (-1: placed elsewhere)
    taken_r: dict[int, int] = {}
    parallel: dict[int, int] = {}  # provision → the aligned sibling it parallels
    for (i, j), s in sorted(scores.items(), key=lambda kv: (-round(kv[1], 9), kv[0])):
        if i in taken_p or i in parallel:
            continue
        if j in taken_r:
            if j == best_row[i] and space.cos(mine[i], mine[taken_r[j]]) >= PARALLEL:
                parallel[i] = taken_r[j]
            continue
        if s < ACCEPT and not (best_row[i] == j and best_provision[j] == i and cosines[i, j] >= MUTUAL_ACCEPT):
            continue
        mate = taken_r.get(best_row[i])
        if mate is not None and space.cos(mine[i], mine[mate]) >= PARALLEL:
            parallel[i] = mate
            continue
        taken_p[i], taken_r[j] = j, i
    parts: dict[int, list[int]] = {j: [i] for j, i in taken_r.items()}

    def others(j: int) -> list[Provision]:
        return [p for d, ps in rows[j].members.items() if d != doc for p in ps]

    # 2. split pass: an adjacent provision restating more of the row joins it
    for j in sorted(parts, key=lambda j: parts[j][0]):
        grew = True
        while grew:
            grew = False
            for i in (parts[j][0] - 1, parts[j][-1] + 1):
                if (0 <= i < len(mine) and i not in taken_p
                        and space.adds(others(j), [mine[k] for k in parts[j]], mine[i]) >= SPLIT_GAIN):
                    parts[j] = sorted(parts[j] + [i])
                    taken_p[i], grew = j, True
    # 3. a piece elsewhere in the same chapter, then what lies between the pieces
    for i, p in enumerate(mine):
        j = best_row.get(i)
        if i in taken_p or j not in parts:
            continue
        if (any(mine[k].chapter == p.chapter for k in parts[j])
                and space.adds(others(j), [mine[k] for k in parts[j]], p, items=False,
                               shortest=CROSS_SENTENCE) >= JOIN_GAIN):
            parts[j] = sorted(parts[j] + [i])
            taken_p[i] = j
    for j, idx in parts.items():
        gap = [k for k in range(idx[0] + 1, idx[-1]) if k not in taken_p]
        if gap and len(gap) <= SANDWICH_GAP and all(mine[k].chapter == mine[idx[0]].chapter for k in gap):
            parts[j] = sorted(idx + gap)
            for k in gap:
                taken_p[k] = j
    # a chapter whose matched provisions (two or more) all went to one row is that row's topic:
    # its unmatched provisions join too (Chuxiong's chapter 组织评估 is Guangdong's article 12)
    for chapter in sorted({p.chapter for p in mine}):
        idx = [i for i, p in enumerate(mine) if p.chapter == chapter]
        homes = {taken_p[i] for i in idx if i in taken_p}
        matched = sum(1 for i in idx if i in taken_p)
        if len(homes) != 1 or -1 in homes or matched < 2 or len(idx) - matched > matched:
            continue
        j = homes.pop()
        rest = [i for i in idx if i not in taken_p]
        parts[j] = sorted(parts[j] + rest)
        for i in rest:
            taken_p[i] = j
    out = [Row(dict(r.members)) for r in rows]
    for j, idx in parts.items():
        out[j].members[doc] = [mine[i] for i in idx]
    # 4. merge pass: a row without this document joins the row of the provision it restates
    home = {j: j for j in range(len(rows))}
    for j, row in enumerate(rows):
        if j in parts:
            continue
        cands = [(s, i) for (i, jj), s in scores.items() if jj == j and taken_p.get(i, -1) >= 0]
        if not cands:
            continue
        k = taken_p[max(cands)[1]]
        while home[k] != k:
            k = home[k]
        ours = out[k].members[doc]
        theirs = [p for d, ps in out[k].members.items() if d != doc for p in ps]
        newcomers = [p for ps in row.members.values() for p in ps]
        # next to the row's own provisions of that document, the split-pass threshold applies
        near = all(any(abs(q.index - p.index) == 1 for p in out[k].members.get(q.doc_id, [])) for q in newcomers)
        if all(space.adds(ours, theirs, q, items=near, shortest=0 if near else CROSS_SENTENCE)
               >= (SPLIT_GAIN if near else MERGE_GAIN) for q in newcomers):
            for d2, ps in row.members.items():
                out[k].members[d2] = sorted(out[k].members.get(d2, []) + ps, key=lambda p: p.index)
            out[j].members = {}
            home[j] = k
    out = [r for r in out if r.members]
    out = _cross_merge(out, doc, space)
    # 5. the rest: topics only this document has (so far)
    for i, p in enumerate(mine):
        if i in taken_p:
            continue
        row = Row({doc: [p]})
        if i in parallel:
            mate = mine[parallel[i]]
            row.note = (f"parallel to {_tag_of(mate)} {short_label(mate)} ({space.cos(p, mate):.2f}): "
                        "the same kind of rule for another subject")
        out.append(row)
    return out


def _star_order(ids: list[str], groups: dict[str, list[Provision]], space: _Space) -> list[str]:
    """The order documents are aligned in: the one closest to all others first (the centre of a
    star alignment), then the others by closeness to it; ties keep the order given. The result
    then depends on the documents, not on the order they were named in."""
    def affinity(a: str, b: str) -> float:  # how well a's provisions find a match in b
        return sum(max(space.cos(p, q) for q in groups[b]) for p in groups[a]) / len(groups[a])

    pair = {(a, b): affinity(a, b) + affinity(b, a) for a in ids for b in ids if a < b}
    close = {(a, b): pair[min(a, b), max(a, b)] for a in ids for b in ids if a != b}
    centre = max(ids, key=lambda a: (round(sum(close[a, b] for b in ids if b != a), 9), -ids.index(a)))
    rest = sorted((b for b in ids if b != centre), key=lambda b: (-round(close[centre, b], 9), ids.index(b)))
    return [centre, *rest]


def _second_round(mine: list[Provision], rows: list[Row], space: _Space) -> list[Row]:
    doc = mine[0].doc_id
    # parallel provisions (a pharmacy list beside the aligned hospital list) stay as they are
    again = [r for r in rows if not r.aligned and doc in r.members and not r.note]
    targets = [r for r in rows if r.aligned and doc not in r.members]
    if not again or not targets:
        return rows
    free = {p.index for r in again for p in r.members[doc]}
    fixed = frozenset(p.index for p in mine if p.index not in free)
    moving = {id(r) for r in again + targets}
    keep = [r for r in rows if id(r) not in moving]
    return keep + _align_document(mine, targets, space, fixed)


def _consolidate(rows: list[Row], groups: dict[str, list[Provision]]) -> list[Row]:
    """For every document (the first one too): provisions left alone between two provisions of one
    row, or in a chapter whose other provisions all went to one row, join that row. Within one
    document pass these rules already applied to the document being aligned; here they also reach
    the first document's provisions, whose rows were there before anything was aligned to them."""
    alone = {r.members[d][0].key: r for r in rows if not r.aligned for d in r.members}
    for row in [r for r in rows if r.aligned]:
        for doc, ps in list(row.members.items()):
            mine = groups[doc]
            lo, hi = ps[0].index, ps[-1].index
            gap = [mine[k] for k in range(lo + 1, hi) if mine[k].key in alone]
            inside = all(q.chapter == ps[0].chapter for q in gap)
            if gap and len(gap) <= SANDWICH_GAP and inside and len(gap) + len(ps) == hi - lo + 1:
                _absorb(row, doc, gap, alone)
    for doc, mine in groups.items():
        for chapter in dict.fromkeys(p.chapter for p in mine):
            idx = [p for p in mine if p.chapter == chapter]
            homes = {id(r) for r in rows if r.aligned for p in idx if p in r.members.get(doc, [])}
            matched = [p for p in idx if p.key not in alone]
            rest = [p for p in idx if p.key in alone]
            if len(homes) == 1 and len(matched) >= 2 and rest and len(rest) <= len(matched):
                row = next(r for r in rows if id(r) in homes)
                if all(p in row.members.get(doc, []) for p in matched):
                    _absorb(row, doc, rest, alone)
    return [r for r in rows if r.members]


def _absorb(row: Row, doc: str, ps: list[Provision], alone: dict[tuple[str, str], Row]) -> None:
    row.members[doc] = sorted(row.members[doc] + ps, key=lambda p: p.index)
    for p in ps:
        alone.pop(p.key).members = {}


def _cross_merge(rows: list[Row], doc: str, space: _Space) -> list[Row]:
    """Two rows whose provisions of this document are neighbours merge when one neighbour strongly
    restates a sentence of the other row that its own provisions do not (Jiangsu 28 + 29 against
    Guangdong 31 + 33: the payment deadline moved from one article to the next). Only paragraph
    sentences count: lists of grounds repeat their entries across articles (the grounds for
    suspension are also grounds in the penalty scale)."""
    where = {p.index: k for k, r in enumerate(rows) for p in r.members.get(doc, [])}
    merged = True
    while merged:
        merged = False
        for k, row in enumerate(rows):
            ps = row.members.get(doc)
            if not ps:
                continue
            for nb in (ps[0].index - 1, ps[-1].index + 1):
                m = where.get(nb)
                if m is None or m == k:
                    continue
                other = rows[m]
                theirs = [p for d, qs in row.members.items() if d != doc for p in qs]
                q = next(p for p in other.members[doc] if p.index == nb)
                if space.adds(theirs, ps, q, shortest=CROSS_SENTENCE, items=False) >= CROSS_GAIN:
                    for d2, qs in other.members.items():
                        row.members[d2] = sorted(row.members.get(d2, []) + qs, key=lambda p: p.index)
                    rows = [r for i, r in enumerate(rows) if i != m]
                    where = {p.index: i for i, r in enumerate(rows) for p in r.members.get(doc, [])}
                    merged = True
                    break
            if merged:
                break
    return rows


def _tag_of(p: Provision) -> str:
    return p.doc_id.split("-")[0]


def _order(rows: list[Row], doc_ids: list[str], groups: dict[str, list[Provision]]) -> list[Row]:
    """Aligned rows in the first document's order (rows without it placed after their nearest
    preceding neighbour in their own document), then each document's region-only rows."""
    aligned = [r for r in rows if r.shown]
    position: dict[int, tuple[float, ...]] = {}
    pivot = doc_ids[0]
    placed: dict[tuple[str, str], float] = {}
    for r in aligned:
        if pivot in r.members:
            pos = float(r.members[pivot][0].index)
            position[id(r)] = (pos, 0.0)
            for ps in r.members.values():
                for p in ps:
                    placed[p.key] = pos
    for r in aligned:
        if id(r) in position:
            continue
        doc = next(d for d in doc_ids if d in r.members)
        first = r.members[doc][0]
        before = [placed[q.key] for q in groups[doc][: first.index] if q.key in placed]
        anchor = max(before) if before else -1.0
        position[id(r)] = (anchor, 1.0 + doc_ids.index(doc) + first.index / 1000)
    aligned.sort(key=lambda r: position[id(r)])
    only = [r for d in doc_ids for r in sorted((r for r in rows if not r.shown and d in r.members),
                                                 key=lambda r: r.members[d][0].index)]
    return aligned + only


# --- explanations ---------------------------------------------------------------------------------

def short_label(p: Provision) -> str:
    """12, 13(一), 7 ¶2: an article number with the item or paragraph that was cut out of it."""
    base = str(p.article) if p.article is not None else p.label
    tail = p.eid.rsplit("__", 1)[-1]
    if tail.startswith("point_"):
        num = p.label.rsplit("第", 1)[-1].rstrip("项").strip("（）()")
        return f"{base}({num})"
    if tail.startswith("para_"):
        return f"{base} ¶{tail.split('_')[1]}"
    return base


def names(tag: str, ps: list[Provision]) -> str:
    return " + ".join(f"{tag} {short_label(p)}" for p in ps)


def _explain(row: Row, space: _Space, tags: dict[str, str]) -> None:
    docs = row.docs
    if len(docs) == 1:
        row.score, row.kind = 0.0, "only"
        row.reason = f"only in {tags[docs[0]]}: " + (row.note or _nearest(row.members[docs[0]], space, tags))
        return
    ref = docs[0]
    parts, sims = [], []
    for other in docs[1:]:
        a, b = row.members[ref], row.members[other]
        s = space.sim(a, b)
        sims.append(s)
        text_a = "".join(p.plain for p in a)
        text_b = "".join(p.plain for p in b)
        bits = [f"{names(tags[ref], a)} ↔ {names(tags[other], b)} {s:.2f}"]
        terms = shared_terms(text_a, text_b, space.vectorizer)
        if terms:
            bits.append("shared key terms: " + ", ".join(terms))
        na, nb = sum(len(p.items) for p in a), sum(len(p.items) for p in b)
        if na and na == nb:
            bits.append(f"same structure: {na} items")
        elif na or nb:
            bits.append(f"items: {na} vs {nb}")
        for many, one, many_tag, one_tag, word in ((b, a, tags[other], tags[ref], "split"),
                                                    (a, b, tags[ref], tags[other], "merged")):
            if len(many) > 1:
                bits.append(_why_together(many, one, many_tag, one_tag, word, s, space))
        parts.append("; ".join(bits))
    row.score = round(sum(sims) / len(sims), 4)
    row.kind = "match" if all(len(ps) == 1 for ps in row.members.values()) else "split"
    row.reason = " | ".join(parts)


def _explain_parts(row: Row, tags: dict[str, str]) -> None:
    """The parts in the engine's reason: ``part: js 24 “保护参保人员隐私” ↔ gd 34 0.98``."""
    if not row.parts:
        return
    bits = [f"part: {tags[p.provision.doc_id]} {short_label(p.provision)} “{_clip(p.quote)}” ↔ "
            f"{names(tags[p.target.doc_id], [p.target])} “{_clip(p.target_quote)}” "
            + (f"same role: {p.role}" if p.role else f"{p.score:.2f}")
            for pts in row.parts.values() for p in pts]
    if not row.aligned:
        row.kind, row.score = "part", max(p.score for pts in row.parts.values() for p in pts)
        row.reason = " | ".join(bits)
    else:
        row.reason = " | ".join([row.reason, *bits])


def _clip(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nearest(ps: list[Provision], space: _Space, tags: dict[str, str]) -> str:
    """The closest provision of the other documents compared, to show how far off it is."""
    others = [q for d, qs in space.groups.items() if d != ps[0].doc_id and d in tags and d in space.aligned
              for q in qs]
    if not others:
        return "no other document"
    best = max(others, key=lambda q: (round(space.sim(ps, [q]), 9), -q.index))
    return f"nearest is {tags[best.doc_id]} {short_label(best)} ({space.sim(ps, [best]):.2f}), too far to align"


def _why_together(many: list[Provision], one: list[Provision], many_tag: str, one_tag: str, word: str,
                  together: float, space: _Space) -> str:
    """Why several provisions share a row with one: a better cosine together, or the sentences of
    the other side that each of them restates."""
    alone = {p.key: space.sim([p], one) for p in many}
    best = max(many, key=lambda p: (alone[p.key], -p.index))
    if together > alone[best.key]:
        head = (f"{word}: {names(many_tag, many)} together match {names(one_tag, one)} "
                f"({together:.2f} vs {alone[best.key]:.2f} alone)")
    else:
        head = f"{word}: {names(many_tag, many)} each restate part of {names(one_tag, one)}"
    quotes = []
    for p in many:
        if p is best:
            continue
        grams = space.space.grams[p.key]
        scored = [(s.restated_by(grams), s.text) for q in one for s in space.sentences(q)]
        if scored:
            share, text = max(scored, key=lambda t: (t[0], -len(t[1])))
            if share >= QUOTE_SHARE:
                quotes.append(f"{names(many_tag, [p])} restates “{text[:14]}{'…' if len(text) > 14 else ''}”")
    return "; ".join([head] + quotes[:3])


def _align_items(row: Row, space: _Space) -> list[ItemLink]:
    """Items of the row's documents aligned to the reference document's items, in order (DP)."""
    docs = [d for d in row.docs if any(p.items for p in row.members[d])]
    if len(docs) < 2:
        return []
    ref = docs[0]
    ref_items = [it for p in row.members[ref] for it in p.items]
    links: dict[str, dict[str, str]] = {it.eid: {ref: it.eid} for it in ref_items}
    best: dict[str, float] = {it.eid: 1.0 for it in ref_items}
    for other in docs[1:]:
        items = [it for p in row.members[other] for it in p.items]
        vec = space.vectorizer.vector
        va = [vec(it.text) for it in ref_items]
        vb = [vec(it.text) for it in items]
        sim = [[cosine(x, y) for y in vb] for x in va]
        for i, k in _monotone(sim):
            links[ref_items[i].eid][other] = items[k].eid
            best[ref_items[i].eid] = min(best[ref_items[i].eid], sim[i][k])
    return [ItemLink(links[it.eid], round(best[it.eid], 4)) for it in ref_items if len(links[it.eid]) > 1]


def _monotone(sim: list[list[float]]) -> list[tuple[int, int]]:
    """Order-preserving pairs maximising total similarity (pairs below ITEM_ACCEPT not used)."""
    n, m = len(sim), len(sim[0]) if sim else 0
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for k in range(m - 1, -1, -1):
            take = sim[i][k] + table[i + 1][k + 1] if sim[i][k] >= ITEM_ACCEPT else -1.0
            table[i][k] = max(take, table[i + 1][k], table[i][k + 1])
    out, i, k = [], 0, 0
    while i < n and k < m:
        if sim[i][k] >= ITEM_ACCEPT and table[i][k] == sim[i][k] + table[i + 1][k + 1]:
            out.append((i, k))
            i, k = i + 1, k + 1
        elif table[i][k] == table[i + 1][k]:
            i += 1
        else:
            k += 1
    return out


def _baseline_match(row: Row, base: list[Provision], space: _Space, tags: dict[str, str]) -> BaselineMatch | None:
    """The baseline article the row's provisions restate, if one clearly does."""
    to_row = space.to_row(row)
    scored = sorted(((to_row[b.key], b.index) for b in base), key=lambda t: (-round(t[0], 9), t[1]))
    if not scored or scored[0][0] < ACCEPT:
        return None
    s, idx = scored[0]
    b = base[idx]
    ref = row.docs[0]
    terms = shared_terms("".join(p.plain for p in row.members[ref]), b.plain, space.vectorizer)
    reason = f"{names(tags[b.doc_id], [b])} {s:.2f}" + (f"; shared key terms: {', '.join(terms)}" if terms else "")
    return BaselineMatch(b.doc_id, [b], round(s, 4), reason)
