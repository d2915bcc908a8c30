"""The best hits of a query from impact-ordered postings, without reading every match.

Every hit holds each term, so it is in the postings of each term's *driver* (its rarest bigram).
Those lists are read best weight first, a batch at a time (``read``); each node met for the first
time is fetched (``fetch``), checked for every term as a substring and scored
(toolkit/db/search_text.py). A node not met yet lies below the last posting read in every list,
so its score is at most τ = Σ idf(term) × that posting's weight, as a term occurs no more often
than its driver bigram. Reading stops when the ``want``-th best hit scores above τ (or, for one
term, equals it with a document order before the last posting read: the lists are ordered by
weight, then document, then position, as the hits are), or when a list is exhausted: then every
node holding that term, hence every hit, has been met. The answer is what scoring every match
would give, in the same order (tests/test_search_topk.py checks it against that).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from toolkit.db.search_text import Candidate, contains_all, score, sort_key

FIRST_BATCH = 32


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
    """No node below the postings read so far can come before ``kth``."""
    frontier = {t: last[drivers[t]] for t in idfs}
    if any(p is None for p in frontier.values()):
        return False
    tau = sum(w * frontier[t].impact for t, w in idfs.items())  # type: ignore[union-attr]
    c, s = kth
    if s > tau:
        return True
    if len(idfs) == 1 and s == tau:  # a tie goes by document order, which the list follows
        (p,) = frontier.values()
        return (c.doc_id, c.ordinal) <= (p.doc_id, p.ordinal)  # type: ignore[union-attr]
    return False
