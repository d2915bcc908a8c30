"""File → structured documents: reader → chain → structure → layers.

``parse_file`` is pure apart from reading the file: it returns a :class:`ParsedSource` that the
store saves in one transaction. It runs in worker processes during a folder ingest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extractors import markers
from extractors.captions import CaptionEntry, legal_kind, parse_caption
from extractors.chain import ChainDoc, doc_number, split_chain
from extractors.readers.base import ReadError, ReadResult
from extractors.structure import has_articles, looks_like_heading, parse_guide, parse_structure
from toolkit.manifest import DocumentEntry, Manifest, SourceEntry
from toolkit.model import DateFact, Document, LifecycleEvent, Node

SUPPORTED = {".pdf": "pdf", ".docx": "docx", ".txt": "text", ".md": "markdown"}

# The largest file one ingest reads (docs/ingest.md). Parsing is linear (bench/ingest_scale.py:
# about 4 CPU s a MB of rule text with every layer; 50 MB took 186 CPU s and 2.8 GB of memory),
# so 64 MB is a few minutes and about 3.5 GB; a larger file is almost surely not one document.
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class ParsedSource:
    source_id: str
    path: str
    sha256: str
    format: str
    pages: int | None
    documents: list[Document]
    warnings: list[str] = field(default_factory=list)
    ocr: bool = False
    meta: dict = field(default_factory=dict)  # the manifest's source entry, if any


def discover(paths: list[Path]) -> list[Path]:
    """Files and folders → the supported files in them, sorted, folders searched recursively."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED)
        else:
            found.append(p)
    return found


def read(path: Path) -> ReadResult:
    """Pick the reader by suffix; the reader checks the content (a text file named .pdf fails there)."""
    if not path.exists():
        raise ReadError(str(path), "file not found")
    if path.is_dir():
        raise ReadError(str(path), "is a folder, not a file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ReadError(str(path), f"file is {size / 1024 / 1024:.1f} MB, over the {MAX_BYTES // 1024 // 1024} MB "
                                   "limit for one source: split it into its documents")
    kind = SUPPORTED.get(path.suffix.lower())
    if kind == "pdf":
        from extractors.readers.pdf import read_pdf

        return read_pdf(path)
    if kind == "docx":
        from extractors.readers.docx import read_docx

        return read_docx(path)
    if kind in ("text", "markdown"):
        from extractors.readers.text import read_text

        return read_text(path)
    raise ReadError(str(path), f"unsupported file type {path.suffix or '(none)'}: expected .pdf, .docx, .txt or .md")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower() or "source"


def parse_file(path: str | Path, *, manifest: Manifest | None = None, layers: bool = True,
               progress: Callable[[str], None] | None = None) -> ParsedSource:
    """Read a file and return its documents, structured, with layers. Raises ReadError.
    ``progress``, when given, is told each stage as it is reached (long files)."""
    path = Path(path)
    say = progress or (lambda _msg: None)
    result = read(path)
    say(f"read {len(result.blocks)} paragraphs" + (f" from {result.pages} pages" if result.pages else ""))
    if not any(b.text.strip() for b in result.blocks):
        raise ReadError(str(path), "no text found in the file")
    entry = manifest.source_for(path) if manifest else None
    source_id = entry.id if entry else _slug(path.stem)
    chain, warnings = split_chain(result.blocks)
    warnings = list(result.warnings) + warnings
    docs = [_build(cd, chain, source_id, str(path), entry) for cd in chain]
    _link(docs, chain)
    _infer_doc_numbers(docs)
    _caption_facts(docs, chain)
    say(f"{len(docs)} documents, {sum(article_count(d) for d in docs)} articles"
        + (f", {sum(1 for d in docs for _ in d.nodes())} units to annotate" if layers else ""))
    if layers:
        from extractors.layers.annotate import annotate_source

        warnings += annotate_source(docs, manifest=manifest)
        say("annotated")
    return ParsedSource(
        source_id=source_id,
        path=str(path),
        sha256=_sha256(path),
        format=result.format,
        pages=result.pages,
        documents=docs,
        warnings=warnings,
        ocr=result.ocr,
        meta=({"region": entry.region, "level": entry.level, "kind": entry.kind, "lineage": entry.lineage}
              if entry else {}) | ({"ocr_pages": result.ocr_pages} if result.ocr_pages else {})
        | ({"skipped_pages": result.skipped_pages} if result.skipped_pages else {}),
    )


def _entry_for(cd: ChainDoc, entry: SourceEntry | None) -> DocumentEntry | None:
    if entry is None:
        return None
    return next((d for d in entry.documents
                 if d.matches(doc_number=cd.doc_number, title=cd.title, kind=cd.kind, position=cd.position)), None)


def _body(cd: ChainDoc, file: str, printed: dict[str, str] | None = None,
          problems: list[str] | None = None) -> list[Node]:
    if cd.kind == "guide" or (not has_articles(cd.body) and sum(looks_like_heading(b) for b in cd.body) >= 3
                              and cd.kind not in ("notice", "decision")):
        return parse_guide(cd.body, file=file)
    return parse_structure(cd.body, file=file, printed=printed, problems=problems)


def _build(cd: ChainDoc, chain: list[ChainDoc], source_id: str, file: str, entry: SourceEntry | None) -> Document:
    de = _entry_for(cd, entry)
    doc_id = de.id if de else f"{source_id}-{cd.position}"
    meta: dict = {"file": file, "page": cd.page, "line": cd.line}
    if entry:
        meta.update({"region": entry.region, "level": entry.level})
    if de:
        meta.update({k: v for k, v in {"region": de.region, "level": de.level, "short": de.short,
                                        "implements": de.implements}.items() if v})
        meta.update(de.extra)
    if cd.inferred:
        meta["inferred"] = dict(cd.inferred)
    if cd.captions:
        meta["captions"] = list(cd.captions)
    if cd.note:
        meta["note"] = cd.note
    doc = Document(
        id=doc_id,
        source=source_id,
        position=cd.position,
        kind=cd.kind,
        title=cd.title,
        doc_number=cd.doc_number,
        issuers=list(cd.issuers),
        addressees=cd.addressees,
        signed=DateFact(cd.signed.value, cd.signed.quote) if cd.signed else None,
        printed_by=cd.printed_by,
        printed=DateFact(cd.printed.value, cd.printed.quote) if cd.printed else None,
        disclosure=cd.disclosure,
        cc=list(cd.cc),
        attachments=list(cd.attachments),
        meta=meta,
    )
    printed: dict[str, str] = {}
    problems: list[str] = []
    doc.root = Node(eid="", kind="body", children=_body(cd, file, printed, problems))
    if printed:  # item markers whose brackets the tree normalised: (一) where num says （一）
        doc.meta["printed_nums"] = printed
    if problems:  # numbering gaps, duplicates, numbers out of order: the tree is not the text's
        doc.meta["numbering"] = problems
    return doc


def _link(docs: list[Document], chain: list[ChainDoc]) -> None:
    """Each document after the first is forwarded, attached or published by the one before it."""
    for prev, doc in zip(docs, docs[1:], strict=False):
        doc.parent = prev.id
        prev.children.append(doc.id)


def _norm_title(t: str) -> str:
    return re.sub(r"[《》〈〉<>\s]", "", t)


_CITED = re.compile(r"《(?P<title>[^《》]*(?:《[^《》]*》[^《》]*)*)》\s*[（(](?P<no>[^（）()]*?〔\d{4}〕\d+号)[)）]")


def _infer_doc_numbers(docs: list[Document]) -> None:
    """A document printed without its 版头 (an attachment) gets the 文号 another document of the
    chain cites it by: 《…的通知》（粤医保规〔2021〕1号）. Marked inferred, with the quote."""
    cited: dict[str, tuple[str, str, str]] = {}
    for d in docs:
        for node in d.nodes():
            for m in _CITED.finditer(node.text):
                no = doc_number(m["no"].split("，")[0]) or m["no"]
                cited.setdefault(_norm_title(m["title"]), (no, m.group(0), d.id))
    for d in docs:
        if d.doc_number:
            continue
        hit = cited.get(_norm_title(d.title))
        if hit:
            d.doc_number = hit[0]
            d.meta.setdefault("inferred", {})["doc_number"] = f"cited as {hit[1]} in {hit[2]}"


def _caption_facts(docs: list[Document], chain: list[ChainDoc]) -> None:
    """题注 of a law (extractors.captions): its adoption, promulgation (by which order), each
    修正 / 修订 (date, body, amending decision) and 施行, each a lifecycle event quoting its words;
    the whole history in ``meta["history"]`` and the kind of law in ``meta["legal_kind"]``."""
    for d, cd in zip(docs, chain, strict=True):
        entries = parse_caption(cd.captions) if cd.captions else []
        for e in entries:
            if e.type == "published" and e.order and not d.doc_number:
                d.doc_number = e.order
                issuer = re.sub(r"^中华人民共和国", "", e.order.split("令")[0])
                if issuer and not d.issuers:
                    d.issuers = [issuer]
                    d.meta.setdefault("inferred", {})["issuers"] = f"the issuing organ of {e.order}"
            if e.type == "published":
                d.signed = d.signed or DateFact(e.date, e.quote)
            if e.type == "effective":
                d.effective = DateFact(e.date, e.quote, inferred=e.quote == "自公布之日起施行",
                                       note="the 题注 says it took effect on publication"
                                       if e.quote == "自公布之日起施行" else None)
            d.events.append(LifecycleEvent(e.type, e.date, target=d.id, source_doc=d.id, quote=e.quote,
                                           note=_caption_note(e)))
        if entries:
            d.meta["history"] = [e.to_json() for e in entries]
        # A rule printed as the attachment of the notice that publishes it is issued under that
        # notice's 文号.
        publisher = next((p for p in docs if p.id == d.parent), None)
        number = d.doc_number or (publisher.doc_number if publisher else None)
        kind = legal_kind(d.title, entries, number) if (entries or d.kind in ("rule", "regulation")) else None
        if kind:
            d.meta["legal_kind"] = kind


def _caption_note(e: CaptionEntry) -> str | None:
    """修正 or 修订 with who did it and by which decision: the words a history prints."""
    if e.type != "amended":
        return None
    parts = [f"{e.ordinal or ''}{e.act}", e.body, f"《{e.decision}》" if e.decision else None]
    return "，".join(p for p in parts if p)


def article_count(doc: Document) -> int:
    return sum(1 for n in doc.nodes() if n.kind == "article")


__all__ = ["ParsedSource", "parse_file", "discover", "read", "markers", "article_count"]
