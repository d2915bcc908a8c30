"""Search, the engine-free part: bigram tokens, candidate checks, ranking and snippets.

Both engines index each node's heading and text as overlapping character bigrams (FTS5 on SQLite,
a ``tsvector`` on PostgreSQL): a trigram index cannot find 2-character Chinese words (中止, 基金),
the most common legal terms. The index only narrows the candidates; whether a node is a hit, its
score and its snippet are computed here from its text, so both engines give the same answers.

The score is Okapi BM25 (k1 = 1.2, b = 0.75, FTS5's defaults) per query term, a heading occurrence
weighing 2 and a text occurrence 1, over the term as typed rather than over index tokens, with
the store-wide statistics: N indexed nodes, their mean length in characters and, per term, the
number of nodes containing it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

MARK_OPEN, MARK_CLOSE = "«", "»"  # rare in Chinese legal text, unlike 【】 (Chuxiong titles)
SNIPPET_CONTEXT = 30  # characters shown on each side of the first match
K1, B = 1.2, 0.75
HEADING_WEIGHT, TEXT_WEIGHT = 2.0, 1.0


def runs(text: str) -> list[str]:
    """Maximal runs of letters/digits (what FTS5's unicode61 keeps as token characters), casefolded."""
    return re.findall(r"[^\W_]+", text.casefold())


def bigram_list(text: str) -> list[str]:
    out: list[str] = []
    for run in runs(text):
        out.extend([run] if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
    return out


def bigrams(text: str) -> str:
    """Index form of a text: each run as overlapping character bigrams (a 1-char run as itself)."""
    return " ".join(bigram_list(text))


def query_phrases(terms: list[str]) -> list[list[str]]:
    """Each run of 2+ characters of the terms, as its bigrams: what the index is asked for. Runs
    hold only letters and digits, so nothing a user types reaches an engine as query syntax."""
    phrases = [[run[i : i + 2] for i in range(len(run) - 1)]
               for term in terms for run in runs(term) if len(run) >= 2]
    unique: dict[tuple[str, ...], list[str]] = {tuple(p): p for p in phrases}
    return list(unique.values())


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    eid: str
    kind: str
    heading: str | None
    text: str
    page: int | None
    file: str | None
    ordinal: int


@dataclass(frozen=True)
class Stats:
    nodes: int  # indexed nodes (with a heading or text)
    mean_length: float  # characters of heading + text


def contains_all(c: Candidate, terms: list[str]) -> bool:
    hay = f"{c.heading or ''}\n{c.text}".casefold()
    return all(t.casefold() in hay for t in terms)


def idf(stats: Stats, df: int) -> float:
    value = math.log((stats.nodes - df + 0.5) / (df + 0.5)) if stats.nodes else 0.0
    return value if value > 0 else 1e-6  # as FTS5: a term in most rows still counts a little


def score(c: Candidate, terms: list[str], stats: Stats, df: dict[str, int]) -> float:
    heading, text = (c.heading or "").casefold(), c.text.casefold()
    length = len(heading) + len(text)
    norm = K1 * (1 - B + B * length / stats.mean_length) if stats.mean_length else K1
    total = 0.0
    for term in dict.fromkeys(t.casefold() for t in terms):
        f = HEADING_WEIGHT * heading.count(term) + TEXT_WEIGHT * text.count(term)
        total += idf(stats, df.get(term, 0)) * f * (K1 + 1) / (f + norm)
    return round(total, 6)


def rank(found: Iterable[Candidate], terms: list[str], stats: Stats,
         df: dict[str, int]) -> list[tuple[Candidate, float]]:
    """Hits best first; ties in document order (document id, then position in the tree)."""
    scored = [(c, score(c, terms, stats, df)) for c in found]
    scored.sort(key=lambda cs: (-cs[1], cs[0].doc_id, cs[0].ordinal))
    return scored


def snippet(text: str, terms: list[str]) -> str:
    """``text`` around the first match, every occurrence of every term marked «…»."""
    folded = text.casefold()
    spans: list[tuple[int, int]] = []
    for term in terms:
        t = term.casefold()
        start = folded.find(t)
        while start >= 0:
            spans.append((start, start + len(t)))
            start = folded.find(t, start + 1)
    if not spans:
        return text[: 2 * SNIPPET_CONTEXT]
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    lo = max(0, merged[0][0] - SNIPPET_CONTEXT)
    hi = min(len(text), merged[0][1] + SNIPPET_CONTEXT)
    out, pos = [], lo
    for s, e in merged:
        if s >= hi:
            break
        e = min(e, hi)
        out += [text[pos:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        pos = e
    out.append(text[pos:hi])
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")
