"""One provision across many documents: where each prefecture's rule states its province's
provision, and on which parameter it deviates.

``align`` lines up a handful of rules article by article (a star of pairwise matches); with
hundreds of prefectures that is neither needed nor affordable. Here the question is narrower:
the provincial rule states a provision (a concept-map node, corpus/concepts.yaml), and every local
rule implementing it has its own version somewhere, renumbered, reworded, split or merged. Each
local rule's provisions (``provisions.py``) are scored against the provincial one by character
n-gram TF-IDF cosine (``similarity.py``, fitted once on the provincial rules), the best one is
its version, and the parameters each states (the parameters layer, the same values the
key-differences table shows) are compared key by key:

- ``changed``: both state the key, with another value, unit or bound (评估期限 3个月 → 2个月);
- ``missing``: the province states it, the local version does not (未规定);
- ``added``: the local version states a key the province does not.

A local rule whose best provision scores below ``MIN_SCORE`` has no version of the provision
(reported as such, never matched to a stranger). Rewording alone is no deviation; the share of
changed characters (``redline.changed_share``) is shown beside each match for the reader.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from extractors.layers.params import document_params, param_keys
from toolkit.citations import node_label
from toolkit.compare.params_table import Value, wording
from toolkit.compare.provisions import Provision, provisions
from toolkit.compare.redline import changed_share, redline
from toolkit.compare.similarity import Vectorizer, cosine
from toolkit.model import Document

MIN_SCORE = 0.3  # measured: 0.93–1.00 for a prefecture's version, 0.59 for another province's, 0.07 for an unrelated rule


@dataclass(frozen=True)
class Reference:
    """The provincial provision: which rule, which provision, the parameters it states."""

    key: str  # the region key of the concept map (guangdong)
    doc: Document
    provision: Provision
    params: dict[str, tuple[Value, ...]]


@dataclass(frozen=True)
class Entry:
    """One local rule to compare, the reference it implements, and how the report names it."""

    doc: Document
    reference: str  # Reference.key
    name: str  # 万建市医疗保障局 万医保〔2022〕65号


@dataclass(frozen=True)
class Deviation:
    key: str
    label: str
    kind: str  # changed | missing | added
    reference: tuple[Value, ...]
    local: tuple[Value, ...]


@dataclass(frozen=True)
class Match:
    entry: Entry
    provision: Provision | None  # None: the rule has no version of the provision
    score: float
    changed: float  # share of the provincial text changed (0 = word for word)
    deviations: tuple[Deviation, ...] = ()


@dataclass
class Across:
    label: str  # the provision's name (评估期限)
    references: dict[str, Reference]
    matches: list[Match] = field(default_factory=list)

    @property
    def deviating(self) -> list[Match]:
        return [m for m in self.matches if m.deviations]

    @property
    def unmatched(self) -> list[Match]:
        return [m for m in self.matches if m.provision is None]

    def by_parameter(self) -> dict[str, dict[str, Counter[str]]]:
        """reference → parameter key → how many of the local rules implementing it state each
        value (the province's own value counts those that keep it)."""
        out: dict[str, dict[str, Counter[str]]] = {k: {} for k in self.references}
        for m in self.matches:
            if m.provision is None:
                continue
            ref = self.references[m.entry.reference]
            keys = list(ref.params) + [d.key for d in m.deviations if d.key not in ref.params]
            for key in keys:
                dev = next((d for d in m.deviations if d.key == key), None)
                values = dev.local if dev else ref.params.get(key, ())
                out[m.entry.reference].setdefault(key, Counter())[_shown(values)] += 1
        return out


def _shown(values: tuple[Value, ...]) -> str:
    return "、".join(v.bound() for v in values) if values else wording()["silent"]


def _param_values(doc: Document) -> list[dict[str, Any]]:
    stored = [s for s in doc.spans if s.label == "PARAM"]
    if stored:
        return [dict(s.data, eid=s.eid, text=s.text) for s in stored]
    return [dict(p.to_json()) for p in document_params(doc)]


def provision_params(doc: Document, provision: Provision,
                     every: list[dict[str, Any]] | None = None) -> dict[str, tuple[Value, ...]]:
    """key → the values the provision states (keyless ``other`` quantities left out)."""
    out: dict[str, list[Value]] = {}
    for p in every if every is not None else _param_values(doc):
        key = p.get("key")
        if not key or key == "other" or not provision.holds(p["eid"]):
            continue
        out.setdefault(key, []).append(Value(
            p.get("value"), p.get("unit") or "", p["eid"], p.get("quote") or "", p.get("text") or "",
            p.get("comparator"), (), p.get("kind") or "", node_label(doc, p["eid"])))
    return {k: tuple(v) for k, v in out.items()}


def reference(key: str, doc: Document, eid: str) -> Reference:
    """The provincial provision holding node ``eid`` (a concept-map node) of ``doc``."""
    for prov in provisions(doc):
        if prov.holds(eid) or prov.lead_eid == eid:
            return Reference(key, doc, prov, provision_params(doc, prov))
    raise ValueError(f"{doc.id} has no provision holding {eid}")


def _same(a: tuple[Value, ...], b: tuple[Value, ...]) -> bool:
    def norm(vs: tuple[Value, ...]) -> list[tuple[Any, ...]]:
        return sorted((str(v.value), v.unit, v.comparator or "") for v in vs)
    return norm(a) == norm(b)


def deviations(ref: dict[str, tuple[Value, ...]], local: dict[str, tuple[Value, ...]],
               labels: dict[str, str]) -> tuple[Deviation, ...]:
    """Key by key, in the provincial rule's order, then the keys only the local rule has."""
    out = []
    for key in list(ref) + [k for k in local if k not in ref]:
        a, b = ref.get(key, ()), local.get(key, ())
        if a and b and _same(a, b):
            continue
        kind = "changed" if a and b else "missing" if a else "added"
        out.append(Deviation(key, labels.get(key, key), kind, a, b))
    return tuple(out)


def key_labels() -> dict[str, str]:
    """Parameter key → its Chinese label (extractors/layers/param_keys.yaml)."""
    return {k.key: k.label for k in param_keys()}


def compare_across(references: dict[str, Reference], entries: Iterable[Entry], label: str) -> Across:
    """Each entry's version of its reference provision, and its deviations."""
    names = key_labels()
    vec = Vectorizer([p.plain for r in references.values() for p in provisions(r.doc)])
    ref_vectors = {k: vec.vector(r.provision.plain) for k, r in references.items()}
    result = Across(label, references)
    for entry in entries:
        ref = references[entry.reference]
        target = ref_vectors[entry.reference]
        best, score = None, 0.0
        for prov in provisions(entry.doc):
            s = cosine(target, vec.vector(prov.plain))
            if s > score:
                best, score = prov, s
        if best is None or score < MIN_SCORE:
            result.matches.append(Match(entry, None, score, 1.0))
            continue
        local = provision_params(entry.doc, best)
        devs = deviations(ref.params, local, names)
        share = changed_share(redline(ref.provision.body, best.body))
        result.matches.append(Match(entry, best, score, share, devs))
    return result


# --- the report a person reads ----------------------------------------------------------------

_KIND = {"changed": "数值不同", "missing": "未规定", "added": "新增规定"}  # the deviation kinds in words
_STYLE = """
body{font-family:"Noto Sans CJK SC","FandolSong",serif;margin:2em;max-width:72em;line-height:1.5}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top}
th{background:#eee}td.q{font-size:.9em;color:#333}.changed{background:#fde2e2}.missing{background:#fff3cd}
.added{background:#e2f0fd}.n{text-align:right}
"""


def _cell_values(values: tuple[Value, ...]) -> str:
    if not values:
        return html.escape(wording()["silent"])
    return "<br>".join(f"{html.escape(v.bound())}（{html.escape(v.label)}）" for v in values)


def _quotes(values: tuple[Value, ...]) -> str:
    return "<br>".join(html.escape(v.quote) for v in values)


def report_html(result: Across) -> str:
    """Summary per parameter (how many prefectures state what), then every deviating prefecture
    with the provincial and local values, the articles as printed and the local sentence."""
    e = html.escape
    total = len(result.matches)
    parts = [f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>{e(result.label)}：各地对照</title>",
             f"<style>{_STYLE}</style><body><h1>{e(result.label)}：{total}个地区与省级规定对照</h1>"]
    refs = ", ".join(f"{e(r.doc.title)}{e(r.provision.label)}" for r in result.references.values())
    parts.append(f"<p>省级规定：{refs}。共{total}个地区，其中{len(result.deviating)}个在参数上与省级规定不同，"
                 f"{len(result.unmatched)}个未找到对应条款。</p>")
    labels = key_labels()
    counts = result.by_parameter()
    for key, ref in result.references.items():
        n = sum(1 for m in result.matches if m.entry.reference == key)
        if not n:
            continue
        parts.append(f"<h2>{e(ref.doc.title)}{e(ref.provision.label)}：实施它的{n}个地区各参数的规定</h2>"
                     "<table><tr><th>参数</th><th>省级规定</th><th>各地规定</th><th>地区数</th></tr>")
        for param, values in counts[key].items():
            rows = values.most_common()
            own = _shown(ref.params.get(param, ()))
            for i, (shown, k) in enumerate(rows):
                head = (f"<td rowspan='{len(rows)}'>{e(labels.get(param, param))}</td>"
                        f"<td rowspan='{len(rows)}'>{e(own)}</td>") if i == 0 else ""
                mark = "" if shown == own else " class='changed'"
                parts.append(f"<tr>{head}<td{mark}>{e(shown)}</td><td class='n'>{k}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>与省级规定不同的地区</h2><table><tr><th>地区（发文）</th><th>对应条款</th>"
                 "<th>参数</th><th>差异</th><th>省级规定</th><th>本地规定</th><th>本地原文</th></tr>")
    for m in result.deviating:
        assert m.provision is not None
        for i, d in enumerate(m.deviations):
            head = (f"<td rowspan='{len(m.deviations)}'>{e(m.entry.name)}</td>"
                    f"<td rowspan='{len(m.deviations)}'>{e(m.provision.label)}<br>相似度{m.score:.2f}，"
                    f"文字改动{m.changed:.1%}</td>") if i == 0 else ""
            parts.append(f"<tr class='{d.kind}'>{head}<td>{e(d.label)}</td><td>{_KIND[d.kind]}</td>"
                         f"<td>{_cell_values(d.reference)}</td><td>{_cell_values(d.local)}</td>"
                         f"<td class='q'>{_quotes(d.local or d.reference)}</td></tr>")
    parts.append("</table>")
    if result.unmatched:
        parts.append("<h2>未找到对应条款的地区</h2><ul>" + "".join(
            f"<li>{e(m.entry.name)}（最接近的条款相似度{m.score:.2f}）</li>" for m in result.unmatched) + "</ul>")
    same = [m for m in result.matches if m.provision is not None and not m.deviations]
    parts.append(f"<h2>参数与省级规定一致的地区（{len(same)}个）</h2><table><tr><th>地区（发文）</th>"
                 "<th>对应条款</th><th>文字改动</th></tr>")
    for m in same:
        assert m.provision is not None
        parts.append(f"<tr><td>{e(m.entry.name)}</td><td>{e(m.provision.label)}</td>"
                     f"<td class='n'>{m.changed:.1%}</td></tr>")
    parts.append("</table></body></html>\n")
    return "".join(parts)
