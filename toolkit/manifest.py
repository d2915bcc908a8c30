"""The corpus manifest (corpus/manifest.yaml): regions, bundled sources, per-document facts.

The manifest says what the text cannot: short ids, the region and issuing level of each document,
the national order a rule implements, works cited but not bundled. Everything printed in the
documents (文号, titles, dates, validity) is read from the text, never from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = ROOT / "corpus" / "manifest.yaml"


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class Region:
    key: str
    code: str
    name: str
    level: str
    parent: str | None = None
    short: str | None = None


@dataclass(frozen=True)
class ExternalWork:
    id: str
    title: str
    doc_number: str | None = None
    aliases: tuple[str, ...] = ()


# Lifecycle facts a manifest may state about a document (what its own text does not say).
EVENT_TYPES = ("published", "effective", "expires", "validity_extended", "amended", "repealed",
               "superseded", "derivation")


@dataclass(frozen=True)
class ManifestEvent:
    """A lifecycle fact from the manifest: ``by`` is the document (id or 文号) that brought it about."""

    type: str
    date: date | None = None
    by: str | None = None
    note: str | None = None


@dataclass
class DocumentEntry:
    """Facts about one document of a source's chain, matched by 文号, title, kind or position.

    ``work`` groups the versions (dated expressions) of one rule; ``version`` dates this one when
    its text prints no date of its own; ``events`` are lifecycle facts the text does not state.
    """

    match: dict[str, Any]
    id: str
    region: str | None = None
    level: str | None = None
    short: str | None = None
    implements: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    work: str | None = None
    version: date | None = None
    events: list[ManifestEvent] = field(default_factory=list)

    def matches(self, *, doc_number: str | None, title: str, kind: str, position: int) -> bool:
        for key, want in self.match.items():
            have = {"doc_number": doc_number, "title": title, "kind": kind, "position": position}.get(key)
            if have != want:
                return False
        return True


@dataclass(frozen=True)
class DeclaredVersion:
    """A later text of a bundled source the manifest accepts as a new version (never a
    replacement): matched by the file's sha256 or by its text's sha256."""

    sha256: str | None = None
    text_sha256: str | None = None
    version: date | None = None
    note: str | None = None

    def matches(self, sha256: str, text_sha256: str | None) -> bool:
        return sha256 == self.sha256 or (text_sha256 is not None and text_sha256 == self.text_sha256)


@dataclass
class SourceEntry:
    """A bundled source. ``sha256`` is the bundled file's hash, ``text_sha256`` the hash of its
    parsed text (extractors.identity): another file under the same name is this source only if
    one of them matches; otherwise it is a changed text, refused unless declared in
    ``new_versions`` or ingested with ``--new-version``."""

    file: str
    id: str
    region: str | None = None
    level: str | None = None
    kind: str | None = None
    lineage: str | None = None
    documents: list[DocumentEntry] = field(default_factory=list)
    sha256: str | None = None
    text_sha256: str | None = None
    new_versions: list[DeclaredVersion] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return Path(self.file).stem


@dataclass
class Manifest:
    path: Path
    regions: dict[str, Region]
    sources: list[SourceEntry]
    external: list[ExternalWork]

    def source_for(self, path: str | Path) -> SourceEntry | None:
        """The entry for a file: by file stem, so the PDF, DOCX and text of a source share it."""
        stem = Path(path).stem
        return next((s for s in self.sources if s.stem == stem), None)

    def region(self, key: str) -> Region:
        try:
            return self.regions[key]
        except KeyError:
            raise ManifestError(f"{self.path}: unknown region {key!r}") from None

    def source_by_id(self, source_id: str) -> SourceEntry | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def source_files(self) -> list[Path]:
        return [self.path.parent / s.file for s in self.sources]

    def document(self, doc_id: str) -> DocumentEntry | None:
        """The per-document entry with this id, if the manifest has one."""
        return next((d for s in self.sources for d in s.documents if d.id == doc_id), None)


def _require(d: dict, key: str, where: str) -> Any:
    if key not in d or d[key] in (None, ""):
        raise ManifestError(f"{where}: missing field {key!r}")
    return d[key]


def _date(value: Any, where: str) -> date | None:
    """A YAML date (or an ISO string); a datetime or anything else is an error naming the field."""
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ManifestError(f"{where}: not a date (YYYY-MM-DD): {value!r}")


def _entries(raw: Any, where: str, fields: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """A manifest list of mappings, each with only ``fields``: (where, mapping) per entry."""
    if raw is None:
        return []
    shape = ", ".join(fields)
    if not isinstance(raw, list):
        raise ManifestError(f"{where}: must be a list of {{{shape}}}")
    out = []
    for i, e in enumerate(raw):
        ewhere = f"{where}[{i}]"
        if not isinstance(e, dict):
            raise ManifestError(f"{ewhere}: must be a mapping with {shape}")
        unknown = sorted(set(e) - set(fields))
        if unknown:
            raise ManifestError(f"{ewhere}: unknown field {unknown[0]!r}")
        out.append((ewhere, e))
    return out


def _events(raw: Any, where: str) -> list[ManifestEvent]:
    out = []
    for ewhere, e in _entries(raw, where, ("type", "date", "by", "note")):
        kind = _require(e, "type", ewhere)
        if kind not in EVENT_TYPES:
            raise ManifestError(f"{ewhere}.type: {kind!r} is not one of {', '.join(EVENT_TYPES)}")
        out.append(ManifestEvent(kind, _date(e.get("date"), f"{ewhere}.date"),
                                 str(e["by"]) if e.get("by") else None, e.get("note")))
    return out


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _hash(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _HEX64.match(value):
        raise ManifestError(f"{where}: not a sha256 (64 lowercase hex digits): {value!r}")
    return value


def _declared(raw: Any, where: str) -> list[DeclaredVersion]:
    out = []
    for vwhere, v in _entries(raw, where, ("sha256", "text_sha256", "version", "note")):
        if not v.get("sha256") and not v.get("text_sha256"):
            raise ManifestError(f"{vwhere}: needs sha256 or text_sha256")
        out.append(DeclaredVersion(_hash(v.get("sha256"), f"{vwhere}.sha256"),
                                   _hash(v.get("text_sha256"), f"{vwhere}.text_sha256"),
                                   _date(v.get("version"), f"{vwhere}.version"), v.get("note")))
    return out


_CACHE: dict[Path, tuple[float, Manifest]] = {}


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and check the manifest; a malformed entry is one clear error naming it.

    Parsed manifests are cached per file until it changes on disk: validity checks ask for the
    manifest once per citation, and a batch of notices cites hundreds of nodes.
    """
    path = Path(path) if path else DEFAULT_MANIFEST
    try:
        mtime = path.stat().st_mtime
    except OSError as e:
        raise ManifestError(f"{path}: cannot read manifest: {e}") from e
    hit = _CACHE.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    manifest = _load(path)
    _CACHE[path] = (mtime, manifest)
    return manifest


def _load(path: Path) -> Manifest:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, ValueError) as e:  # ValueError: a date like 2019-13-01
        raise ManifestError(f"{path}: cannot read manifest: {e}") from e
    regions = {}
    for key, r in (raw.get("regions") or {}).items():
        where = f"{path}: regions.{key}"
        regions[key] = Region(key=key, code=str(_require(r, "code", where)), name=_require(r, "name", where),
                              level=_require(r, "level", where), parent=r.get("parent"), short=r.get("short"))
    external = [ExternalWork(id=w["id"], title=w["title"], doc_number=w.get("doc_number"),
                             aliases=tuple(w.get("aliases") or ())) for w in raw.get("external_works") or []]
    sources = []
    ids: set[str] = set()
    for k, s in enumerate(raw.get("sources") or []):
        where = f"{path}: sources[{k}]"
        docs = []
        for j, d in enumerate(s.get("documents") or []):
            dwhere = f"{where}.documents[{j}]"
            known = {"match", "id", "region", "level", "short", "implements", "work", "version", "events"}
            entry = DocumentEntry(match=_require(d, "match", dwhere), id=_require(d, "id", dwhere),
                                  region=d.get("region"), level=d.get("level"), short=d.get("short"),
                                  implements=d.get("implements"),
                                  extra={x: v for x, v in d.items() if x not in known},
                                  work=str(d["work"]) if d.get("work") else None,
                                  version=_date(d.get("version"), f"{dwhere}.version"),
                                  events=_events(d.get("events"), f"{dwhere}.events"))
            if entry.region and entry.region not in regions:
                raise ManifestError(f"{dwhere}: unknown region {entry.region!r}")
            if entry.id in ids:
                raise ManifestError(f"{dwhere}: duplicate id {entry.id!r}")
            ids.add(entry.id)
            docs.append(entry)
        entry = SourceEntry(file=_require(s, "file", where), id=_require(s, "id", where), region=s.get("region"),
                            level=s.get("level"), kind=s.get("kind"), lineage=s.get("lineage"), documents=docs,
                            sha256=_hash(s.get("sha256"), f"{where}.sha256"),
                            text_sha256=_hash(s.get("text_sha256"), f"{where}.text_sha256"),
                            new_versions=_declared(s.get("new_versions"), f"{where}.new_versions"))
        if entry.region and entry.region not in regions:
            raise ManifestError(f"{where}: unknown region {entry.region!r}")
        sources.append(entry)
    return Manifest(path=path, regions=regions, sources=sources, external=external)
