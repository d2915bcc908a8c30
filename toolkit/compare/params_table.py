"""The key-differences table: the same parameter side by side across regions, same or different.

Parameters come from the parameters layer (``extractors.layers.params``): each quantity with the
key of what it governs (``evaluation_period`` 评估期限), its value and normalised unit (工作日 stay
工作日: a working-day period is not a calendar-day one), the node and the exact sentence. They are
read from the stored ``PARAM`` spans when the document was ingested with layers, and computed from
the tree otherwise. Quantities no key claims (``other``) are not compared: without a key there is
nothing to line them up with.

A row knows every document compared, not only those that state the parameter: a region that
states nothing is *silent* (未规定), and a row with a silent region is never 相同 (``status``).
What the reader sees — status words, bounds (不满3年, 3个月以内) — comes from ``wording.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from extractors.layers.params import document_params
from toolkit.citations import node_label
from toolkit.compare.align import Alignment
from toolkit.model import Document

WORDING_FILE = Path(__file__).with_name("wording.yaml")


@cache
def wording() -> dict[str, Any]:
    """The reader's words for statuses, bounds, row kinds and strengths (``wording.yaml``)."""
    return yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Value:
    value: float | int | str | None
    unit: str
    eid: str
    quote: str
    text: str  # the quantity as printed
    comparator: str | None = None
    also: tuple[str, ...] = ()  # other eIds stating the same key (the pharmacy list's copy)
    kind: str = ""  # DURATION | RATIO | COUNT | AMOUNT | DATE (the parameters layer's)
    label: str = ""  # citation of ``eid`` in its document: 第九条第（五）项

    def display(self) -> str:
        return format_value(self.value, self.unit)

    def bound(self) -> str:
        """The value with its bound in the words of the rules: 不满3年, 3个月以内, 提前3个月."""
        return bound_text(self.comparator, self.display(), self.kind)

    def same_as(self, other: Value) -> bool:
        return (self.value, self.unit, self.comparator) == (other.value, other.unit, other.comparator)


@dataclass
class ParamRow:
    key: str
    label: str
    values: dict[str, Value] = field(default_factory=dict)  # doc id → value
    docs: tuple[str, ...] = ()  # every document compared (silent ones too); empty: those in values

    @property
    def silent(self) -> list[str]:
        """The compared documents that state nothing for this parameter (未规定)."""
        return [d for d in self.docs if d not in self.values]

    @property
    def status(self) -> str:
        """same (all state it alike) | different | partial (those stating it agree, others are
        silent) | only (one document states it)."""
        vals = list(self.values.values())
        if len(vals) < 2:
            return "only"
        if not all(v.same_as(vals[0]) for v in vals[1:]):
            return "different"
        return "partial" if self.silent else "same"

    @property
    def status_label(self) -> str:
        return wording()["status"][self.status]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "status_label": self.status_label,
            "silent": self.silent,
            "values": {doc: {"value": v.value, "unit": v.unit, "display": v.display(), "comparator": v.comparator,
                             "bound": v.bound(), "kind": v.kind, "citation": v.label,
                             "eid": v.eid, "quote": v.quote, "text": v.text, "also": list(v.also)}
                       for doc, v in self.values.items()},
        }


_UNIT_DISPLAY = {"工作日": "个工作日", "date": ""}


def format_value(value: float | int | str | None, unit: str) -> str:
    """3 个月 → "3个月", 20 工作日 → "20个工作日", 2021-06-01 → "2021年6月1日"; no conversion."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return f"{day.year}年{day.month}月{day.day}日"
    return f"{value}{_UNIT_DISPLAY.get(unit, unit)}"


def bound_text(comparator: str | None, shown: str, kind: str = "") -> str:
    """``shown`` (3年) with its bound in words (wording.yaml ``bounds``): ``<`` → 不满3年."""
    bounds = wording()["bounds"]
    phrase = bounds.get(comparator or "none", "{v}")
    if isinstance(phrase, dict):
        phrase = phrase.get(kind, phrase["default"])
    return phrase.format(v=shown)


def _params(doc: Document) -> list[dict[str, Any]]:
    """The document's parameters as dicts: the stored layer if there is one, else computed."""
    stored = [s for s in doc.spans if s.label == "PARAM"]
    if stored:
        return [dict(s.data, eid=s.eid, text=s.text) for s in stored]
    return [dict(p.to_json()) for p in document_params(doc)]


def parameter_table(docs: list[Document]) -> list[ParamRow]:
    """One row per parameter key any of ``docs`` states, in the order the keys first appear."""
    ids = tuple(d.id for d in docs)
    rows: dict[str, ParamRow] = {}
    for doc in docs:
        for p in _params(doc):
            key = p.get("key")
            if not key or key == "other":
                continue
            row = rows.setdefault(key, ParamRow(key, p.get("label") or key, docs=ids))
            current = row.values.get(doc.id)
            if current is None:
                row.values[doc.id] = Value(p.get("value"), p.get("unit") or "", p["eid"], p.get("quote") or "",
                                           p.get("text") or "", p.get("comparator"), (), p.get("kind") or "",
                                           node_label(doc, p["eid"]))
            elif p["eid"] != current.eid and p["eid"] not in current.also:
                row.values[doc.id] = Value(current.value, current.unit, current.eid, current.quote, current.text,
                                           current.comparator, current.also + (p["eid"],), current.kind,
                                           current.label)
    return list(rows.values())


def alignment_parameters(alignment: Alignment) -> list[ParamRow]:
    """The key-differences table of an alignment's documents (the baseline is not a region)."""
    return parameter_table([alignment.docs[d.id] for d in alignment.documents])


def provision_of(alignment: Alignment, doc_id: str, eid: str) -> str | None:
    """The eId of the aligned provision holding node ``eid`` (for links into the matrix)."""
    for row in alignment.rows:
        for p in row.members.get(doc_id, []):
            lead = (p.lead_eid, f"{p.lead_eid}__para_1") if p.lead_eid else ()
            if p.holds(eid) or eid in lead:
                return p.eid
    return None
