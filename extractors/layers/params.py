"""Parameters: every quantitative provision, with what it governs.

A parameter is a quantity (duration, ratio, count, amount, date) plus the key of what it
governs, taken from the vocabulary in ``param_keys.yaml`` (``evaluation_period`` 评估期限,
``publicity_period`` 公示期 …): the same key finds the same provision in every region, so the
regional comparison lines them up. A quantity no key claims is still a parameter, with key
``other`` and the clause it sits in as what it governs.

The comparator is read from the words around the quantity. Per 民法典 第一千二百五十九条,
以上 / 以下 / 以内 / 届满 include the number and 不满 / 超过 / 以外 do not, hence ≥ ≤ ≤ and < >.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from extractors.layers.entities import Entity, find_doc_numbers, find_law_titles
from extractors.layers.quantities import find_dates, find_quantities
from toolkit.model import Document, Span

KEYS_FILE = Path(__file__).with_name("param_keys.yaml")
QUANTITY_LABELS = ("DURATION", "RATIO", "COUNT", "AMOUNT", "DATE")
_PLACEHOLDER = "\ue000"  # stands for the quantity in the sentence the patterns see
_BLANKS = re.compile(r"[ \u3000\u00a0]")
_SENTENCE_END = "。；;！？!?\n"
_CLAUSE_END = _SENTENCE_END + "，,：:"

# Words before / after a quantity → comparator. Longest first.
_BEFORE = [
    ("最多不超过", "≤"), ("不得超过", "≤"), ("不超过", "≤"), ("不高于", "≤"), ("不低于", "≥"),
    ("不少于", "≥"), ("至少有", "≥"), ("至少", "≥"), ("未满", "<"), ("不满", "<"), ("不足", "<"),
    ("已满", "≥"), ("达到", "≥"), ("超过", ">"), ("提前", "before"), ("前", "before"), ("满", "≥"),
]
_AFTER = [("及以上", "≥"), ("以上", "≥"), ("以下", "≤"), ("以内", "≤"), ("之内", "≤"), ("内", "≤"), ("后", "after")]


@dataclass(frozen=True)
class ParamKey:
    key: str
    label: str
    kinds: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    comparator: str | None = None  # when the words next to the quantity carry none


@dataclass(frozen=True)
class Parameter:
    """One quantitative provision. Offsets are into the node's text (``quote`` included)."""

    key: str
    label: str  # the key's Chinese label, or the governing clause for "other"
    kind: str  # DURATION | RATIO | COUNT | AMOUNT | DATE
    value: float | int | str | None  # number; ISO date for a DATE
    unit: str  # 工作日 | 日 | 个月 | 年 | % | 倍 | 张 | 名 | 人 | 次 | 分 | 元 | date
    comparator: str | None  # ≥ ≤ < > before after range, or None
    comparator_text: str | None  # the words it was read from, as printed
    text: str  # the quantity as printed
    start: int
    end: int
    quote: str  # the sentence holding it
    quote_start: int
    quote_end: int
    governs: str  # the clause holding it
    eid: str | None = None
    max: float | int | None = None  # upper bound of a range (1—3 分, 3个月至12个月)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        return {k: v for k, v in d.items() if v is not None or k in ("comparator", "value")}


@lru_cache(maxsize=1)
def param_keys() -> tuple[ParamKey, ...]:
    with KEYS_FILE.open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["keys"]
    out = []
    for k in raw:
        pats = tuple(re.compile(p.replace("<Q>", _PLACEHOLDER)) for p in k["patterns"])
        kinds = tuple(k.get("kinds") or QUANTITY_LABELS)
        out.append(ParamKey(k["key"], k["label"], kinds, pats, k.get("comparator")))
    return tuple(out)


def _bounds(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    s = max((text.rfind(ch, 0, start) for ch in stops), default=-1) + 1
    ends = [i for i in (text.find(ch, end) for ch in stops) if i >= 0]
    e = min(ends) + 1 if ends else len(text)
    if e <= len(text) and text[e - 1 : e] in ("\n",):
        e -= 1
    return s, e


def _comparator(text: str, start: int, end: int, sentence_start: int) -> tuple[str | None, str | None]:
    before_text = _BLANKS.sub("", text[max(sentence_start, start - 8) : start])
    after_text = _BLANKS.sub("", text[end : end + 4])
    sym_b = next(((w, s) for w, s in _BEFORE if before_text.endswith(w)), None)
    sym_a = next(((w, s) for w, s in _AFTER if after_text.startswith(w)), None)
    if sym_b and sym_a:
        if sym_b[1] == "before" and sym_a[1] == "≤":  # 到期前30日内: within the last 30 days
            return "within_before", f"{sym_b[0]}…{sym_a[0]}"
        if sym_a[1] == "after":
            return sym_b[1], sym_b[0]
        return sym_a[1], f"{sym_b[0]}…{sym_a[0]}" if sym_b[1] == sym_a[1] else sym_a[0]
    if sym_a:
        return sym_a[1], sym_a[0]
    if sym_b:
        return sym_b[1], sym_b[0]
    return None, None


def _key_for(q: Entity, sentence: str, q_start_in_sentence: int) -> ParamKey | None:
    probe = sentence[:q_start_in_sentence] + _PLACEHOLDER + sentence[q_start_in_sentence + len(q.text) :]
    probe = _BLANKS.sub("", probe)
    for k in param_keys():
        if q.label in k.kinds and any(p.search(probe) for p in k.patterns):
            return k
    return None


def text_quantities(text: str) -> list[Entity]:
    """Quantities and dates of one string, outside titles and 文号 (as the spaCy pipeline finds
    them), for callers without a pipeline run."""
    titles = find_law_titles(text)
    taken = [(t.start, t.end) for t in titles]
    taken += [(d.start, d.end) for d in find_doc_numbers(text) if not any(d.start < b and a < d.end for a, b in taken)]
    dates = [d for d in find_dates(text) if not any(d.start < b and a < d.end for a, b in taken)]
    found = dates + find_quantities(text, skip=taken + [(d.start, d.end) for d in dates])
    return sorted((Entity(q.start, q.end, q.label, q.text, dict(q.data)) for q in found), key=lambda e: e.start)


def find_params(text: str, quantities: Iterable[Entity] | None = None, eid: str | None = None) -> list[Parameter]:
    """The parameters of one text. ``quantities`` may come from the spaCy pipeline; by default
    they are found here."""
    qs = list(quantities) if quantities is not None else text_quantities(text)
    out = []
    for q in qs:
        if q.label not in QUANTITY_LABELS:
            continue
        s_start, s_end = _bounds(text, q.start, q.end, _SENTENCE_END)
        c_start, c_end = _bounds(text, q.start, q.end, _CLAUSE_END)
        sentence = text[s_start:s_end]
        key = _key_for(q, sentence, q.start - s_start)
        comparator, comparator_text = _comparator(text, q.start, q.end, s_start)
        if "max" in q.data:
            comparator, comparator_text = "range", None
        elif comparator is None and key is not None and key.comparator:
            comparator = key.comparator
        governs = text[c_start:c_end].rstrip(_CLAUSE_END)
        if q.label == "DATE":
            value: Any = q.data.get("iso")
            unit = "date"
        else:
            value, unit = q.data["value"], q.data["unit"]
        out.append(
            Parameter(
                key=key.key if key else "other",
                label=key.label if key else governs,
                kind=q.label,
                value=value,
                unit=unit,
                comparator=comparator,
                comparator_text=comparator_text,
                text=q.text,
                start=q.start,
                end=q.end,
                quote=sentence,
                quote_start=s_start,
                quote_end=s_end,
                governs=governs,
                eid=eid,
                max=q.data.get("max"),
            )
        )
    return out


def document_params(document: Document, quantities: dict[str, list[Entity]] | None = None) -> list[Parameter]:
    """Every parameter of ``document``, in document order. ``quantities`` (eid → entities) lets
    ``extractors.nlp.annotate`` reuse its pipeline run."""
    out = []
    for node in document.nodes():
        if not node.text:
            continue
        qs = quantities.get(node.eid) if quantities is not None else None
        out += find_params(node.text, qs, eid=node.eid)
    return out


def param_spans(document: Document, quantities: dict[str, list[Entity]] | None = None) -> list[Span]:
    """The parameters layer: one PARAM span per quantity (offsets of the quantity)."""
    out = []
    for p in document_params(document, quantities):
        data = p.to_json()
        for k in ("eid", "start", "end", "text"):
            data.pop(k, None)
        out.append(Span(p.eid or "", p.start, p.end, "PARAM", p.text, data))
    return out
