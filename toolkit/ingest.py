"""The ingest step: a parsed file becomes what the store keeps, and never changes the law silently.

Parsing (``extractors.pipeline.parse_file``) knows documents, trees and layers only. What the
corpus knows beyond one file's text is added here, before the result is stored: the manifest's
work, version and lifecycle events, the effective/expires facts that follow from a document's
own dated events (施行, 有效期 → its last day, marked inferred when computed), and the content
hash of each document's text (``extractors.identity``).

``admit`` decides whether a parsed file may be stored. A source is known by its id (the
manifest's, or the file stem's) *and* by its content: a file whose text differs from the stored
text of the same source, or from the text the manifest expects of a bundled source, is refused
with the article diff of what changed — unless the user asks for a new version (``--new-version``)
or the manifest declares that text as one. A new version is stored beside the old one, under
ids suffixed ``@<first 8 hex digits of its text hash>`` and grouped with it as one work, so the
old text stays citable under its own ids.

``reading_key`` names what a stored read depends on besides the file's bytes (the parser's code,
its libraries, the manifest's facts about the file), so ``unchanged`` can tell, before any parse,
that a file is stored exactly as this parser would store it again.

``source_problems`` reports stored sources whose text no longer matches the hash recorded at
ingest or the manifest's expected hash (``policykit db check``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from extractors.identity import source_text_sha256, text_sha256
from extractors.pipeline import ParsedSource, parse_file
from toolkit.ingest_messages import Said, say
from toolkit.manifest import DeclaredVersion, Manifest, SourceEntry
from toolkit.model import Document
from toolkit.versions.status import with_lifecycle_facts
from toolkit.versions.works import apply_manifest_events, work_of

VERSION_MARK = "@"  # gd-measure@1a2b3c4d: a later text of gd-measure


def date_documents(parsed: ParsedSource, manifest: Manifest | None) -> ParsedSource:
    """Manifest events and lifecycle facts onto a parsed source's documents (in place)."""
    entry = manifest.source_for(Path(parsed.path)) if manifest else None
    apply_manifest_events(parsed.documents, entry)
    for doc in parsed.documents:
        facts = with_lifecycle_facts(doc)
        doc.effective, doc.expires = facts.effective, facts.expires
    return parsed


def parse_source(path: str | Path, *, manifest: Manifest | None = None,
                 layers: bool = True, progress: Callable[[str], None] | None = None) -> ParsedSource:
    """Parse one file and date its documents: the unit a worker hands to ``Store.save``."""
    parsed = parse_file(path, manifest=manifest, layers=layers, progress=progress)
    parsed = date_documents(parsed, manifest) if layers else _manifest_only(parsed, manifest)
    if layers:  # only a full read is stored, so only it says how it was made
        parsed.meta["reading_key"] = reading_key(path, manifest)
    return fingerprint(parsed)


# --- a file known before it is parsed ---------------------------------------------------------

_ROOT = Path(__file__).resolve().parent.parent
# What turns a file's bytes into the stored rows, besides the bytes: the parser and the ingest
# step (their code and data files), and the libraries that read, segment and tag the text.
_READING_CODE = ("extractors", "toolkit/ingest.py", "toolkit/model.py", "toolkit/manifest.py",
                 "toolkit/versions/works.py", "toolkit/versions/status.py")
_READING_LIBS = ("pdfplumber", "pdfminer.six", "pypdfium2", "python-docx", "spacy", "jieba",
                 "pytesseract")


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    """A hash of the parser's code and data files and its libraries' versions: another parser
    may read the same file differently (status ``re-read``), so a stored read is only known to
    be this parser's read when the fingerprint matches. Computed once per process (~1 ms)."""
    h = hashlib.sha256()
    for name in _READING_CODE:
        top = _ROOT / name
        files = sorted(top.rglob("*")) if top.is_dir() else [top]
        for f in files:
            if f.is_file() and f.suffix in (".py", ".yaml", ".yml", ".json", ".txt"):
                h.update(str(f.relative_to(_ROOT)).encode() + b"\0" + f.read_bytes() + b"\0")
    for lib in _READING_LIBS:
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{lib}={version}\0".encode())
    return h.hexdigest()


def expected_source_id(path: str | Path, manifest: Manifest | None) -> str:
    """The source id a file gets (the manifest's, else its stem's slug), as ``parse_file`` gives it."""
    from extractors.pipeline import _slug

    entry = manifest.source_for(Path(path)) if manifest else None
    return entry.id if entry else _slug(Path(path).stem)


def reading_key(path: str | Path, manifest: Manifest | None) -> str:
    """What a stored read of ``path`` depends on besides the file's bytes: the parser's
    fingerprint and the manifest's facts that reach the stored rows (the file's entry, and the
    works it lists as not bundled, which the references layer names)."""
    entry = manifest.source_for(Path(path)) if manifest else None
    facts = repr((entry, manifest.external if manifest else None))
    return hashlib.sha256(f"{parser_fingerprint()}\n{facts}".encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """The file's sha256, read in blocks (a 64 MB PDF is not held in memory)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def unchanged(path: Path, store: Any, manifest: Manifest | None) -> Any:
    """The stored source this very file was read into by this parser (same file sha256, same
    reading key, under the id the file gets or a new version of it), or None: then it is parsed.

    A hit means parsing again would store the same rows, so nothing is parsed or written. A
    missing or unreadable file is None too: its parse reports it."""
    try:
        sha = file_sha256(path)
    except OSError:
        return None
    wanted = expected_source_id(path, manifest)
    key = reading_key(path, manifest)
    for src in store.sources_with_sha256(sha):
        meta = src.meta or {}
        if meta.get("reading_key") == key and wanted in (src.id, meta.get("version_of")):
            return src
    return None


def _manifest_only(parsed: ParsedSource, manifest: Manifest | None) -> ParsedSource:
    entry = manifest.source_for(Path(parsed.path)) if manifest else None
    apply_manifest_events(parsed.documents, entry)
    return parsed


# --- reads that are not whole: OCR, skipped pages, broken numbering, no structure -------------

_STRUCTURE = ("article", "chapter", "section", "heading", "point")


def has_structure(doc: Document) -> bool:
    """Whether anything marks the text as an official document: numbered units or headings, a
    文号 or a 成文日期 (a notice has no articles but has these)."""
    return bool(doc.doc_number or (doc.signed and doc.signed.value)
                or any(n.kind in _STRUCTURE for n in doc.nodes()))


def _ranges(pages: list[int]) -> str:
    out: list[str] = []
    for p in sorted(pages):
        if out and "-" not in out[-1] and int(out[-1]) == p - 1:
            out[-1] = f"{out[-1]}-{p}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) == p - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{p}"
        else:
            out.append(str(p))
    return ", ".join(out)


def read_problems(parsed: ParsedSource) -> list[str]:
    """Everything that makes this read less than the whole text, one line each: pages read by
    OCR or skipped, numbering gaps / duplicates / numbers out of order (with their places),
    documents with no structure. Empty for a clean read; a non-empty list is status ``partial``."""
    out = []
    if parsed.meta.get("ocr_pages"):
        out.append(f"pages read by OCR: {_ranges(parsed.meta['ocr_pages'])} of {parsed.pages} "
                   "(check quotations against the original)")
    if parsed.meta.get("skipped_pages"):
        out.append(f"pages skipped, no readable text: {_ranges(parsed.meta['skipped_pages'])} of {parsed.pages}")
    for doc in parsed.documents:
        out += [f"{doc.id}: {p}" for p in doc.meta.get("numbering", [])]
        if not has_structure(doc):
            out.append(f"{doc.id}: no structure (no articles, headings, items, 文号 or 成文日期): "
                       f"stored as plain paragraphs titled {doc.title or '(untitled)'!r}")
    return out


def fingerprint(parsed: ParsedSource) -> ParsedSource:
    """Record the content hashes: each document's in its meta, the chain's in the source meta."""
    for doc in parsed.documents:
        doc.meta["text_sha256"] = text_sha256(doc)
    parsed.meta["text_sha256"] = source_text_sha256(parsed.documents)
    problems = read_problems(parsed)
    if problems:
        parsed.meta["read_problems"] = problems
    return parsed


# --- admission: is this the law the store (or the manifest) already knows? ------------------

@dataclass
class Admission:
    """What ``admit`` decided for one parsed file.

    ``action``: ``new`` (an unknown source), ``same`` (the text already known, whatever the
    format), ``reread`` (the very file stored before, read differently by this parser),
    ``new_version`` (stored beside the old text, ids renamed), ``refused`` (a changed text).
    ``changes`` says per document what changed, from the article diff."""

    action: str
    reason: str = ""  # in English (the CLI's wording); reason_cn for the web page
    changes: list[str] = field(default_factory=list)
    reason_cn: str = ""

    @classmethod
    def said(cls, action: str, why: Said, changes: list[str] | None = None) -> Admission:
        return cls(action, why.en, changes or [], why.cn)

    @property
    def stores(self) -> bool:
        return self.action != "refused"


def _stored_docs(store: Any, source_id: str) -> list[Document]:
    # Only this source's rows: reading every stored source per file made admission grow with
    # the store (~5 ms a stored document at 3,000).
    return [store.document(s.id) for s in store.documents_of(source_id)]


def _stored_source(store: Any, source_id: str) -> Any:
    return store.source(source_id)


def _bundled_docs(entry: SourceEntry, manifest: Manifest) -> list[Document] | None:
    """The bundled file's documents, parsed now, when it is on disk and is the file the manifest
    expects: the text a changed copy is compared with."""
    path = manifest.path.parent / entry.file
    if not path.is_file() or (entry.sha256 and file_sha256(path) != entry.sha256):
        return None
    return parse_source(path, manifest=manifest, layers=False).documents


def _article_label(ref: Any) -> str:
    return ref.num or ref.eid


def change_summary(old: list[Document], new: list[Document]) -> list[str]:
    """One line per document whose text differs: the article diff's summary and the articles."""
    from toolkit.versions.diff import diff

    lines = []
    by_id = {d.id: d for d in old}
    by_position = {d.position: d for d in old}
    for doc in new:
        before = by_id.get(doc.id) or by_position.get(doc.position)
        if before is None:
            lines.append(f"{doc.id}: 新增文件《{doc.title}》")
            continue
        if text_sha256(before) == text_sha256(doc):
            continue
        cs = diff(before, doc)
        touched = [c for c in cs.changes if c.kind != "unchanged"]
        where = "、".join(_article_label((c.new or c.old)[0]) + "（" + "、".join(c.labels) + "）"
                         for c in touched[:8]) + ("等" if len(touched) > 8 else "")
        head = before.title if before.title == doc.title else f"《{before.title}》→《{doc.title}》"
        lines.append(f"{doc.id}: {cs.summary_cn()}" + (f"：{where}" if where else f"（{head}，条文以外的内容不同）"))
    for doc in old:
        if doc.id not in {d.id for d in new} and doc.position not in {d.position for d in new}:
            lines.append(f"{doc.id}: 文件《{doc.title}》不再出现")
    return lines


def _as_new_version(parsed: ParsedSource, declared: DeclaredVersion | None, manifest: Manifest | None) -> None:
    """Rename the parsed source and its documents to version ids, grouped with the old work."""
    mark = VERSION_MARK + parsed.meta["text_sha256"][:8]
    renamed = {d.id: d.id + mark for d in parsed.documents}
    parsed.meta["version_of"] = parsed.source_id
    parsed.source_id += mark
    for doc in parsed.documents:
        doc.meta.setdefault("work", work_of(doc, manifest))
        doc.meta["version_of"] = doc.id
        for name in ("short", "alias", "aliases"):  # the short names keep naming the old text
            doc.meta.pop(name, None)
        if declared and declared.version:
            doc.meta["version"] = declared.version
        doc.id = renamed[doc.id]
        doc.source = parsed.source_id
        doc.parent = renamed.get(doc.parent, doc.parent) if doc.parent else None
        doc.children = [renamed.get(c, c) for c in doc.children]
        for e in doc.events:
            e.target = renamed.get(e.target, e.target) if e.target else e.target
            e.source_doc = renamed.get(e.source_doc, e.source_doc) if e.source_doc else e.source_doc


def admit(parsed: ParsedSource, store: Any, manifest: Manifest | None, *,
          new_version: bool = False) -> Admission:
    """Decide whether ``parsed`` may be stored; rename it in place when it becomes a new version.

    The reference text is the stored source of the same id if there is one, else the bundled
    text the manifest expects (its file sha256 or text sha256)."""
    text = parsed.meta.get("text_sha256") or fingerprint(parsed).meta["text_sha256"]
    entry = manifest.source_for(Path(parsed.path)) if manifest else None
    stored = _stored_source(store, parsed.source_id)
    if stored is not None:
        old = _stored_docs(store, parsed.source_id)
        if source_text_sha256(old) == text:
            return Admission.said("same", say("same"))
        if stored.sha256 == parsed.sha256 and not new_version:
            return Admission.said("reread", say("reread"), change_summary(old, parsed.documents))
        reference, against = old, say("stored_text")
    elif entry is not None and (entry.sha256 or entry.text_sha256):
        if parsed.sha256 == entry.sha256 or text == entry.text_sha256:
            return Admission.said("new", say("bundled"))
        reference, against = (_bundled_docs(entry, manifest) or []), say("bundled_expected")
    else:
        return Admission("new")
    declared = next((v for v in entry.new_versions if v.matches(parsed.sha256, text)), None) if entry else None
    changes = change_summary(reference, parsed.documents) if reference else [
        say("sha_differs", text=text[:12], expected=(entry.text_sha256 or "")[:12]).cn]
    if not (new_version or declared):
        return Admission.said("refused", say("refused", against=against, source=parsed.source_id),
                              changes)
    _as_new_version(parsed, declared, manifest)
    again = _stored_source(store, parsed.source_id)
    if again is not None and again.meta.get("text_sha256") == text:
        return Admission.said("same", say("same_version", source=parsed.source_id))
    old_id = parsed.meta["version_of"]
    keeps = say("keeps_old" if stored is not None else "bundled_keeps", old=old_id)
    return Admission.said("new_version", say("new_version", source=parsed.source_id,
                                             how=say("declared" if declared else "chosen"),
                                             keeps=keeps), changes)


# --- checking what is stored ------------------------------------------------------------------

@dataclass(frozen=True)
class SourceProblem:
    """A stored source whose text does not match what it should be."""

    source_id: str
    doc_id: str | None
    problem: str

    def __str__(self) -> str:
        return f"{self.doc_id or self.source_id}: {self.problem}"


def source_problems(store: Any, manifest: Manifest | None = None) -> list[SourceProblem]:
    """Stored sources whose text no longer matches: the hash recorded at ingest (a row changed
    in the database) or, for a bundled source, the manifest's expected text hash."""
    out: list[SourceProblem] = []
    summaries = store.documents()
    for src in store.sources():
        docs = [store.document(s.id) for s in summaries if s.source == src.id]
        recorded = (src.meta or {}).get("text_sha256")
        if recorded is None:
            out.append(SourceProblem(src.id, None, "no content hash recorded (stored before hashes were "
                                                   "kept): re-ingest it to record one"))
            continue
        for doc in docs:
            want = doc.meta.get("text_sha256")
            if want and text_sha256(doc) != want:
                out.append(SourceProblem(src.id, doc.id, f"stored text no longer matches the hash recorded at "
                                                          f"ingest ({want[:12]}…, now {text_sha256(doc)[:12]}…)"))
        actual = source_text_sha256(docs)
        if actual != recorded and not any(p.source_id == src.id for p in out):
            out.append(SourceProblem(src.id, None, f"stored documents no longer match the hash recorded at "
                                                   f"ingest ({recorded[:12]}…, now {actual[:12]}…)"))
        entry = manifest.source_by_id(src.id) if manifest else None
        if entry and entry.text_sha256 and actual != entry.text_sha256:
            out.append(SourceProblem(src.id, None, f"text differs from the bundled source the manifest "
                                                   f"expects ({entry.text_sha256[:12]}…, stored {actual[:12]}…)"))
    return out
