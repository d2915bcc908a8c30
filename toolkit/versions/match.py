"""Which article of one version became which of the next: matching by content, never by number.

Steps (all deterministic; ties break on document order):

1. Anchors: an article whose wording (substance key) occurs exactly once in each version.
2. Pairs by similarity: Dice coefficient of character bigrams, best first, with a small bonus for
   the same relative position (so that, of two equally similar candidates, the one in place wins).
   A number never decides a match.
3. Leftovers in the same gap: between two consecutive matched pairs, articles left over on both
   sides are paired in order when they are still moderately similar (a rewritten article in place).
4. Splits and merges: an old article whose content reappears across 2–3 *adjacent* new articles
   (each drawn from it, together covering it better than any one of them) is a split; the mirror
   image is a merge. Unions are tested only for runs of adjacent articles, as drafters split and
   merge neighbours.

Pinned matches (a drafter's correction, ``pins``) are taken as given and marked ``manual``: their
articles take no part in the steps above, and pinned pairs bound the gaps of step 3 like any
other pair.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from toolkit.versions.units import Unit

PAIR_MIN = 0.5  # Dice for a match anywhere in the document (unrelated articles of a rule: ≤ 0.42)
GAP_MIN = 0.3  # Dice for a match between the same neighbours (a rewrite in place)
POSITION_BONUS = 0.05  # at most this much for the same relative position
PART_MIN = 0.6  # share of a split part's (merged part's) bigrams found in the whole
UNION_MIN = 0.6  # Dice of the whole against the union of its parts
UNION_GAIN = 0.05  # the union must beat the best single part by this much
PART_SHARE = 0.08  # each part must cover at least this much of the whole on its own
MAX_PARTS = 3


@dataclass(frozen=True)
class Match:
    """``old`` and ``new`` are unit indices: (a,) → (b,) a pair, (a,) → (b, c) a split,
    (a, b) → (c,) a merge."""

    old: tuple[int, ...]
    new: tuple[int, ...]
    score: float  # Dice of the matched wording
    manual: bool = False  # pinned by a person, not found by the engine

    @property
    def kind(self) -> str:
        if len(self.old) == 1 and len(self.new) == 1:
            return "pair"
        return "split" if len(self.old) == 1 else "merge"


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def _containment(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _coverage(whole: frozenset[str], parts: frozenset[str]) -> float:
    return len(whole & parts) / len(whole) if whole else 0.0


def _relative(i: int, n: int) -> float:
    return i / (n - 1) if n > 1 else 0.0


def _anchors(old: list[Unit], new: list[Unit], fixed: tuple[set[int], set[int]] = (set(), set())
             ) -> dict[int, int]:
    """Articles whose wording is identical and unique on both sides, kept in order (an LIS of
    the identical pairs, so two swapped identical articles do not both anchor)."""
    co, cn = Counter(u.key_text for u in old), Counter(u.key_text for u in new)
    by_text = {u.key_text: u.index for u in new if cn[u.key_text] == 1 and u.index not in fixed[1]}
    pairs = [(u.index, by_text[u.key_text]) for u in old
             if co[u.key_text] == 1 and u.key_text in by_text and u.index not in fixed[0]]
    return dict(_increasing(pairs))


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing on both sides (pairs sorted by the first index)."""
    import bisect

    tails: list[int] = []  # tails[k] = smallest new index ending an increasing run of length k+1
    tail_at: list[int] = []
    prev: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        prev[k] = tail_at[pos - 1] if pos else -1
    out, k = [], tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


def _pairs(old: list[Unit], new: list[Unit], taken_old: dict[int, int],
           fixed: tuple[set[int], set[int]] = (set(), set())) -> dict[int, int]:
    """Best-first pairing by similarity (plus a small position bonus) above PAIR_MIN."""
    pairs = dict(taken_old)
    used_new = set(pairs.values()) | fixed[1]
    candidates = []
    for a in old:
        if a.index in pairs or a.index in fixed[0]:
            continue
        for b in new:
            if b.index in used_new:
                continue
            s = dice(a.grams, b.grams)
            if s >= PAIR_MIN:
                near = 1 - abs(_relative(a.index, len(old)) - _relative(b.index, len(new)))
                candidates.append((-(s + POSITION_BONUS * near), a.index, b.index))
    candidates.sort()
    for _, i, j in candidates:
        if i not in pairs and j not in used_new:
            pairs[i] = j
            used_new.add(j)
    return pairs


def _gaps(old: list[Unit], new: list[Unit], pairs: dict[int, int], pinned: dict[int, int] | None = None,
          fixed: tuple[set[int], set[int]] = (set(), set())) -> dict[int, int]:
    """Pair leftovers that sit between the same two matched neighbours, in order (pinned pairs
    bound gaps too)."""
    pairs = dict(pairs)
    ordered = sorted((i, j) for i, j in (pairs | (pinned or {})).items())
    # only pairs that keep document order bound a gap
    bounds = [(-1, -1)] + _increasing(ordered) + [(len(old), len(new))]
    used_new = set(pairs.values()) | fixed[1]
    for (i0, j0), (i1, j1) in zip(bounds, bounds[1:], strict=False):
        left = [i for i in range(i0 + 1, i1) if i not in pairs and i not in fixed[0]]
        right = [j for j in range(j0 + 1, j1) if j not in used_new]
        k = 0
        for i in left:
            for jj in range(k, len(right)):
                j = right[jj]
                if dice(old[i].grams, new[j].grams) >= GAP_MIN:
                    pairs[i] = j
                    used_new.add(j)
                    k = jj + 1
                    break
    return pairs


def _runs(free: list[int], around: int, n: int) -> list[tuple[int, ...]]:
    """Runs of 2..MAX_PARTS adjacent indices containing ``around`` whose members are all in
    ``free`` (unmatched, or matched to the article being tested)."""
    ok = set(free)
    out = []
    for size in range(2, MAX_PARTS + 1):
        for start in range(around - size + 1, around + 1):
            run = tuple(range(start, start + size))
            if start >= 0 and start + size <= n and all(x in ok for x in run):
                out.append(run)
    return out


def _union(units: list[Unit], run: tuple[int, ...]) -> frozenset[str]:
    grams: set[str] = set()
    for k in run:
        grams |= units[k].grams
    return frozenset(grams)


def _best_run(whole: Unit, parts: list[Unit], runs: list[tuple[int, ...]]) -> tuple[float, tuple[int, ...]] | None:
    best = None
    for run in runs:
        members = [parts[k].grams for k in run]
        if any(_containment(m, whole.grams) < PART_MIN for m in members):
            continue
        union = _union(parts, run)
        score = dice(whole.grams, union)
        single = max(dice(whole.grams, m) for m in members)
        if score < UNION_MIN or score < single + UNION_GAIN:
            continue
        # every part must bring some of the whole that the others do not
        if any(_coverage(whole.grams, union) - _coverage(whole.grams, _union(parts, tuple(x for x in run if x != k)))
               < PART_SHARE for k in run):
            continue
        if best is None or score > best[0]:
            best = (score, run)
    return best


def _splits_and_merges(old: list[Unit], new: list[Unit], pairs: dict[int, int],
                       fixed: tuple[set[int], set[int]] = (set(), set())) -> list[Match]:
    """Replace pairs + leftovers by splits and merges where unions of neighbours fit better."""
    pair_of_new = {j: i for i, j in pairs.items()}
    found: list[tuple[float, str, int, tuple[int, ...]]] = []
    for a in old:
        if a.index in fixed[0]:
            continue
        free = [j for j in range(len(new)) if j not in fixed[1]
                and (j not in pair_of_new or pair_of_new[j] == a.index)]
        seeds = {pairs[a.index]} if a.index in pairs else {
            j for j in free if j not in pair_of_new and _containment(new[j].grams, a.grams) >= PART_MIN}
        runs = sorted({r for s in seeds for r in _runs(free, s, len(new))})
        best = _best_run(a, new, runs)
        if best:
            found.append((best[0], "split", a.index, best[1]))
    for b in new:
        if b.index in fixed[1]:
            continue
        free = [i for i in range(len(old)) if i not in fixed[0] and (i not in pairs or pairs[i] == b.index)]
        seeds = {pair_of_new[b.index]} if b.index in pair_of_new else {
            i for i in free if i not in pairs and _containment(old[i].grams, b.grams) >= PART_MIN}
        runs = sorted({r for s in seeds for r in _runs(free, s, len(old))})
        best = _best_run(b, old, runs)
        if best:
            found.append((best[0], "merge", b.index, best[1]))
    found.sort(key=lambda f: (-f[0], f[1], f[2], f[3]))
    matches: list[Match] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for score, kind, whole, run in found:
        olds, news = ((whole,), run) if kind == "split" else (run, (whole,))
        if used_old & set(olds) or used_new & set(news):
            continue
        # the parts may only be unmatched or matched among themselves
        if any(i in pairs and pairs[i] not in news for i in olds):
            continue
        if any(j in pair_of_new and pair_of_new[j] not in olds for j in news):
            continue
        matches.append(Match(olds, news, round(score, 4)))
        used_old |= set(olds)
        used_new |= set(news)
    for i, j in pairs.items():
        if i not in used_old and j not in used_new:
            matches.append(Match((i,), (j,), round(dice(old[i].grams, new[j].grams), 4)))
    return sorted(matches, key=lambda m: (m.new[0], m.old[0]))


def pinned_match(old: list[Unit], new: list[Unit], olds: tuple[int, ...], news: tuple[int, ...]) -> Match:
    """A drafter's pin as a match, scored like the engine's (Dice of the wording)."""
    a = frozenset().union(*(old[i].grams for i in olds)) if olds else frozenset()
    b = frozenset().union(*(new[j].grams for j in news)) if news else frozenset()
    return Match(olds, news, round(dice(a, b), 4) if olds and news else 0.0, manual=True)


def match_units(old: list[Unit], new: list[Unit], pins: list[Match] | None = None) -> list[Match]:
    """The matches between two versions' articles, in new-document order. Articles in no match
    were deleted (old) or added (new). ``pins`` (manual matches) are kept as given; a pin with
    no new side says the old article has no counterpart (deleted)."""
    pins = list(pins or [])
    fixed = ({i for m in pins for i in m.old}, {j for m in pins for j in m.new})
    pinned_pairs = {m.old[0]: m.new[0] for m in pins if len(m.old) == 1 and len(m.new) == 1}
    pairs = _anchors(old, new, fixed)
    pairs = _pairs(old, new, pairs, fixed)
    pairs = _gaps(old, new, pairs, pinned_pairs, fixed)
    found = _splits_and_merges(old, new, pairs, fixed) + [m for m in pins if m.new]
    return sorted(found, key=lambda m: (m.new[0], m.old[0] if m.old else -1))
