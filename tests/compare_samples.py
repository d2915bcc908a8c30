"""The three 定点管理 rules and 国务院令第735号 for the compare tests, ingested once per session.

Parsed from the bundled clean text copies (tests/data/clean, the same trees as the PDFs; one test
checks that) through ``conftest.parsed`` (cached per process), saved into one temporary store and
read back: the comparison always works on documents as the store returns them.
"""

from __future__ import annotations

from pathlib import Path

from conftest import parsed

from toolkit.compare.align import Alignment, align
from toolkit.model import Document
from toolkit.store import Store

GD, JS, CX, NAT = "gd-measure", "js-rules", "cx-rules", "order-735"
KEYS = ("000", "002", "004", "735")
GOLD = Path(__file__).parent / "data" / "gold" / "alignment_gd_js_cx.yaml"

_built: dict[str, Path] = {}
_docs: dict[str, Document] = {}
_alignments: dict[tuple[str, ...], Alignment] = {}


def build_store(tmp_path_factory) -> Path:
    """The store with the four sources (built once per process)."""
    if "path" not in _built:
        path = tmp_path_factory.mktemp("compare") / "policykit.db"
        with Store(path) as store:
            for key in KEYS:
                store.save(parsed(key, "clean"))
        _built["path"] = path
    return _built["path"]


def doc(store_path: Path, doc_id: str) -> Document:
    if doc_id not in _docs:
        with Store(store_path, create=False) as store:
            _docs[doc_id] = store.document(doc_id)
    return _docs[doc_id]


def three_way(store_path: Path, *, baseline: bool = False) -> Alignment:
    """gd, js, cx aligned (cached: many tests read the same alignment; none changes it)."""
    key = (GD, JS, CX) + ((NAT,) if baseline else ())
    if key not in _alignments:
        _alignments[key] = align([doc(store_path, d) for d in (GD, JS, CX)],
                                 baseline=doc(store_path, NAT) if baseline else None)
    return _alignments[key]


def row_with(alignment: Alignment, doc_id: str, eid: str):
    row = alignment.row_of(doc_id, eid)
    assert row is not None, f"{doc_id} {eid} is in no row"
    return row
