"""Text similarity for Chinese legal provisions: character n-gram TF-IDF and shared key terms.

Chinese is written without spaces, so words are approximated by overlapping character bigrams
and trigrams; IDF over the provisions being compared makes boilerplate (定点医疗机构, 医保协议)
weigh little and distinctive terms (弄虚作假, 失信人名单) weigh much. ``Space`` computes every
pairwise cosine once (a sparse Gram matrix summed with numpy's bincount, no BLAS threads); dicts
keep insertion order and sums run in a fixed order, so the same input gives the same floats.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Hashable, Iterable
from dataclasses import dataclass

import numpy as np

# Everything that is not a CJK ideograph, a Latin letter or a digit is noise for comparison.
_NOISE = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff%]+")
NGRAM_SIZES = (2, 3)

Vector = dict[str, float]


def normalize(text: str) -> str:
    """Comparison form: full-width forms folded (NFKC), punctuation and blanks dropped."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text))


def ngrams(text: str, sizes: Iterable[int] = NGRAM_SIZES) -> Counter[str]:
    """Character n-grams of a normalised text (a short text yields itself)."""
    out: Counter[str] = Counter()
    for n in sizes:
        out.update([text[i : i + n] for i in range(len(text) - n + 1)])
    if not out and text:
        out[text] = 1
    return out


class Vectorizer:
    """TF-IDF over character n-grams, fitted on the texts being compared."""

    def __init__(self, texts: Iterable[str]):
        self.counts = [ngrams(normalize(t)) for t in texts]  # kept: vectors() reuses them
        df: Counter[str] = Counter()
        for c in self.counts:
            df.update(c.keys())
        count = len(self.counts)
        self.size = count
        self.df = df
        self.idf = {g: math.log((1 + count) / (1 + n)) + 1.0 for g, n in df.items()}
        self._unseen = math.log(1 + count) + 1.0  # a gram no fitted text has is maximally rare

    def weight(self, gram: str) -> float:
        return self.idf.get(gram, self._unseen)

    def vector(self, text: str) -> Vector:
        """L2-normalised TF-IDF vector (sublinear tf)."""
        return self._vector(ngrams(normalize(text)))

    def vectors(self) -> list[Vector]:
        """The vectors of the fitted texts, in order."""
        return [self._vector(c) for c in self.counts]

    def _vector(self, counts: Counter[str]) -> Vector:
        idf, unseen = self.idf, self._unseen
        raw = {g: (1.0 + math.log(c)) * idf.get(g, unseen) if c > 1 else idf.get(g, unseen)
               for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in raw.values()))
        return {g: v / norm for g, v in raw.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[g] for g, v in a.items() if g in b)


def add(vectors: Iterable[Vector]) -> Vector:
    """The normalised sum: the vector of several provisions read together."""
    total: dict[str, float] = {}
    for vec in vectors:
        for g, v in vec.items():
            total[g] = total.get(g, 0.0) + v
    norm = math.sqrt(sum(v * v for v in total.values()))
    return {g: v / norm for g, v in total.items()} if norm else {}


_FILLER = "的和或及与等并且者"  # a shared phrase is not shown starting or ending with these


def shared_terms(a: str, b: str, vectorizer: Vectorizer, limit: int = 3, longest: int = 10) -> list[str]:
    """The most distinctive phrases both texts contain, best first (for a human-readable reason).

    A phrase is a maximal run of ``a`` (never across punctuation) whose trigrams all occur in
    ``b``; phrases are ranked by the mean IDF of their trigrams, so a shared rare phrase
    (失信人名单) beats a shared long boilerplate one (医疗机构医疗保障定点管理); long ones are cut
    short with …."""
    sep = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff%]+")
    pieces_a = [x for x in sep.split(unicodedata.normalize("NFKC", a)) if x]
    nb = normalize(b)
    tri_b = {nb[i : i + 3] for i in range(len(nb) - 2)}
    found: dict[str, float] = {}
    for piece in pieces_a:
        i = 0
        while i < len(piece) - 2:
            if piece[i : i + 3] not in tri_b:
                i += 1
                continue
            j = i
            while j < len(piece) - 2 and piece[j : j + 3] in tri_b:
                j += 1
            run = piece[i : j + 2].strip(_FILLER)
            if len(run) >= 3 and run in nb:
                tri = [vectorizer.weight(run[k : k + 3]) for k in range(len(run) - 2)]
                # distinctive (mean IDF) first, a little credit for length up to 8 characters
                found[run] = sum(tri) / len(tri) * (1 + 0.1 * min(len(run), 8))
            i = j + 1
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    out: list[str] = []
    for term, _ in ranked:
        if any(term in t or t in term for t in out):
            continue
        out.append(term if len(term) <= longest else term[: longest - 1] + "…")
        if len(out) == limit:
            break
    return out


_SENTENCE_END = re.compile(r"(?<=[。；;！？!?\n])")
MIN_SENTENCE = 8  # characters (normalised); shorter pieces say too little to be restated


_MARKER = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇]+条\s*)?(?:【[^】]*】)?\s*(?:[（(][一二三四五六七八九十]+[）)]|\d+[.．、])?",
                     re.M)


def sentences(text: str) -> list[str]:
    """The sentences (and ；-clauses) of a text as printed, normalised, without article and item
    numbers, long enough to carry a rule."""
    out = []
    for piece in _SENTENCE_END.split(_MARKER.sub("", text)):
        norm = normalize(piece)
        if len(norm) >= MIN_SENTENCE:
            out.append(norm)
    return out


def _gram(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int) -> np.ndarray:
    """Σ over columns of the outer products of each column's entries: the n×n Gram matrix."""
    if not len(rows):
        return np.zeros((n, n))
    order = np.lexsort((rows, cols))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    sizes = np.diff(np.r_[starts, len(cols)])
    per_group = sizes * sizes
    group = np.repeat(np.arange(len(sizes)), per_group)
    offset = np.arange(per_group.sum()) - np.repeat(np.cumsum(per_group) - per_group, per_group)
    width = sizes[group]
    a = starts[group] + offset // width
    b = starts[group] + offset % width
    flat = np.bincount(rows[a] * n + rows[b], weights=vals[a] * vals[b], minlength=n * n)
    return flat.reshape(n, n)


@dataclass(frozen=True)
class Sentence:
    """A sentence's n-grams with their squared TF-IDF weights, for measuring restatement."""

    text: str
    grams: tuple[tuple[str, float], ...]
    total: float
    item: bool = False  # an entry of a list (项, 目) rather than a sentence of a paragraph

    def restated_by(self, grams: Container[str]) -> float:
        """Share of this sentence's TF-IDF mass whose n-grams the other text has."""
        return sum(w for g, w in self.grams if g in grams) / self.total if self.total else 0.0


def sentence(text: str, vectorizer: Vectorizer, *, item: bool = False) -> Sentence:
    grams = tuple((g, ((1.0 + math.log(c)) * vectorizer.weight(g)) ** 2) for g, c in ngrams(text).items())
    return Sentence(text, grams, sum(w for _, w in grams), item)


class Space:
    """All pairwise cosines of a fixed set of texts, computed once as a Gram matrix.

    The cosine of two unions of texts (several provisions read together) follows from the Gram
    matrix alone: <Σa, Σb> / (‖Σa‖ ‖Σb‖) with every term a cosine of two single texts.
    """

    def __init__(self, texts: dict[Hashable, str]):
        keys = list(texts)
        self.vectorizer = Vectorizer(texts.values())
        vectors = self.vectorizer.vectors()
        self.grams: dict[Hashable, frozenset[str]] = {k: frozenset(v) for k, v in zip(keys, vectors, strict=True)}
        self.index = {k: i for i, k in enumerate(keys)}
        # Only n-grams shared by two texts or more add to a dot product between two texts. The
        # product is summed per n-gram with bincount rather than a BLAS matrix product: the
        # matrix is very sparse, and multi-threaded BLAS can be slower than this by 20x.
        shared = [g for g, n in self.vectorizer.df.items() if n >= 2]
        columns = dict(zip(shared, range(len(shared)), strict=True))
        at_row, at_col, values = [], [], []
        for i, vec in enumerate(vectors):
            hits = [(columns[g], w) for g, w in vec.items() if g in columns]
            at_row += [i] * len(hits)
            at_col += [c for c, _ in hits]
            values += [w for _, w in hits]
        gram = _gram(np.array(at_row, dtype=np.int64), np.array(at_col, dtype=np.int64),
                     np.array(values, dtype=np.float64), len(keys))
        np.fill_diagonal(gram, [1.0 if v else 0.0 for v in vectors])
        self.matrix = gram
        self.gram: list[list[float]] = gram.tolist()

    def cos(self, a: Hashable, b: Hashable) -> float:
        return self.gram[self.index[a]][self.index[b]]

    def sim(self, a: list[Hashable], b: list[Hashable]) -> float:
        """Cosine of the two unions of texts."""
        ia, ib = [self.index[k] for k in a], [self.index[k] for k in b]
        g = self.gram
        num = sum(g[i][j] for i in ia for j in ib)
        na = sum(g[i][j] for i in ia for j in ia)
        nb = sum(g[i][j] for i in ib for j in ib)
        return num / math.sqrt(na * nb) if na > 0 and nb > 0 else 0.0

    def sims_to(self, group: list[Hashable]) -> list[float]:
        """Cosine of every text (in key order) with the union of ``group``."""
        idx = [self.index[k] for k in group]
        g = self.gram
        norm = math.sqrt(sum(g[i][j] for i in idx for j in idx))
        if not norm:
            return [0.0] * len(g)
        column = self.matrix[:, idx[0]] if len(idx) == 1 else self.matrix[:, idx].sum(axis=1)
        return (column / norm).tolist()
