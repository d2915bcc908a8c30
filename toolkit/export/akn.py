"""A document as Akoma Ntoso 3.0 XML (OASIS LegalDocML), valid against the official schema.

Rules, regulations and guides are ``<act>``s with a ``<body>``; notices and attachments are
``<doc>``s with a ``<mainBody>``. Node kinds map one to one (章 chapter, 节 section, 条 article,
款 paragraph, 项/目 point) and unnumbered headings become ``<hcontainer name="heading">``. A node
with text and children puts the text in ``<intro>``; runs of points are wrapped in a ``<list>``.
Each element carries the model's eId; wId is set to the same value (this expression is the first
one the store knows, and AKN asks wId to be the eId of the original expression).
Resolved cross-references on a node's text become inline ``<ref href>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from lxml import etree

from toolkit.model import Document, Node, Span

NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
COUNTRY = "cn"
LANGUAGE = "zho"
ACT_KINDS = {"rule", "regulation", "guide", "law", "act"}
ELEMENT = {"book": "book", "part": "part", "chapter": "chapter", "section": "section",
           "article": "article", "paragraph": "paragraph", "point": "point"}
# AKN knows three event types: generation (published, effective…), amendment, repeal; a lapse
# (expires) ends force like a repeal.
EVENT_TYPE = {"amended": "amendment", "validity_extended": "amendment", "repealed": "repeal",
              "superseded": "repeal", "expires": "repeal"}

# Characters XML 1.0 cannot carry (C0 controls but tab / newline / return).
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")

UriFor = Callable[[str], str | None]


def _el(parent: etree._Element | None, tag: str, text: str | None = None,
        **attrs: str | None) -> etree._Element:
    qname = f"{{{NS}}}{tag}"
    attrib = {k.rstrip("_"): v for k, v in attrs.items() if v is not None}
    el = etree.Element(qname, attrib) if parent is None else etree.SubElement(parent, qname, attrib)
    if text is not None:
        el.text = _clean(text)
    return el


def _clean(text: str) -> str:
    return _XML_BAD.sub("", text)


def _id(value: str, fallback: str) -> str:
    return value if _SAFE_ID.match(value) else fallback


def work_uri(doc: Document) -> str:
    """/akn/cn/{act|doc}/{date}/{id}: the FRBR work of the document."""
    kind = "act" if doc.kind in ACT_KINDS else "doc"
    return f"/akn/{COUNTRY}/{kind}/{_work_date(doc)[0].isoformat()}/{_id(doc.id, 'document')}"


def _work_date(doc: Document) -> tuple[date, str]:
    """The date naming the work: 成文日期, else 印发日期, 施行日期, the first dated event."""
    for name, fact in (("signed", doc.signed), ("printed", doc.printed),
                       ("effective", doc.effective)):
        if fact and fact.value:
            return fact.value, name
    dated = [e for e in doc.events if e.date]
    if dated:
        return dated[0].date, dated[0].type
    return date(1, 1, 1), "unknown"  # AKN requires a date; 0001-01-01 says we have none


def _identification(meta: etree._Element, doc: Document, authors: list[str]) -> None:
    when, name = _work_date(doc)
    work = work_uri(doc)
    expr = f"{work}/{LANGUAGE}@{when.isoformat()}"
    ident = _el(meta, "identification", source="#policykit")
    w = _el(ident, "FRBRWork")
    _el(w, "FRBRthis", value=f"{work}/!main")
    _el(w, "FRBRuri", value=work)
    if doc.title:
        _el(w, "FRBRalias", value=_clean(doc.title), name="title")
    _el(w, "FRBRdate", date=when.isoformat(), name=name)
    for a in authors:
        _el(w, "FRBRauthor", href=f"#{a}", as_="#author")
    _el(w, "FRBRcountry", value=COUNTRY)
    _el(w, "FRBRsubtype", value=doc.kind)
    if doc.doc_number:
        _el(w, "FRBRnumber", value=_clean(doc.doc_number))
    if doc.title:
        _el(w, "FRBRname", value=_clean(doc.title))
    e = _el(ident, "FRBRExpression")
    _el(e, "FRBRthis", value=f"{expr}/!main")
    _el(e, "FRBRuri", value=expr)
    _el(e, "FRBRdate", date=when.isoformat(), name=name)
    for a in authors:
        _el(e, "FRBRauthor", href=f"#{a}", as_="#author")
    _el(e, "FRBRlanguage", language=LANGUAGE)
    m = _el(ident, "FRBRManifestation")
    _el(m, "FRBRthis", value=f"{expr}/!main.xml")
    _el(m, "FRBRuri", value=f"{expr}.akn")
    _el(m, "FRBRdate", date=when.isoformat(), name="transform")
    _el(m, "FRBRauthor", href="#policykit")


def _events(doc: Document) -> list[tuple[str, date, str, str | None]]:
    """(eId, date, AKN type, source document id) for every dated fact, in date order."""
    out: list[tuple[date, str, str | None]] = []
    seen: set[tuple[date, str]] = set()
    for e in doc.events:
        if e.date and (e.date, e.type) not in seen:
            seen.add((e.date, e.type))
            out.append((e.date, e.type, e.source_doc if e.source_doc != doc.id else None))
    for name, fact in (("effective", doc.effective), ("expires", doc.expires)):
        if fact and fact.value and (fact.value, name) not in seen:
            seen.add((fact.value, name))
            out.append((fact.value, name, None))
    out.sort(key=lambda t: t[0])
    return [(f"e_{i}", d, t, s) for i, (d, t, s) in enumerate(out, 1)]


def _meta(root_el: etree._Element, doc: Document, uri_for: UriFor) -> None:
    authors = [f"issuer_{i}" for i, _ in enumerate(doc.issuers, 1)] or ["unknown_issuer"]
    meta = _el(root_el, "meta")
    _identification(meta, doc, authors)
    events = _events(doc)
    sources = {s for *_, s in events if s}
    if events:
        life = _el(meta, "lifecycle", source="#policykit")
        for eid, when, kind, src in events:
            _el(life, "eventRef", eId=eid, date=when.isoformat(),
                source=f"#{_id(src, 'other')}" if src else "#original",
                type=EVENT_TYPE.get(kind, "generation"), refersTo=f"#{kind}")
    eff = next((e for e in events if e[2] == "effective"), None)
    exp = next((e for e in events if e[2] == "expires"), None)
    if eff:
        temporal = _el(meta, "temporalData", source="#policykit")
        group = _el(temporal, "temporalGroup", eId="period_1")
        _el(group, "timeInterval", start=f"#{eff[0]}", end=f"#{exp[0]}" if exp else None,
            refersTo="#inForce")
    refs = _el(meta, "references", source="#policykit")
    _el(refs, "original", eId="original", href=work_uri(doc), showAs=_clean(doc.title) or doc.id)
    for src in sorted(sources):
        href = uri_for(src) or f"/akn/{COUNTRY}/doc/{_id(src, 'other')}"
        _el(refs, "passiveRef", eId=_id(src, "other"), href=href, showAs=_clean(src))
    for name in ("policykit", "unknown_issuer") if not doc.issuers else ("policykit",):
        _el(refs, "TLCOrganization", eId=name, href=f"/ontology/organization/{name}", showAs=name)
    for i, issuer in enumerate(doc.issuers, 1):
        _el(refs, "TLCOrganization", eId=f"issuer_{i}",
            href=f"/ontology/organization/{COUNTRY}/{_clean(issuer)}", showAs=_clean(issuer))
    _el(refs, "TLCRole", eId="author", href="/ontology/role/author", showAs="author")
    for kind in sorted({k for _, _, k, _ in events}):
        _el(refs, "TLCEvent", eId=kind, href=f"/ontology/event/{kind}", showAs=kind)
    if eff:
        _el(refs, "TLCConcept", eId="inForce", href="/ontology/concept/inForce", showAs="in force")


def _preface(root_el: etree._Element, doc: Document) -> None:
    preface = _el(root_el, "preface")
    p = _el(preface, "p", class_="title")
    _el(p, "docTitle", doc.title)
    if doc.doc_number:
        p = _el(preface, "p", class_="number")
        _el(p, "docNumber", doc.doc_number)
    if doc.signed and doc.signed.value:
        p = _el(preface, "p", class_="date")
        _el(p, "docDate", doc.signed.quote or doc.signed.value.isoformat(),
            date=doc.signed.value.isoformat())


def _p(parent: etree._Element, node: Node, refs: list[Span], uri_for: UriFor,
       doc: Document) -> None:
    """``<p>`` with the node's exact text, resolved references inline as ``<ref href>``."""
    p = _el(parent, "p")
    text, pos, last = node.text, 0, None
    for span in sorted(refs, key=lambda s: s.start):
        target = span.data.get("target_doc", span.data.get("target"))
        eid = span.data.get("target_eid", span.data.get("eid"))
        if (span.start < pos or span.end > len(text) or text[span.start:span.end] != span.text
                or not (target or eid) or span.data.get("resolved") is False):
            continue  # overlapping, stale or unresolved: the text stays plain
        chunk = text[pos:span.start]
        if last is None:
            p.text = _clean(chunk)
        else:
            last.tail = _clean(chunk)
        same = target in (None, doc.id)
        base = "" if same else (uri_for(target) or f"/akn/{COUNTRY}/{target}")
        href = f"{base}#{eid}" if eid else (base or "#")
        last = _el(p, "ref", span.text, href=href)
        pos = span.end
    rest = _clean(text[pos:])
    if last is None:
        p.text = rest
    else:
        last.tail = rest


def _list_eid(parent_eid: str, k: int) -> str:
    return f"{parent_eid}__list_{k}" if parent_eid else f"list_{k}"


def _children(parent: etree._Element, node: Node, refs: dict[str, list[Span]],
              uri_for: UriFor, doc: Document, intro: bool) -> None:
    """Children of a hierarchical element; points in runs inside ``<list>`` (with the intro)."""
    k, i, kids = 0, 0, node.children
    pending_intro = intro
    while i < len(kids):
        if kids[i].kind == "point":
            j = i
            while j < len(kids) and kids[j].kind == "point":
                j += 1
            k += 1
            lst = _el(parent, "list", eId=_list_eid(node.eid, k), wId=_list_eid(node.eid, k))
            if pending_intro:
                _p(_el(lst, "intro"), node, refs.get(node.eid, []), uri_for, doc)
                pending_intro = False
            for child in kids[i:j]:
                _hier(lst, child, refs, uri_for, doc)
            i = j
        else:
            if pending_intro:
                _p(_el(parent, "intro"), node, refs.get(node.eid, []), uri_for, doc)
                pending_intro = False
            _hier(parent, kids[i], refs, uri_for, doc)
            i += 1


def _hier(parent: etree._Element, node: Node, refs: dict[str, list[Span]], uri_for: UriFor,
          doc: Document) -> None:
    tag = ELEMENT.get(node.kind, "hcontainer")
    attrs = {"eId": node.eid, "wId": node.eid}
    if tag == "hcontainer":
        attrs["name"] = node.kind
    el = _el(parent, tag, **attrs)
    if node.num:
        _el(el, "num", node.num)
    if node.heading:
        _el(el, "heading", node.heading)
    if node.children:
        _children(el, node, refs, uri_for, doc, intro=bool(node.text))
    else:
        _p(_el(el, "content"), node, refs.get(node.eid, []), uri_for, doc)


def document_to_akn(doc: Document, uri_for: UriFor | None = None) -> etree._Element:
    """The ``<akomaNtoso>`` element. ``uri_for(doc_id)`` gives other documents' work URIs."""
    resolve: UriFor = uri_for or (lambda _doc_id: None)
    refs: dict[str, list[Span]] = {}
    for span in doc.spans:
        if span.label == "REF":
            refs.setdefault(span.eid, []).append(span)
    root = etree.Element(f"{{{NS}}}akomaNtoso", nsmap={None: NS})
    is_act = doc.kind in ACT_KINDS
    top = _el(root, "act" if is_act else "doc", name=doc.kind, contains="originalVersion")
    _meta(top, doc, resolve)
    _preface(top, doc)
    body = _el(top, "body" if is_act else "mainBody")
    if doc.root.children:
        _children(body, doc.root, refs, resolve, doc, intro=False)
    else:
        # a body must hold something; this document printed no text of its own
        _p(_el(_el(body, "hcontainer", eId="hcontainer_empty", name="empty"), "content"),
           doc.root, [], resolve, doc)
    return root


def document_to_akn_string(doc: Document, uri_for: UriFor | None = None) -> str:
    return etree.tostring(document_to_akn(doc, uri_for), encoding="unicode", pretty_print=True)


def document_to_akn_bytes(doc: Document, uri_for: UriFor | None = None) -> bytes:
    return etree.tostring(document_to_akn(doc, uri_for), encoding="UTF-8", xml_declaration=True,
                          pretty_print=True)
