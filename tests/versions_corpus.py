"""A store for the version tests: the bundled rules (clean text) and the two-version work.

Parsed by the pipeline with its layers when the layer wiring is in place; otherwise the
lifecycle layer's own ``document_events`` supplies what the wiring would (a document that
already has an effective date or event is left alone). The manifest's work/version/events go
on through ``apply_manifest_events``, as at ingest.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from conftest import ROOT, source_path

CAFE = {
    "internet-cafe-2016": ROOT / "corpus" / "sources" / "reg-internet-cafe-2016.md",
    "internet-cafe-2022": ROOT / "corpus" / "sources" / "reg-internet-cafe-2022.md",
}
KEYS = ("000", "001", "002", "004")


def _layers_wired() -> bool:
    return importlib.util.find_spec("extractors.layers.annotate") is not None


@functools.cache
def parsed_sources() -> tuple:
    from extractors.layers.lifecycle import document_events
    from toolkit.ingest import parse_source
    from toolkit.manifest import load_manifest
    from toolkit.versions.works import apply_manifest_events

    manifest = load_manifest()
    paths = [source_path(k, "clean") for k in KEYS] + list(CAFE.values())
    wired = _layers_wired()
    out = []
    for path in paths:
        parsed = parse_source(path, manifest=manifest, layers=wired)
        by_id = {d.id: d for d in parsed.documents}
        for doc in parsed.documents if not wired else ():
            if doc.effective is None and not any(e.type == "effective" for e in doc.events):
                doc.events += document_events(doc, by_id.get(doc.parent))
        apply_manifest_events(parsed.documents, manifest.source_for(path))
        out.append(parsed)
    return tuple(out)


def build_store(path: Path) -> Path:
    from toolkit.store import Store

    with Store(path) as store:
        for parsed in parsed_sources():
            store.save(parsed)
    return path


def document(doc_id: str):
    return next(d for p in parsed_sources() for d in p.documents if d.id == doc_id)
