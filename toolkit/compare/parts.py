"""Provision-level alignment: the parts of an article that state another row's rule.

Article-level alignment puts each provision in one row. One region often puts several topics in
one article (Jiangsu 第二十四条: local management, the agencies' publicity and training, internal
controls, privacy) where another gives each its own article. After the rows are built, every
provision is read clause by clause: a run of clauses (up to ``WINDOW``, inside one paragraph or
item) that restates a run of clauses of another row's member better than anything in its own row
makes the provision a *part* of that row too, with the words that match (both sides) kept for
highlighting.

Similarity is the rows' own character n-gram TF-IDF (``similarity.Vectorizer``), computed on
clauses: a clause Gram matrix (the numpy bincount product of ``similarity._gram``) gives the cosine
of any two runs of clauses from sums of its entries. Safeguards, because legal texts repeat
formulas and lists of grounds:
- the run must be distinctive: said in few rows (``FORMULA``); "定点医疗机构有下列情形之一的" or "中止相关责任人员…的医疗服务" recur and prove nothing;
- its own row must not explain it as well (``HOME_MARGIN``), nor the row's members of the same
  document (then the row already has it) — unless it repeats, in a paragraph sentence, what that
  member says (``REPEAT``: js 17 opens with js 4's 定点医疗机构应当遵守医疗保障法律…, and both
  state that rule; list entries repeated across lists with other consequences do not count);
- it binds the same actor (``_actor``: the first of corpus/alignment_terms.yaml's actors named
  before a modal in the sentence): 经办机构应当遵守数据安全有关制度 is not the same rule as
  定点医疗机构…遵守数据安全有关制度;
- a provision parallel to a row member of its own document (a pharmacy list beside the hospital
  list, cosine ≥ ``align.PARALLEL``) is not a part of that row, and rows holding only such a
  parallel provision take no parts.
A part pairs with the row's members (of other documents) its run matches at least ``WITH``, and
always with the member it restates best (for the metric and the JSON ``with``), and with the
members stating a rare topic the article names (``TOPIC_WITH``).

Worded apart, two sentences may still state one rule on one subject: ``_add_topics`` makes parts
whose evidence is a rare topic of corpus/alignment_topics.yaml both state for the same actor
(``topics.py`` has the rules), and parts of one row on one topic restate each other.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from toolkit.compare import topics
from toolkit.compare.provisions import Provision
from toolkit.compare.similarity import Vectorizer, _gram, ngrams, normalize

WINDOW = 3  # clauses in a run, at most
MIN_CHARS = 12  # a run shorter than this (normalised) says too little
ACCEPT = 0.4  # cosine of the two runs
NEAR = 0.03  # runs this close to the best one are as good: the longest is quoted
HOME_MARGIN = 0.25  # the run must match this much better here than in its own row
FORMULA = 3  # a run said in more rows than this is a formula …
SAYS = 0.25  # … a row says it when a provision matches it this close to the part's own score
WITH = 0.15  # a part pairs with the row's members its run matches at least this (and its target)
COMMON_DF = 0.05  # n-grams in more than this share of clauses are left out of the clause products
PARALLEL = 0.3  # see align.PARALLEL
REPEAT = 0.8  # a sentence its document repeats in a row member (verbatim, or nearly) is still a part
TOPIC_PARTS = True  # parts whose evidence is a rare shared topic (topics.py)
TOPIC_WITH = True  # a part also pairs with the row's members stating a rare topic its words name
NEIGHBOURS = 0.08  # only provisions this similar as a whole are searched run by run (speed; no loss)

TERMS = Path(__file__).resolve().parents[2] / "corpus" / "alignment_terms.yaml"

_CUT = re.compile(r"[，,。；;：:！？!?\n]")
_LEAD = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇]+条\s*)?(?:【[^】]*】)?\s*"
                   r"(?:[（(][一二三四五六七八九十]+[）)]|\d+[.．、])?")


@dataclass(frozen=True)
class Clause:
    start: int  # offsets in the provision's printed text
    end: int
    block: int  # line number inside the provision: runs never cross a line (paragraph, item)
    norm: str


@dataclass(frozen=True)
class Part:
    """A provision that also states (part of) another row's rule."""

    provision: Provision
    quote: str  # its words that match, as printed
    span: tuple[int, int]  # where they are in ``provision.text``
    target: Provision  # the row member whose words they restate
    target_quote: str
    score: float  # cosine of the two runs
    with_: tuple[Provision, ...] = ()  # the row's members (of other documents) it restates
    role: str = ""  # a drafting role both have (roles.yaml: 适用范围条款), when that is the evidence
    topic: str = ""  # the rare topic both state (corpus/alignment_topics.yaml), when that is the evidence

    @property
    def body_span(self) -> tuple[int, int]:
        """``span`` in the provision's text without its article number (what reports print)."""
        cut = len(self.provision.text) - len(self.provision.body)
        return self.span[0] - cut, self.span[1] - cut


def clauses(p: Provision) -> list[Clause]:
    """The provision's clauses with their printed offsets, article and item numbers left out."""
    out: list[Clause] = []
    offset = 0
    for block, line in enumerate(p.text.split("\n")):
        lead = _LEAD.match(line)
        pos = lead.end() if lead else 0
        for piece in _CUT.split(line[pos:]):
            start = pos + offset
            pos += len(piece) + 1
            norm = normalize(piece)
            if norm:
                lo = start + (len(piece) - len(piece.lstrip()))
                out.append(Clause(lo, start + len(piece.rstrip()), block, norm))
        offset += len(line) + 1
    return out


class _Clauses:
    """Every clause of every provision compared, with the Gram matrix of their TF-IDF vectors."""

    def __init__(self, groups: dict[str, list[Provision]], vectorizer: Vectorizer):
        self.of: dict[tuple[str, str], list[Clause]] = {}
        self.first: dict[tuple[str, str], int] = {}
        texts: list[str] = []
        for ps in groups.values():
            for p in ps:
                cs = clauses(p)
                self.of[p.key], self.first[p.key] = cs, len(texts)
                texts += [c.norm for c in cs]
        counts = [ngrams(t) for t in texts]
        df: dict[str, int] = {}
        for c in counts:
            for g in c:
                df[g] = df.get(g, 0) + 1
        cap = max(2, int(COMMON_DF * len(texts)))
        columns: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, c in enumerate(counts):
            raw = {g: (1.0 + math.log(k)) * vectorizer.weight(g) for g, k in c.items()}
            norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
            for g, v in raw.items():
                if 2 <= df[g] <= cap:
                    rows.append(i)
                    cols.append(columns.setdefault(g, len(columns)))
                    vals.append(v / norm)
        n = len(texts)
        self.gram = _gram(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                          np.array(vals, dtype=np.float64), n)
        # a clause with itself is 1 even when its rare n-grams were left out of the products
        np.fill_diagonal(self.gram, 1.0)
        self._runs: dict[tuple[str, str], tuple] = {}
        self._best: dict[tuple, dict[tuple[str, str], float]] = {}
        self._all: tuple | None = None
        self._slice: dict[tuple[str, str], tuple[int, int]] = {}
        self._against: tuple = (None, None)

    def runs(self, p: Provision) -> list[tuple[int, int]]:
        """Runs of up to WINDOW clauses inside one line, long enough to carry a rule: (first, last)."""
        return self._runs_of(p.key)[0]

    def _runs_of(self, key: tuple[str, str]) -> tuple:
        if key not in self._runs:
            cs = self.of[key]
            out = []
            for i in range(len(cs)):
                for j in range(i, min(len(cs), i + WINDOW)):
                    if cs[j].block != cs[i].block:
                        break
                    if sum(len(c.norm) for c in cs[i : j + 1]) >= MIN_CHARS:
                        out.append((i, j))
            a = self.first[key]
            lo = np.array([a + i for i, _ in out], dtype=np.int64)
            hi = np.array([a + j + 1 for _, j in out], dtype=np.int64)
            norms = np.array([self.gram[x:y, x:y].sum() for x, y in zip(lo, hi, strict=True)])
            lengths = [sum(len(c.norm) for c in cs[i : j + 1]) for i, j in out]
            self._runs[key] = (out, lo, hi, np.sqrt(np.maximum(norms, 1e-12)), lengths)
        return self._runs[key]

    def cosines(self, q: Provision, t: Provision) -> np.ndarray:
        """Cosine of every run of ``q`` with every run of ``t``."""
        table = self.against_all(q)  # (indexes every run first)
        start, end = self._slice.get(t.key, (0, 0))
        return table[:, start:end]

    def against_all(self, q: Provision) -> np.ndarray:
        """Cosine of every run of ``q`` with every run of every provision (cached for the last
        ``q``: the search goes provision by provision)."""
        if self._against[0] != q.key:
            if self._all is None:
                self._index_runs()
            all_lo, all_hi, all_norm = self._all[0], self._all[1], self._all[2]
            runs, lo, hi, norms, _ = self._runs_of(q.key)
            if not runs:
                table = np.zeros((0, len(all_lo)))
            else:
                a, n = self.first[q.key], len(self.of[q.key])
                by_row = np.vstack([np.zeros(self.gram.shape[1]), np.cumsum(self.gram[a : a + n], axis=0)])
                summed = by_row[hi - a] - by_row[lo - a]  # each run of q against every clause
                prefix = np.hstack([np.zeros((len(runs), 1)), np.cumsum(summed, axis=1)])
                table = (prefix[:, all_hi] - prefix[:, all_lo]) / np.outer(norms, all_norm)
            self._against = (q.key, table)
        return self._against[1]

    def best(self, q: Provision, targets: list[Provision], floor: float = 0.0
             ) -> tuple[float, tuple[int, int], Provision, tuple[int, int]] | None:
        """The best pair of runs between ``q`` and any of ``targets`` scoring at least ``floor``:
        (cosine, q run, target, its run)."""
        found = None
        for t in targets:
            cos = self.cosines(q, t)
            if not cos.size:
                continue
            top = float(cos.max())
            if top < floor or (found is not None and top <= found[0] + 1e-12):
                continue
            # among runs nearly as good as the best, the longest: a quote says the whole rule
            (qr, *_, ql), (tr, *_, tl) = self._runs_of(q.key), self._runs_of(t.key)
            near = np.argwhere(cos >= top - NEAR).tolist()
            a, b = max(near, key=lambda ab: (ql[ab[0]] + tl[ab[1]], float(cos[ab[0], ab[1]]), -ab[0], -ab[1]))
            found = (float(cos[a, b]), qr[a], t, tr[b])
        return found

    def match(self, q: Provision, run: tuple[int, int], targets: list[Provision]) -> float:
        """How well the given run of ``q`` is matched by any run of ``targets``."""
        best = self.best_per_provision(q, run)
        return max((best.get(t.key, 0.0) for t in targets), default=0.0)

    def best_per_provision(self, q: Provision, run: tuple[int, int]) -> dict[tuple[str, str], float]:
        """The best cosine of run ``run`` of ``q`` with any run of each provision, all at once:
        the run's row of the Gram matrix summed, prefix sums over clauses, then every run."""
        key = (q.key, run)
        if key not in self._best:
            if self._all is None:
                self._index_runs()
            lo, hi, norm, owner, starts, keys = self._all
            a = self.first[q.key]
            v = self.gram[a + run[0] : a + run[1] + 1].sum(axis=0)
            own = math.sqrt(float(v[a + run[0] : a + run[1] + 1].sum())) or 1.0
            prefix = np.concatenate(([0.0], np.cumsum(v)))
            cos = (prefix[hi] - prefix[lo]) / (norm * own)
            tops = np.maximum.reduceat(cos, starts) if len(starts) else np.zeros(0)
            self._best[key] = dict(zip(keys, tops.tolist(), strict=True))
        return self._best[key]

    def _index_runs(self) -> None:
        """Every run of every provision in one set of arrays, grouped by provision."""
        lo, hi, norm, starts, keys = [], [], [], [], []
        for k in self.of:
            p_runs = self._runs_of(k)
            if not len(p_runs[1]):
                continue
            starts.append(len(lo))
            keys.append(k)
            lo += p_runs[1].tolist()
            hi += p_runs[2].tolist()
            norm += p_runs[3].tolist()
        self._all = (np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64),
                     np.maximum(np.array(norm), 1e-12), None, np.array(starts, dtype=np.int64), keys)
        ends = starts[1:] + [len(lo)]
        self._slice = {k: (a, b) for k, a, b in zip(keys, starts, ends, strict=True)}

    def span(self, p: Provision, run: tuple[int, int]) -> tuple[int, int]:
        cs = self.of[p.key]
        return cs[run[0]].start, cs[run[1]].end


def find_parts(rows: list, groups: dict[str, list[Provision]], vectorizer: Vectorizer,
               cos) -> list[dict[str, list[Part]]]:
    """For each row (``align.Row``), the provisions of other rows that also state its rule, per
    document. ``cos(a, b)`` is the provisions' cosine (for the parallel-sibling safeguard)."""
    cl = _Clauses(groups, vectorizer)
    tix = _Topics(groups)
    home = {p.key: k for k, r in enumerate(rows) for ps in r.members.values() for p in ps}
    out: list[dict[str, list[Part]]] = [{} for _ in rows]
    for d, ps in groups.items():
        for q in ps:
            own = rows[home[q.key]]
            if not own.aligned and own.note:  # a provision parallel to another row's: no parts
                continue
            for k, row in enumerate(rows):
                if not row.aligned and row.note:
                    continue
                mine = row.members.get(d, [])
                targets = [p for d2, qs in row.members.items() if d2 != d for p in qs]
                if not targets or q in mine or any(cos(q, p) >= PARALLEL for p in mine):
                    continue
                near = [t for t in targets if cos(q, t) >= NEIGHBOURS]
                found = cl.best(q, near, ACCEPT) if near else None
                if found is None or found[0] < ACCEPT:
                    continue
                score, run, t, trun = found
                theirs = [p for d2, qs in own.members.items() if d2 != d for p in qs]
                if score - cl.match(q, run, theirs) < HOME_MARGIN:
                    continue  # its own row says it as well
                if (mine and cl.match(t, trun, mine) >= score - HOME_MARGIN
                        and not _repeated(cl, q, run, mine, score)):
                    continue  # the row's own provisions of this document say it already
                if _rows_saying(cl, t, trun, rows, score - SAYS) > FORMULA:
                    continue  # a formula many rows repeat ("中止相关责任人员…的医疗服务")
                span, tspan = cl.span(q, run), cl.span(t, trun)
                actors = (_actor(q, span), _actor(t, tspan))
                if None not in actors and actors[0] != actors[1]:
                    continue  # the same duty for another actor (经办机构 / 定点医疗机构) is another rule
                # the part restates these members (a row may hold several of the other documents)
                with_ = tuple(p for p in targets if p is t or cl.match(q, run, [p]) >= WITH
                              or (TOPIC_WITH and tix.shared(q, (0, len(q.text)), p)))
                out[k].setdefault(d, []).append(
                    Part(q, _quote(q, span), span, t, _quote(t, tspan), round(score, 4), with_))
    if TOPIC_PARTS:
        _add_topics(out, rows, groups, home, cl, cos, tix)
    _add_roles(out, rows, groups, home)
    return _one_way(out, rows, home)


@lru_cache(maxsize=1)
def terms() -> dict:
    """The alignment vocabulary (corpus/alignment_terms.yaml)."""
    return yaml.safe_load(TERMS.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _actor_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    raw = terms()
    names = {n: actor for actor, ns in raw["actors"].items() for n in ns}
    alts = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    modals = "|".join(sorted(map(re.escape, raw["modals"]), key=len, reverse=True))
    return re.compile(f"({alts})[^，,。；;：:]{{0,6}}?(?:{modals})"), names


def _actor(p: Provision, span: tuple[int, int]) -> str | None:
    """Whom the sentence holding ``span`` binds: the first actor named before a modal (应当, 可以,
    不得 …) in that sentence up to the end of the span; None when it names none."""
    start = max((p.text.rfind(c, 0, span[0]) for c in _SENTENCE_END), default=-1) + 1
    pattern, names = _actor_pattern()
    m = pattern.search(p.text, start, span[1])
    return names[m.group(1)] if m else None


def _actor_at(p: Provision, pos: int) -> str | None:
    """Whom the words at ``pos`` bind: the last actor named before a modal in their sentence
    before ``pos`` (经办机构应…宣传培训，定点医药机构应强化全员培训: the second 培训 binds the
    provider); None when the sentence names none."""
    start = max((p.text.rfind(c, 0, pos) for c in _SENTENCE_END), default=-1) + 1
    pattern, names = _actor_pattern()
    found = None
    for m in pattern.finditer(p.text, start, pos):
        found = names[m.group(1)]
    if found is None:  # 医疗保障行政部门对…进行监督: the sentence's subject binds it, modal or not
        lead = _LEAD.match(p.text, start)
        m = _subject_pattern().match(p.text, lead.end() if lead else start)
        found = names[m.group(1)] if m else None
    return found


@lru_cache(maxsize=1)
def _subject_pattern() -> re.Pattern[str]:
    names = _actor_pattern()[1]
    return re.compile("\\s*(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + ")")


class _Topics:
    """Every provision's topic mentions (topics.py), with the rarity test."""

    def __init__(self, groups: dict[str, list[Provision]]):
        self.groups = groups
        self.of = {p.key: topics.mentions(p, _actor_at) for ps in groups.values() for p in ps}
        self._rare: dict[tuple, bool] = {}

    def naming(self, ps: list[Provision], m: topics.Mention) -> list[tuple[Provision, topics.Mention]]:
        """The provisions of ``ps`` naming ``m``'s topic for a compatible actor, with the mention."""
        return [(p, n) for p in ps for n in self.of[p.key]
                if n.topic == m.topic and topics.compatible(n.actor, m.actor)]

    def rare(self, d: str, m: topics.Mention) -> bool:
        key = (d, m.topic, m.actor, topics.RARE)
        if key not in self._rare:
            self._rare[key] = len({p.key for p, _ in self.naming(self.groups[d], m)}) <= topics.RARE
        return self._rare[key]

    def shared(self, q: Provision, span: tuple[int, int], t: Provision) -> bool:
        """Does ``t`` state (outside a list entry) a topic rare in both documents that ``q``
        names inside ``span``?"""
        return any(self.rare(q.doc_id, m) and self.rare(t.doc_id, m) and not _in_list(t, n)
                   for m in self.of[q.key] if m.start < span[1] and m.end > span[0]
                   for _, n in self.naming([t], m))


def _add_topics(out: list[dict[str, list[Part]]], rows: list, groups: dict[str, list[Provision]],
                home: dict, cl: _Clauses, cos, tix: _Topics) -> None:
    """Parts whose evidence is a rare topic both sentences state for the same actor (topics.py)."""
    said = {(p.provision.key, k) for k, f in enumerate(out) for ps in f.values() for p in ps}
    # rows already linked by a part, either way: the n-gram evidence decided that link
    linked = {frozenset((home[p.provision.key], k)) for k, f in enumerate(out) for ps in f.values() for p in ps}
    men, naming, rare = tix.of, tix.naming, tix.rare

    for d, ps in groups.items():
        for q in ps:
            own = rows[home[q.key]]
            if not own.aligned and own.note:
                continue
            for m in men[q.key]:
                if not rare(d, m):
                    continue
                for k, row in enumerate(rows):
                    if ((q.key, k) in said or k == home[q.key] or (not row.aligned and row.note)
                            or frozenset((home[q.key], k)) in linked):
                        continue
                    mine = row.members.get(d, [])
                    if any(cos(q, p) >= PARALLEL for p in mine) or naming(mine, m):
                        continue  # the row's own provision of this document names it already
                    hits = [(t, n) for d2, ts in row.members.items() if d2 != d and rare(d2, m)
                            and not naming(own.members.get(d2, []), m) for t, n in naming(ts, m)
                            if topics.LIST_TARGETS or not _in_list(t, n)]
                    if not hits:
                        continue
                    score, t, n = max(((_span_cos(cl, q, (m.start, m.end), t, (n.start, n.end)), t, n)
                                       for t, n in hits), key=lambda x: x[0])
                    explicit = m.actor is not None and n.actor == m.actor
                    if score < (topics.FLOOR_SAME_ACTOR if explicit else topics.FLOOR):
                        continue
                    span = (m.start, m.end)
                    with_ = tuple(dict.fromkeys(x for x, _ in hits))
                    out[k].setdefault(d, []).append(
                        Part(q, _quote(q, span), span, t, _quote(t, (n.start, n.end)), round(score, 4), with_,
                             f"“{topics.topics()[m.topic][0]}”方面的规定", m.topic))
                    said.add((q.key, k))
    if TOPIC_WITH:
        _pair_topic_parts(out)


def _pair_topic_parts(out: list[dict[str, list[Part]]]) -> None:
    """Parts of one row stating one topic, from different documents, restate each other (gd 52's
    and js 51's 政策调整 sentences, both parts of cx 38's row)."""
    for f in out:
        parts = [p for ps in f.values() for p in ps if p.topic]
        for d, ps in f.items():
            f[d] = [replace(p, with_=p.with_ + tuple(o.provision for o in parts
                                                    if o.topic == p.topic and o.provision.doc_id != d
                                                    and o.provision not in p.with_))
                    if p.topic else p for p in ps]


def _in_list(p: Provision, m: topics.Mention) -> bool:
    """Is the mention a list entry of ``p`` (a ground in a list of grounds)?"""
    words = p.text[m.start : m.end]
    lead = _LEAD.match(words)
    said = normalize(words[lead.end() if lead else 0 :])
    return bool(said) and any(said in normalize(it.text) for it in p.items)


def _span_cos(cl: _Clauses, a: Provision, span_a: tuple[int, int], b: Provision, span_b: tuple[int, int]) -> float:
    """Cosine of the runs of clauses of ``a`` and ``b`` covering the two spans."""
    def run(p: Provision, span: tuple[int, int]) -> tuple[int, int] | None:
        idx = [i for i, c in enumerate(cl.of[p.key]) if c.end > span[0] and c.start < span[1]]
        return (idx[0], idx[-1]) if idx else None
    ra, rb = run(a, span_a), run(b, span_b)
    if ra is None or rb is None:
        return 0.0
    x0, y0 = cl.first[a.key] + ra[0], cl.first[b.key] + rb[0]
    x1, y1 = cl.first[a.key] + ra[1] + 1, cl.first[b.key] + rb[1] + 1
    g = cl.gram
    na, nb = float(g[x0:x1, x0:x1].sum()), float(g[y0:y1, y0:y1].sum())
    return float(g[x0:x1, y0:y1].sum()) / (math.sqrt(max(na, 1e-12)) * math.sqrt(max(nb, 1e-12)))


@lru_cache(maxsize=1)
def roles() -> dict[str, tuple[str, tuple[re.Pattern[str], ...]]]:
    """Drafting roles (roles.yaml): name → (label, patterns)."""
    raw = yaml.safe_load((Path(__file__).with_name("roles.yaml")).read_text(encoding="utf-8"))["roles"]
    return {k: (v["label"], tuple(re.compile(x) for x in v["patterns"])) for k, v in raw.items()}


def _role_sentence(p: Provision, patterns: tuple[re.Pattern[str], ...]) -> tuple[int, int] | None:
    """Where in ``p.text`` the one sentence in that role is (None: no sentence, or several)."""
    found = []
    start = 0
    for piece in re.split(r"(?<=[。；;\n])", p.text):
        if any(x.search(piece) for x in patterns):
            lead = _LEAD.match(piece)  # not the article number or 【title】
            lo = start + (lead.end() if lead else 0)
            lo += len(p.text[lo:]) - len(p.text[lo:].lstrip())
            found.append((lo, start + len(piece.rstrip().rstrip("。；;"))))
        start += len(piece)
    return found[0] if len(found) == 1 else None


def _add_roles(out: list[dict[str, list[Part]]], rows: list, groups: dict[str, list[Provision]],
               home: dict) -> None:
    """Provisions in the same drafting role, one per document, belong together: those outside the
    row that holds most of them become its parts, the role sentence quoted."""
    for label, patterns in roles().values():
        found = {}
        for d, ps in groups.items():
            hits = [(p, span) for p in ps if (span := _role_sentence(p, patterns)) is not None]
            if len(hits) == 1:
                found[d] = hits[0]
        if len(found) < 2:
            continue
        counts: dict[int, int] = {}
        for p, _ in found.values():
            counts[home[p.key]] = counts.get(home[p.key], 0) + 1
        k = min(counts, key=lambda r: (-counts[r], r))
        inside = [(p, span) for p, span in found.values() if home[p.key] == k]
        target, tspan = inside[0]
        for d, (p, span) in found.items():
            if home[p.key] == k or any(pt.provision is p for pt in out[k].get(d, [])):
                continue
            out[k].setdefault(d, []).append(
                Part(p, _quote(p, span), span, target, _quote(target, tspan), 0.0,
                     tuple(q for q, _ in inside), label))


def _one_way(found: list[dict[str, list[Part]]], rows: list, home: dict) -> list[dict[str, list[Part]]]:
    """A part found both ways (js 24 in gd 30's row, gd 30 in js 24's row) is shown once: as the
    part of the article that covers several topics, the one whose matching words are the smaller
    share of it (js 24's 落实医保支付政策… in gd 30's row); on a tie in the row with more documents."""
    where = {(p.provision.key, k): p for k, f in enumerate(found) for ps in f.values() for p in ps}

    def share(p: Part) -> float:
        return (p.span[1] - p.span[0]) / max(1, len(p.provision.text))

    def keep(k: int, p: Part) -> bool:
        h = home[p.provision.key]
        for m in p.with_:
            back = where.get((m.key, h))
            if back is not None and (share(back), -len(rows[h].members), h) < (share(p), -len(rows[k].members), k):
                return False
        return True

    return [{d: kept for d, ps in f.items() if (kept := [p for p in ps if keep(k, p)])}
            for k, f in enumerate(found)]


def _repeated(cl: _Clauses, q: Provision, run: tuple[int, int], mine: list[Provision], score: float) -> bool:
    """Does ``q`` repeat, in a paragraph sentence, what the row's member of its own document says
    (js 17 and js 4 both: 定点医疗机构应当遵守医疗保障法律、法规…)? Then both state the row's rule.
    List entries do not count: lists with other consequences repeat the same grounds."""
    if score < REPEAT or cl.match(q, run, mine) < REPEAT:
        return False
    quote = normalize(_quote(q, cl.span(q, run)))
    return not any(quote in normalize(it.text) for it in q.items)


def _rows_saying(cl: _Clauses, t: Provision, run: tuple[int, int], rows: list, floor: float) -> int:
    """In how many rows some provision says what run ``run`` of ``t`` says."""
    best = cl.best_per_provision(t, run)
    return sum(1 for r in rows if any(p is t or best.get(p.key, 0.0) >= floor
                                      for ps in r.members.values() for p in ps))


def _quote(p: Provision, span: tuple[int, int]) -> str:
    return unicodedata.normalize("NFC", p.text[span[0] : span[1]])


_SENTENCE_END = "。；;！？!?\n"


def excerpt(part: Part) -> tuple[str, str, str]:
    """(before, quote, after): the sentence(s) of the provision around its matching words, so a
    row shows the part that matches and not the whole multi-topic article. ``…`` marks a cut."""
    text, (lo, hi) = part.provision.body, part.body_span
    start = max((text.rfind(c, 0, lo) for c in _SENTENCE_END), default=-1) + 1
    ends = [i for c in _SENTENCE_END if (i := text.find(c, hi)) >= 0]
    end = min(ends) + 1 if ends else len(text)
    before = ("…" if start > 0 else "") + text[start:lo]
    after = text[hi:end].rstrip("\n") + ("…" if end < len(text) else "")
    return before, text[lo:hi], after
