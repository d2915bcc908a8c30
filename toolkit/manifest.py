"""The corpus manifest (corpus/manifest.yaml): regions, bundled sources, per-document facts.

The manifest says what the text cannot: short ids, the region and issuing level of each document,
the national order a rule implements, works cited but not bundled. Everything printed in the
documents (文号, titles, dates, validity) is read from the text, never from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class DocumentEntry:
    """Facts about one document of a source's chain, matched by 文号, title, kind or position."""

    match: dict[str, Any]
    id: str
    region: str | None = None
    level: str | None = None
    short: str | None = None
    implements: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, *, doc_number: str | None, title: str, kind: str, position: int) -> bool:
        for key, want in self.match.items():
            have = {"doc_number": doc_number, "title": title, "kind": kind, "position": position}.get(key)
            if have != want:
                return False
        return True


@dataclass
class SourceEntry:
    file: str
    id: str
    region: str | None = None
    level: str | None = None
    kind: str | None = None
    lineage: str | None = None
    documents: list[DocumentEntry] = field(default_factory=list)

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

    def source_files(self) -> list[Path]:
        return [self.path.parent / s.file for s in self.sources]


def _require(d: dict, key: str, where: str) -> Any:
    if key not in d or d[key] in (None, ""):
        raise ManifestError(f"{where}: missing field {key!r}")
    return d[key]


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and check the manifest; a malformed entry is one clear error naming it."""
    path = Path(path) if path else DEFAULT_MANIFEST
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
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
            known = {"match", "id", "region", "level", "short", "implements"}
            entry = DocumentEntry(match=_require(d, "match", dwhere), id=_require(d, "id", dwhere),
                                  region=d.get("region"), level=d.get("level"), short=d.get("short"),
                                  implements=d.get("implements"),
                                  extra={x: v for x, v in d.items() if x not in known})
            if entry.region and entry.region not in regions:
                raise ManifestError(f"{dwhere}: unknown region {entry.region!r}")
            if entry.id in ids:
                raise ManifestError(f"{dwhere}: duplicate id {entry.id!r}")
            ids.add(entry.id)
            docs.append(entry)
        entry = SourceEntry(file=_require(s, "file", where), id=_require(s, "id", where), region=s.get("region"),
                            level=s.get("level"), kind=s.get("kind"), lineage=s.get("lineage"), documents=docs)
        if entry.region and entry.region not in regions:
            raise ManifestError(f"{where}: unknown region {entry.region!r}")
        sources.append(entry)
    return Manifest(path=path, regions=regions, sources=sources, external=external)
