"""Why a row of the matrix holds what it holds, in words a legal officer reads.

The alignment (``align.py``) explains each row for the engine's own use: scores, character
n-grams, ``split:`` notes. The reports show this instead, per pair of the row (reference ↔ other):

* how close they are (``wording.yaml`` ``strength``: 高度相似 / 部分相似 / 弱匹配 below 0.2, where
  the pair was aligned only as each other's best match and a person should check it);
* the phrases both use, as whole words: runs of jieba words that occur, on word boundaries, in
  both texts, rarest in the compared documents first (so 失信联合惩戒 beats 定点医疗机构), never cut
  inside a word;
* the same list structure (均为9项) and, for a row where one side needs several provisions,
  which ones together match which.

Segmentation is cached per provision text; the first call loads jieba's dictionary (~1 s).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from toolkit.compare.align import Alignment, DocInfo, Row
from toolkit.compare.params_table import wording
from toolkit.compare.parts import Part

PHRASES = 4  # shared phrases shown per pair
LONGEST = 16  # characters; a longer shared run is cut at a word boundary, with …
COMMON = 0.35  # a word in more than this share of all provisions says nothing about a pair
_WORD = re.compile(r"[0-9A-Za-z%\u3400-\u4dbf\u4e00-\u9fff]")
# words that never start or end a phrase shown to the reader (function words, modal verbs)
_EDGE = frozenset("的 和 或 及 与 等 由 在 对 以 将 并 可 不 应 应当 可以 按 按照 其 之 为 是 了 予 向 从 经 "
                  "者 所 把 被 于 有 无 如 若 且 而 后 前 内 中 上 下 第 条 款 项 个 本 该 此 各".split())


# a date or a quantity is one word: 2021年6月1日 and 2024年1月1日 share nothing, not "月1日"
_ATOM = re.compile(r"\d+(?:\.\d+)?(?:年(?:\d+月(?:\d+日)?)?|月(?:\d+日)?|个工作日|工作日|个月|日|天|名|人|张|次|%|元)?")


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """jieba's words of ``text`` (NFKC-folded), punctuation included as its own tokens; the
    tokens a date or quantity touches are joined into one."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    text = unicodedata.normalize("NFKC", text)
    tokens = jieba.lcut(text)
    atoms = [(m.start(), m.end()) for m in _ATOM.finditer(text)]
    if not atoms:
        return tuple(tokens)
    out: list[str] = []
    pos, k, joining_until = 0, 0, -1
    for t in tokens:
        start, end = pos, pos + len(t)
        pos = end
        while k < len(atoms) and atoms[k][1] <= start:
            k += 1
        touches = k < len(atoms) and atoms[k][0] < end
        if out and start < joining_until:
            out[-1] += t
        else:
            out.append(t)
        if touches:
            joining_until = max(joining_until, atoms[k][1])
    return tuple(out)


def _is_word(token: str) -> bool:
    return bool(_WORD.search(token))


def _runs(tokens: tuple[str, ...]) -> list[list[str]]:
    """Runs of word tokens between punctuation and blanks."""
    runs: list[list[str]] = [[]]
    for t in tokens:
        if _is_word(t) and not t.isspace():
            runs[-1].append(t)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _boundaries(tokens: tuple[str, ...]) -> tuple[str, set[int]]:
    text, cuts, pos = "", {0}, 0
    for t in tokens:
        pos += len(t)
        cuts.add(pos)
        text += t
    return text, cuts


def _occurs(phrase: str, text: str, cuts: set[int]) -> bool:
    """``phrase`` occurs in ``text`` starting and ending on word boundaries."""
    start = text.find(phrase)
    while start >= 0:
        if start in cuts and start + len(phrase) in cuts:
            return True
        start = text.find(phrase, start + 1)
    return False


def _trim(run: list[str]) -> list[str]:
    while run and run[0] in _EDGE:
        run = run[1:]
    while run and run[-1] in _EDGE:
        run = run[:-1]
    return run


@dataclass
class Rarity:
    """Inverse document frequency of words over every provision compared."""

    idf: dict[str, float]
    common: frozenset[str]

    @classmethod
    def of(cls, alignment: Alignment) -> Rarity:
        texts = [p.plain for row in alignment.rows for ps in row.members.values() for p in ps]
        df: Counter[str] = Counter()
        for t in texts:
            df.update({w for w in words(t) if _is_word(w)})
        n = max(len(texts), 1)
        idf = {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}
        return cls(idf, frozenset(w for w, c in df.items() if c / n > COMMON))

    def weight(self, run: list[str]) -> float:
        values = [self.idf.get(w, 1.0) for w in run]
        length = sum(len(w) for w in run)
        return sum(values) / len(values) * (1 + 0.1 * min(length, 8))


def shared_phrases(a: str, b: str, rarity: Rarity, limit: int = PHRASES) -> list[str]:
    """Whole-word phrases of ``a`` that ``b`` also uses, most telling first."""
    b_text, b_cuts = _boundaries(words(b))
    found: dict[str, float] = {}
    for run in _runs(words(a)):
        i = 0
        while i < len(run):
            j = i
            while j < len(run) and _occurs("".join(run[i : j + 1]), b_text, b_cuts):
                j += 1
            phrase = _trim(run[i:j])
            text = "".join(phrase)
            if phrase and len(text) >= 2 and not all(w in rarity.common or len(w) < 2 for w in phrase):
                if len(text) > LONGEST:
                    cut, kept = 0, []
                    for w in phrase:
                        if cut + len(w) > LONGEST - 1:
                            break
                        kept.append(w)
                        cut += len(w)
                    text = "".join(_trim(kept)) + "…"
                found[text] = max(found.get(text, 0.0), rarity.weight(phrase))
            i = max(j, i + 1)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    out: list[str] = []
    for text, _ in ranked:
        bare = text.rstrip("…")
        if any(bare in o.rstrip("…") or o.rstrip("…") in bare for o in out):
            continue
        out.append(text)
        if len(out) == limit:
            break
    return out


@dataclass(frozen=True)
class Strength:
    label: str
    weak: bool = False
    advice: str = ""


def strength(score: float) -> Strength:
    for band in wording()["strength"]:
        if score >= band["from"]:
            return Strength(band["label"], bool(band.get("weak")), band.get("advice", ""))
    last = wording()["strength"][-1]
    return Strength(last["label"], bool(last.get("weak")), last.get("advice", ""))


def weak_below() -> float:
    """The score under which a pair is weak (the lowest band above the weak one starts there)."""
    bands = wording()["strength"]
    return min((b["from"] for b in bands if not b.get("weak")), default=0.0)


def weak_legend() -> str:
    """The sentence every report prints about weak rows."""
    return f"弱匹配：相似度低于{weak_below():g}、共同用语很少的对齐，请人工核对。"


def doc_name(info: DocInfo) -> str:
    return info.short or info.title


@dataclass
class PairReason:
    ref: str  # doc ids
    other: str
    score: float
    strength: Strength
    shared: list[str]
    structure: str = ""  # 均为9项 / 项数 9 / 7
    grouping: str = ""  # 江苏细则第十二条、第十三条合起来对应广东办法第十二条

    def text(self, alignment: Alignment) -> str:
        head = (f"{doc_name(alignment.info(self.ref))}—{doc_name(alignment.info(self.other))}："
                f"{self.strength.label}（{self.score:.2f}）")
        bits = [head]
        bits.append("共同用语：" + "、".join(self.shared) if self.shared else "几乎没有共同用语")
        if self.structure:
            bits.append(self.structure)
        if self.grouping:
            bits.append(self.grouping)
        if self.strength.weak and self.strength.advice:
            bits.append(self.strength.advice)
        return "；".join(bits)


@dataclass
class RowReason:
    score: float
    strength: Strength
    pairs: list[PairReason] = field(default_factory=list)

    @property
    def weak(self) -> bool:
        return self.strength.weak or any(p.strength.weak for p in self.pairs)

    def text(self, alignment: Alignment) -> str:
        return "\n".join(p.text(alignment) for p in self.pairs)


def _labels(ps: list) -> str:
    return "、".join(p.label for p in ps)


def row_reason(row: Row, alignment: Alignment, rarity: Rarity) -> RowReason:
    """The reader's reason for an aligned row (one clause per reference ↔ other pair)."""
    ref = row.docs[0]
    a = row.members[ref]
    pairs = []
    pair_scores = _pair_scores(row) if len(row.docs) > 2 else {}
    for other in row.docs[1:]:
        b = row.members[other]
        score = pair_scores.get(other, row.score)
        shared = shared_phrases("\n".join(p.plain for p in a), "\n".join(p.plain for p in b), rarity)
        na, nb = sum(len(p.items) for p in a), sum(len(p.items) for p in b)
        structure = f"均为{na}项" if na and na == nb else (f"项数：{na}／{nb}" if na or nb else "")
        grouping = ""
        ra, ro = doc_name(alignment.info(ref)), doc_name(alignment.info(other))
        if len(b) > 1:
            grouping = f"{ro}{_labels(b)}合起来对应{ra}{_labels(a)}"
        elif len(a) > 1:
            grouping = f"{ra}{_labels(a)}合起来对应{ro}{_labels(b)}"
        pairs.append(PairReason(ref, other, score, strength(score), shared, structure, grouping))
    return RowReason(row.score, strength(row.score), pairs)


_PAIR_SCORE = re.compile(r"↔ (?P<who>[^|;]+?) (?P<score>\d\.\d\d)(?:;|$| \|)")


def _pair_scores(row: Row) -> dict[str, float]:
    """Each pair's score as the alignment states it in its reason (``gd 12 ↔ js 12 0.70``), by
    position: the n-th clause is the reference against the n-th other document."""
    scores = {}
    clauses = row.reason.split(" | ")
    for other, clause in zip(row.docs[1:], clauses, strict=False):
        m = _PAIR_SCORE.search(clause)
        if m:
            scores[other] = float(m["score"])
    return scores


def part_text(part: Part, alignment: Alignment) -> str:
    """A part's reason in the reader's words: 江苏细则第二十四条的一部分（“落实医保支付政策…”）
    对应广东办法第三十条（“经办机构应当落实医保支付政策…”），相似度0.79."""
    def clip(text: str, limit: int = 18) -> str:
        return text if len(text) <= limit else text[: limit - 1] + "…"
    mine = doc_name(alignment.info(part.provision.doc_id))
    theirs = doc_name(alignment.info(part.target.doc_id))
    head = f"{mine}{part.provision.label}的一部分（“{clip(part.quote)}”）"
    if part.role:  # few shared words: the evidence is the drafting role both sentences have
        return f"{head}与{theirs}{part.target.label}（“{clip(part.target_quote)}”）同为{part.role}"
    return f"{head}对应{theirs}{part.target.label}（“{clip(part.target_quote)}”），相似度{part.score:.2f}"


def row_reasons(alignment: Alignment) -> dict[int, RowReason]:
    """Reasons of every aligned row, keyed by row number (1-based, as the reports number rows)."""
    rarity = Rarity.of(alignment)
    return {number: row_reason(row, alignment, rarity)
            for number, row in enumerate(alignment.rows, 1) if row.aligned}
