"""The ingest step: a parsed file becomes what the store keeps.

Parsing (``extractors.pipeline.parse_file``) knows documents, trees and layers only. What the
corpus knows beyond one file's text is added here, before the result is stored: the manifest's
work, version and lifecycle events, and the effective/expires facts that follow from a
document's own dated events (施行, 有效期 → its last day, marked inferred when computed).
"""

from __future__ import annotations

from pathlib import Path

from extractors.pipeline import ParsedSource, parse_file
from toolkit.manifest import Manifest
from toolkit.versions.status import with_lifecycle_facts
from toolkit.versions.works import apply_manifest_events


def date_documents(parsed: ParsedSource, manifest: Manifest | None) -> ParsedSource:
    """Manifest events and lifecycle facts onto a parsed source's documents (in place)."""
    entry = manifest.source_for(Path(parsed.path)) if manifest else None
    apply_manifest_events(parsed.documents, entry)
    for doc in parsed.documents:
        facts = with_lifecycle_facts(doc)
        doc.effective, doc.expires = facts.effective, facts.expires
    return parsed


def parse_source(path: str | Path, *, manifest: Manifest | None = None,
                 layers: bool = True) -> ParsedSource:
    """Parse one file and date its documents: the unit a worker hands to ``Store.save``."""
    parsed = parse_file(path, manifest=manifest, layers=layers)
    return date_documents(parsed, manifest) if layers else _manifest_only(parsed, manifest)


def _manifest_only(parsed: ParsedSource, manifest: Manifest | None) -> ParsedSource:
    entry = manifest.source_for(Path(parsed.path)) if manifest else None
    apply_manifest_events(parsed.documents, entry)
    return parsed
