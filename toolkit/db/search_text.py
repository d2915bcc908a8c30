"""Search, the engine-free part: bigram tokens, postings weights, hit checks, scores and snippets.

The index (toolkit/db/search_index.py) holds one posting per (bigram, node): a 2-character Chinese
word (中止, 基金) is one bigram, the most common legal terms, which a trigram index cannot find.
Each posting carries its weight ``impact(f, length)`` so that a bigram's postings can be read best
first from the index itself, and a page of hits is found without reading every match
(toolkit/db/search_topk.py).

The score is Okapi BM25 (k1 = 1.2, b = 0.75, FTS5's defaults) per query term, over the term as
typed: ``f`` is 2 × its occurrences in the heading + its occurrences in the text; the length is the
node's characters (heading + text), normalised against a fixed ``AVG_LENGTH`` rather than the
store's running mean, so a posting's weight never changes when other sources are ingested (the
mean node is 48 characters at 300 generated documents, 56 at 3,000, 50 in the bundled corpus).
A term's idf is that of its rarest bigram in the index (for a 2-character term: exactly the nodes
holding it; for a longer one: an upper bound of them, read from one row instead of counting). The
same numbers go in on both engines and the arithmetic is done here, so both give the same hits in
the same order: score descending, then document id, then position in the document.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

MARK_OPEN, MARK_CLOSE = "«", "»"  # rare in Chinese legal text, unlike 【】 (Chuxiong titles)
SNIPPET_CONTEXT = 30  # characters shown on each side of the first match
K1, B = 1.2, 0.75
HEADING_WEIGHT, TEXT_WEIGHT = 2, 1
AVG_LENGTH = 50.0  # characters: the length a node's BM25 weight is normalised against
IMPACT_DIGITS = 9  # weights are rounded to a fixed grid, so recomputing one gives the same float


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


def term_tokens(term: str) -> list[str]:
    """The bigrams of each run of 2+ characters of a term: what the index can be asked for. They
    hold only letters and digits, so nothing a user types reaches an engine as query syntax."""
    return list(dict.fromkeys(run[i : i + 2] for run in runs(term) if len(run) >= 2
                              for i in range(len(run) - 1)))


def unique_terms(query: str) -> list[str]:
    """The blank-separated terms of a query, casefolded, each once, in the order typed."""
    return list(dict.fromkeys(t.casefold() for t in query.split()))


def node_length(heading: str | None, text: str) -> int:
    return len(heading or "") + len(text)


def impact(f: float, length: int) -> float:
    """BM25's term-frequency part for ``f`` weighted occurrences in a node of ``length``."""
    if f <= 0:
        return 0.0
    norm = K1 * (1 - B + B * length / AVG_LENGTH)
    return round(f * (K1 + 1) / (f + norm), IMPACT_DIGITS)


def node_postings(heading: str | None, text: str) -> dict[str, float]:
    """bigram → its weight in this node: what the index stores for it."""
    f: Counter[str] = Counter()
    for tok in bigram_list(heading or ""):
        f[tok] += HEADING_WEIGHT
    for tok in bigram_list(text):
        f[tok] += TEXT_WEIGHT
    length = node_length(heading, text)
    return {tok: impact(n, length) for tok, n in f.items()}


def idf(nodes: int, df: int) -> float:
    value = math.log((nodes - df + 0.5) / (df + 0.5)) if nodes else 0.0
    return value if value > 0 else 1e-6  # as FTS5: a term in most rows still counts a little


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


def contains_all(c: Candidate, terms: list[str]) -> bool:
    hay = f"{c.heading or ''}\n{c.text}".casefold()
    return all(t.casefold() in hay for t in terms)


def term_frequency(c: Candidate, term: str) -> int:
    t = term.casefold()
    return HEADING_WEIGHT * (c.heading or "").casefold().count(t) + TEXT_WEIGHT * c.text.casefold().count(t)


def score(c: Candidate, idfs: dict[str, float]) -> float:
    """Σ over the (casefolded, unique) terms of idf × BM25 weight of the term in the node. Never
    more than Σ idf × the weight of any one bigram of each term: a term occurs no more often than
    each of its bigrams, which is what lets the best hits be found from the bigrams' postings."""
    length = node_length(c.heading, c.text)
    return sum(w * impact(term_frequency(c, t), length) for t, w in idfs.items())


def sort_key(scored: tuple[Candidate, float]) -> tuple[float, str, int]:
    c, s = scored
    return (-s, c.doc_id, c.ordinal)


def stable(term: str) -> bool:
    """True when a plain substring test equals the casefolded one for ``term``: every character
    is a caseless letter (CJK) or an ASCII digit, which no other character casefolds into
    (tests/test_search_index.py checks that over every code point). Such terms can be checked
    by the engine (``instr`` / ``strpos``) without folding the stored text."""
    return bool(term) and all(ch.isascii() and ch.isdigit() or unicodedata.category(ch) == "Lo"
                              for ch in term)


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
