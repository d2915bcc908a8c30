"""The best hits of a query from impact-ordered postings, without reading every match.

Every hit holds each term, so its text is in the postings of each term's *driver* (its rarest
bigram). Those lists are read best weight first, a batch at a time (``read``); each text met for
the first time is fetched (``fetch``), checked for every term as a substring and scored
(toolkit/db/search_text.py), and its first nodes in document order are taken (``first``: a text
is carried by one node, or by the same article in hundreds of rules). A text not met yet lies
below the last posting read in every list, so its score is at most τ = Σ idf(term) × that
posting's weight, as a term occurs no more often than its driver bigram. Reading stops when the
``want``-th best node scores above τ, or when a list is exhausted: then every text holding that
term, hence every hit, has been met. The answer is what scoring every match would give, in the
same order — score, then document id, then position (tests/test_search_topk.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from toolkit.db.search_text import contains_all, score

FIRST_BATCH = 32


class Listed(Protocol):
    impact: float
    text_id: int


class Scored(Protocol):
    text_id: int
    heading: str
    text: str
    members: int


Reader = Callable[[str, Listed | None, int], Sequence[Listed]]  # token, after, how many
Fetcher = Callable[[list[int]], Sequence[Scored]]
Members = Callable[[list[int], int], Sequence[tuple[int, str, int, int]]]  # text, doc, ord, node

Ranked = tuple[float, str, int, int]  # score, doc id, ordinal, node id


def best_nodes(terms: list[str], idfs: dict[str, float], drivers: dict[str, str], want: int,
               read: Reader, fetch: Fetcher, first: Members) -> list[Ranked]:
    """The ``want`` best nodes as (score, doc id, ordinal, node id), best first."""
    tokens = list(dict.fromkeys(drivers[t] for t in idfs))
    last: dict[str, Listed | None] = dict.fromkeys(tokens)
    seen: set[int] = set()
    texts: list[tuple[float, int, int]] = []  # score, text id, members: every hit text met
    expanded: dict[int, list[Ranked]] = {}
    batch = max(FIRST_BATCH, want + 1)
    while True:
        exhausted, new = False, []
        for tok in tokens:
            rows = read(tok, last[tok], batch)
            if rows:
                last[tok] = rows[-1]
            exhausted |= len(rows) < batch
            for p in rows:
                if p.text_id not in seen:
                    seen.add(p.text_id)
                    new.append(p.text_id)
        texts += [(score(t, idfs), t.text_id, t.members)  # type: ignore[arg-type]
                  for t in fetch(new) if contains_all(t, terms)]  # type: ignore[arg-type]
        found = _expand(texts, want, expanded, first)
        if exhausted or (len(found) == want and found[-1][0] > _tau(idfs, drivers, last)):
            return found
        batch *= 2


def _expand(texts: list[tuple[float, int, int]], want: int, expanded: dict[int, list[Ranked]],
            first: Members) -> list[Ranked]:
    """The ``want`` best nodes of the texts met: only texts scoring at least the text where the
    count of nodes reaches ``want`` are asked for their nodes (ties interleave by document)."""
    texts.sort(key=lambda t: -t[0])
    total, bar = 0, float("-inf")
    for s, _, n in texts:
        total += n
        if total >= want:
            bar = s
            break
    todo = [i for s, i, _ in texts if s >= bar and i not in expanded]
    scores = {i: s for s, i, _ in texts}
    for i in todo:
        expanded[i] = []
    for t, d, o, node in first(sorted(todo), want):
        expanded[t].append((scores[t], d, o, node))
    nodes = sorted((r for s, i, _ in texts if s >= bar for r in expanded[i]),
                   key=lambda r: (-r[0], r[1], r[2]))
    return nodes[:want]


def _tau(idfs: dict[str, float], drivers: dict[str, str], last: dict[str, Listed | None]) -> float:
    """The most a text below every list's last posting read can score."""
    if any(last[drivers[t]] is None for t in idfs):
        return float("inf")
    return sum(w * last[drivers[t]].impact for t, w in idfs.items())  # type: ignore[union-attr]
