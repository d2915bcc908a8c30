"""The corpus as the rest of policykit sees it: concepts → nodes → exact, in-force citations.

The concept map (corpus/concepts.yaml) names the provisions notices and decisions rest on
(``refusal_grounds``, ``evaluation_period`` …) and the node stating each in each region's rule.
:class:`Corpus` resolves a concept for a region through the store and refuses a rule that is
not in force on the document date, so a notice can never quote a rule that no longer applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from toolkit.manifest import ROOT
from toolkit.model import Document
from toolkit.store import Store, UnknownDocument
from toolkit.versions.status import document_status
from toolkit.versions.validity import Status

DEFAULT_CONCEPTS = ROOT / "corpus" / "concepts.yaml"


class CorpusError(Exception):
    pass


class UnknownConcept(CorpusError):
    pass


class UnknownRegion(CorpusError):
    pass


class ConceptNotInRegion(CorpusError):
    pass


class NotInForce(CorpusError):
    def __init__(self, doc_id: str, title: str, on: date, state: Status):
        self.doc_id, self.on, self.status = doc_id, on, state
        self.evidence = state.evidence
        why = "; ".join(f"{e.what} {e.date}" for e in state.evidence if e.date) or "no dates known"
        super().__init__(f"《{title}》({doc_id}) is {state.label} on {on.isoformat()} ({why}): "
                         "it cannot be cited as the legal basis on that date")


@dataclass(frozen=True)
class NodeRef:
    doc_id: str
    eid: str
    fallback: bool = False  # taken from the fallback region (the region's own rule is silent)
    own: bool = False  # quote the node's own words only, not the items below it ("eid#own")


@dataclass
class Concept:
    key: str
    label: str
    nodes: dict[str, list[str]]
    pharmacy: dict[str, list[str]] = field(default_factory=dict)
    fallback: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConceptMap:
    path: Path
    regions: dict[str, dict[str, str]]  # region key → {"rule": doc id}
    concepts: dict[str, Concept]

    def refs(self, key: str, region: str, *, pharmacy: bool = False) -> list[NodeRef]:
        concept = self.concept(key)
        if region not in self.regions:
            raise UnknownRegion(f"unknown region {region!r}: known regions are {', '.join(self.regions)}")
        table = concept.pharmacy if pharmacy and region in concept.pharmacy else concept.nodes
        names = table.get(region)
        fallback = False
        if not names and concept.fallback:
            names = concept.extra.get(concept.fallback) or concept.nodes.get(concept.fallback)
            region, fallback = concept.fallback, True
        if not names:
            raise ConceptNotInRegion(
                f"the {region} rules state nothing for {key!r} ({concept.label}) in {self.path.name}")
        return [self._ref(n, region, fallback) for n in names]

    def _ref(self, name: str, region: str, fallback: bool) -> NodeRef:
        name, own = (name[: -len("#own")], True) if name.endswith("#own") else (name, False)
        if ":" in name:
            doc_id, eid = name.split(":", 1)
        else:
            doc_id, eid = self.regions[region]["rule"], name
        return NodeRef(doc_id, eid, fallback, own)

    def concept(self, key: str) -> Concept:
        try:
            return self.concepts[key]
        except KeyError:
            raise UnknownConcept(f"unknown concept {key!r} (see {self.path})") from None

    def all_refs(self) -> list[tuple[str, str, NodeRef]]:
        """Every (concept, region, node) in the map: for consistency tests."""
        out = []
        for key, c in self.concepts.items():
            for table in (c.nodes, c.pharmacy):
                for region in table:
                    out += [(key, region, self._ref(n, region, False)) for n in table[region]]
            if c.fallback:
                out += [(key, c.fallback, self._ref(n, c.fallback, True))
                        for n in c.extra.get(c.fallback, [])]
        return out


def load_concepts(path: str | Path | None = None) -> ConceptMap:
    path = Path(path) if path else DEFAULT_CONCEPTS
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise CorpusError(f"{path}: cannot read concept map: {e}") from e
    regions = raw.get("regions") or {}
    concepts = {}
    for key, c in (raw.get("concepts") or {}).items():
        if not isinstance(c, dict) or "label" not in c or "nodes" not in c:
            raise CorpusError(f"{path}: concept {key!r} needs a label and nodes")
        for region in list(c["nodes"]) + list(c.get("pharmacy") or {}):
            if region not in regions:
                raise CorpusError(f"{path}: concept {key!r} names unknown region {region!r}")
        known = {"label", "nodes", "pharmacy", "fallback"}
        concepts[key] = Concept(key=key, label=c["label"], nodes=c["nodes"], pharmacy=c.get("pharmacy") or {},
                                fallback=c.get("fallback"), extra={k: v for k, v in c.items() if k not in known})
    return ConceptMap(path=path, regions=regions, concepts=concepts)


@dataclass(frozen=True)
class Citation:
    concept: str | None
    doc_id: str
    eid: str
    doc_title: str  # without 《》
    label: str  # 第九条第（五）项
    text: str  # the node as printed (num + text; an article with all its paragraphs and items)
    source: str | None  # the 文号 that published the rule (粤医保规〔2021〕1号)
    fallback: bool = False

    @property
    def reference(self) -> str:
        """《广东省医疗机构医疗保障定点管理暂行办法》第九条第（五）项"""
        return f"《{self.doc_title}》{self.label}"

    def to_json(self) -> dict:
        return {"concept": self.concept, "doc_id": self.doc_id, "eid": self.eid, "doc_title": self.doc_title,
                "label": self.label, "reference": self.reference, "text": self.text, "source": self.source,
                "fallback": self.fallback}


class Corpus:
    """Read access to an ingested store, with the concept map and validity checks."""

    def __init__(self, store: Store, concepts: ConceptMap):
        self.store = store
        self.concepts = concepts
        self._docs: dict[str, Document] = {}

    @classmethod
    def open(cls, db_path: str | Path | None = None, concepts_path: str | Path | None = None) -> Corpus:
        import os

        from toolkit.db.url import is_url

        db = db_path or os.environ.get("POLICYKIT_DB", "policykit.db")
        path = db if is_url(db) else Path(db)  # a server URL is checked by Store itself
        if isinstance(path, Path) and not path.exists():
            raise CorpusError(f"{path}: no policykit store here: run `policykit ingest corpus/` first")
        return cls(Store(path, create=False), load_concepts(concepts_path))

    def document(self, doc_id: str) -> Document:
        if doc_id not in self._docs:
            try:
                self._docs[doc_id] = self.store.document(doc_id)
            except UnknownDocument as e:
                raise CorpusError(str(e)) from e
        return self._docs[doc_id]

    def status(self, doc_id: str, on: date) -> Status:
        """Validity on a date, with events other documents state about this one (extensions,
        repeals, a later version replacing it)."""
        return document_status(self.store, doc_id, on)

    def publishing_number(self, doc: Document) -> str | None:
        """The 文号 under which a rule was published: its own, or the nearest parent's."""
        seen = set()
        while doc is not None and doc.id not in seen:
            seen.add(doc.id)
            if doc.doc_number:
                return doc.doc_number
            doc = self.document(doc.parent) if doc.parent else None
        return None

    def cite_node(self, doc_id: str, eid: str, on: date, *, concept: str | None = None,
                  fallback: bool = False, own: bool = False) -> Citation:
        doc = self.document(doc_id)
        state = self.status(doc_id, on)
        if not state.in_force:
            raise NotInForce(doc_id, doc.title, on, state)
        node = doc.node(eid)
        if node is None:
            raise CorpusError(f"{doc_id} has no node {eid!r} (the concept map and the corpus disagree)")
        return Citation(concept=concept, doc_id=doc_id, eid=eid, doc_title=doc.title,
                        label=self.store.label(doc_id, eid),
                        text=node.display() if own else node.full_text(),
                        source=self.publishing_number(doc), fallback=fallback)

    def cite(self, concept: str, region: str, on: date, *, pharmacy: bool = False) -> list[Citation]:
        """The nodes stating ``concept`` in ``region``'s rules, as in force on ``on``."""
        return [self.cite_node(r.doc_id, r.eid, on, concept=concept, fallback=r.fallback, own=r.own)
                for r in self.concepts.refs(concept, region, pharmacy=pharmacy)]

    def region_rule(self, region: str) -> str:
        try:
            return self.concepts.regions[region]["rule"]
        except KeyError:
            raise UnknownRegion(f"unknown region {region!r}: known regions are "
                                f"{', '.join(self.concepts.regions)}") from None
