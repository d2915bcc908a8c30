"""The best hits of a query from impact-ordered postings, without reading every match.

Every hit holds each term, so it is in the postings of each term's *driver* (its rarest bigram).
Those lists are read best weight first, a batch at a time (``read``); each node met for the first
time is fetched (``fetch``), checked for every term as a substring and scored
(toolkit/db/search_text.py). A node not met yet lies below the last posting read in every list,
so its score is at most τ = Σ idf(term) × that posting's weight, as a term occurs no more often
than its driver bigram. Reading stops when the ``want``-th best hit can no longer be overtaken
(``_settled``: ties go by document order, which the lists follow within a weight), or when a list
is exhausted: then every node holding that term, hence every hit, has been met. The answer is what scoring every match
would give, in the same order (tests/test_search_topk.py checks it against that).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from toolkit.db.search_text import IMPACT_DIGITS, Candidate, contains_all, score, sort_key

FIRST_BATCH = 32
HALF_STEP = 0.5 * 10.0 ** -IMPACT_DIGITS


@dataclass(frozen=True)
class Posting:
    impact: float
    doc_id: str
    ordinal: int
    node_id: int


Reader = Callable[[str, Posting | None, int], Sequence[Posting]]  # token, after, how many
Fetcher = Callable[[list[int]], list[Candidate]]


def best_hits(terms: list[str], idfs: dict[str, float], drivers: dict[str, str], want: int,
              read: Reader, fetch: Fetcher) -> list[tuple[Candidate, float]]:
    """The ``want`` best (candidate, score), best first; ``drivers`` maps each term to its token."""
    tokens = list(dict.fromkeys(drivers[t] for t in idfs))
    last: dict[str, Posting | None] = dict.fromkeys(tokens)
    seen: set[int] = set()
    found: list[tuple[Candidate, float]] = []
    batch = max(FIRST_BATCH, want + 1)
    while True:
        exhausted, new = False, []
        for tok in tokens:
            rows = read(tok, last[tok], batch)
            if rows:
                last[tok] = rows[-1]
            exhausted |= len(rows) < batch
            for p in rows:
                if p.node_id not in seen:
                    seen.add(p.node_id)
                    new.append(p.node_id)
        for c in fetch(new):
            if contains_all(c, terms):
                found.append((c, score(c, idfs)))
        found.sort(key=sort_key)
        del found[want:]
        if exhausted or (len(found) == want and _settled(found[-1], idfs, drivers, last)):
            return found
        batch *= 2


def _settled(kth: tuple[Candidate, float], idfs: dict[str, float], drivers: dict[str, str],
             last: dict[str, Posting | None]) -> bool:
    """No node below the postings read so far can come before ``kth``.

    Such a node scores at most τ = Σ idf × its list's last weight read. If it is also before
    ``kth`` in document order, then in every list whose last posting read is at or after ``kth``
    in document order it lies strictly below that weight, by at least one step of the weights'
    grid (1e-9): at most τ⁻, with half a step taken off there. So ``kth`` stays if it scores at
    least τ (a tie puts the later node after it) and above τ⁻. Copies of one text (the same
    article in 300 prefectures' rules) tie: the lists are read past ``kth``'s copy, not past all.
    """
    frontier = {t: last[drivers[t]] for t in idfs}
    if any(p is None for p in frontier.values()):
        return False
    c, s = kth
    here = (c.doc_id, c.ordinal)
    tau = sum(w * frontier[t].impact for t, w in idfs.items())  # type: ignore[union-attr]
    tau_minus = sum(w * (p.impact - HALF_STEP if (p.doc_id, p.ordinal) >= here else p.impact)
                    for w, p in ((w, frontier[t]) for t, w in idfs.items()))  # type: ignore[union-attr]
    return s >= tau and s > tau_minus
