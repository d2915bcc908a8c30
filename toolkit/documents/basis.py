"""The legal basis of a document: citations from the corpus, turned into quote blocks.

Every word of law a notice prints comes from here, through :class:`toolkit.corpus.Corpus`
(``cite`` for a concept, ``cite_node`` for one item), on the document's date: a rule not in force
on that date stops the document with one clear line (:class:`DocumentError`).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from datetime import date

from toolkit.calendar import format_date_cn
from toolkit.corpus import (
    Citation,
    ConceptNotInRegion,
    Corpus,
    CorpusError,
    NotInForce,
    UnknownConcept,
    UnknownRegion,
)
from toolkit.documents.regional import Region, RegionalTable, load_regional


class DocumentError(Exception):
    """A document that cannot be produced; the message is one line a clerk can act on."""


@dataclass(frozen=True)
class Quote:
    """A quote block: ``lead`` (《title》（文号）label规定：) and the node's exact lines."""

    lead: str
    lines: tuple[str, ...]
    citation: Citation

    def as_context(self) -> dict:
        # "node" is not printed: issuing records what each notice quotes, by node ID
        return {"lead": self.lead, "lines": list(self.lines),
                "node": {"doc_id": self.citation.doc_id, "eid": self.citation.eid}}


def lead_for(c: Citation) -> str:
    """《title》（文号）label规定： — a national provision that applies where the region's rules
    are silent is cited like any other (the title says what it is); why it was chosen is the
    concept map's business, never the printed text's."""
    source = f"（{c.source}）" if c.source else ""
    return f"《{c.doc_title}》{source}{c.label}规定："


_LEAD_IN = ("：", ":")


def standalone_lines(c: Citation) -> tuple[str, ...]:
    """The citation's lines, never ending in a lead-in ("…情形之一的，…：") whose items are not
    quoted: a node quoted for its own words (``eId#own``) keeps the sentences that stand alone and
    drops the lead-in. A node that is nothing but a lead-in cannot be quoted alone."""
    lines = [line for line in c.text.split("\n") if line]
    while lines and lines[-1].rstrip().endswith(_LEAD_IN):
        last = lines.pop().rstrip()
        cut = last.rfind("。")
        if cut >= 0:
            lines.append(last[: cut + 1])
            break
    if not lines:
        raise DocumentError(f"{c.reference}只是引出下列各项的导语，不能单独引用：请在概念表中引用它的具体项")
    return tuple(lines)


def quote(c: Citation) -> Quote:
    """The citation's text exactly as the corpus holds it, one paragraph per line."""
    return Quote(lead_for(c), standalone_lines(c), c)


_SPACE = re.compile(r"\s+")


def squeeze(text: str) -> str:
    return _SPACE.sub("", text)


def not_in_force_message(e: NotInForce, title: str | None = None) -> str:
    name = f"《{title}》" if title else e.doc_id
    reason = getattr(e.status, "label", None) or str(e.status)
    return (f"不能引用{name}（{e.doc_id}）作为依据：该规定在{format_date_cn(e.on)}的效力状态为"
            f"“{reason}”，请核对成文日期或改用现行规定")


# Citations already resolved, per Corpus instance: a batch of notices cites the same nodes on
# the same dates again and again, and each citation's in-force check reads the store (and the
# manifest). Keyed like the Corpus's own document cache (the corpus's lifetime), so the answers
# are those that Corpus would give; errors are not kept.
_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo(corpus: Corpus, key: tuple, compute):
    try:
        table = _MEMO.setdefault(corpus, {})
    except TypeError:  # an object that cannot be weakly referenced: no memo
        return compute()
    if key not in table:
        table[key] = compute()
    return table[key]


class Basis:
    """Citations for one document: a region, a date, and (for Chuxiong) the applicant's kind."""

    def __init__(self, corpus: Corpus, region: str, on: date, *, pharmacy: bool = False,
                 table: RegionalTable | None = None):
        self.corpus = corpus
        self.on = on
        self.pharmacy = pharmacy
        self.region_key = region
        try:
            corpus.region_rule(region)
        except UnknownRegion:
            known = "、".join(corpus.concepts.regions)
            raise DocumentError(f"地区（region）{region!r} 不在概念表中（已有：{known}）") from None
        try:
            self.region: Region = (table or load_regional()).region(region)
        except Exception as e:  # RegionalError: message names the file
            raise DocumentError(str(e)) from None

    # --- errors ---------------------------------------------------------------------------
    def _title(self, doc_id: str) -> str | None:
        try:
            return self.corpus.document(doc_id).title
        except CorpusError:
            return None

    def _translate(self, e: CorpusError) -> DocumentError:
        if isinstance(e, NotInForce):
            return DocumentError(not_in_force_message(e, self._title(e.doc_id)))
        if isinstance(e, UnknownConcept):
            return DocumentError(f"概念表缺少所需概念：{e}")
        return DocumentError(str(e))

    def _guard(self, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except ConceptNotInRegion:
            raise
        except CorpusError as e:
            raise self._translate(e) from None

    # --- lookups --------------------------------------------------------------------------
    def concept(self, key: str, *, required: bool = True) -> list[Citation]:
        """The concept's citations; ``[]`` for an optional concept the region's rules lack."""
        try:
            return list(_memo(self.corpus, ("cite", key, self.region_key, self.on, self.pharmacy),
                              lambda: self._guard(self.corpus.cite, key, self.region_key, self.on,
                                                  pharmacy=self.pharmacy)))
        except ConceptNotInRegion:
            if not required:
                return []
            label = self.corpus.concepts.concept(key).label
            raise DocumentError(f"{self.region_key} 的规则中没有“{label}”（{key}）的规定，"
                                "不能制作此类文书") from None

    def node(self, doc_id: str, eid: str) -> Citation:
        return _memo(self.corpus, ("node", doc_id, eid, self.on),
                     lambda: self._guard(self.corpus.cite_node, doc_id, eid, self.on))

    def named(self, name: str) -> Citation | None:
        """A named quote of the regional table (None when the region defines none)."""
        ref = self.region.quotes.get(name)
        if ref is None:
            return None
        doc_id = self.concept(ref.concept)[0].doc_id
        return self.node(doc_id, ref.eid)

    def ground(self, list_name: str, selector: str, item: int, sub: int | None = None) -> Citation:
        """Item ``item`` (and sub-item ``sub``) of the region's list for this document."""
        ref = self.region.list_for(list_name, selector)
        if ref is None:
            raise DocumentError(f"{self.region_key} 的规则中没有适用于“{selector}”的{list_name}情形清单")
        if ref.items and item not in ref.items:
            allowed = "、".join(str(i) for i in ref.items)
            raise DocumentError(f"理由（grounds）第{item}项不适用于此类文书：{self.region_key} 的规定中"
                                f"只有第{allowed}项适用")
        doc_id = self.concept(ref.concept)[0].doc_id
        eid = ref.item_eid(item, sub)
        try:
            return self.node(doc_id, eid)
        except DocumentError:
            where = f"第{item}项" + (f"第{sub}目" if sub else "")
            parent = self.node(doc_id, ref.list)
            raise DocumentError(f"理由（grounds）{where}不存在：{parent.reference}中没有这一项") \
                from None

    def param(self, name: str) -> int | float | None:
        """A regional number, checked against the law's current text (None if not defined)."""
        p = self.region.params.get(name)
        if p is None:
            return None
        if p.quote:
            named = self.named(p.quote)
            cites = [named] if named else []
        else:
            cites = self.concept(p.concept, required=False)
        text = squeeze("".join(c.text for c in cites))
        if squeeze(p.evidence) not in text:
            refs = "、".join(c.reference for c in cites) or p.concept or p.quote
            raise DocumentError(f"文书数据表的 {self.region_key}.{name}={p.value} 在{refs}中找不到依据"
                                f"“{p.evidence}”：规定可能已修改，请更新 toolkit/documents/regional.yaml")
        return p.value

    def region_docs(self) -> set[str]:
        """Documents a decision for this region may cite: its rule and every concept's nodes."""
        docs = {self.corpus.region_rule(self.region_key)}
        for key in self.corpus.concepts.concepts:
            try:
                docs |= {r.doc_id for r in self.corpus.concepts.refs(key, self.region_key)}
            except CorpusError:
                continue
        return docs
