"""A document's identity by content: the sha256 of the law as parsed, whatever the file format.

The file's own sha256 says which bytes were read; it differs between the PDF, the DOCX and a
text copy of one source although they give the same tree (tested). ``text_sha256`` hashes what a
citation quotes — the chain facts printed in the document and every node's eId, kind, number,
heading and text — so two files that say the same law have the same hash, and a file whose
text differs by one character has another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from toolkit.model import Document


def _signature(doc: Document) -> list[Any]:
    # Everything printed and nothing inferred or located: the page and line a node came from,
    # the document id (from the manifest) and the layers are not the text.
    return [
        doc.kind, doc.title, doc.doc_number, list(doc.issuers),
        doc.signed.value.isoformat() if doc.signed and doc.signed.value else None,
        doc.printed.value.isoformat() if doc.printed and doc.printed.value else None,
        doc.disclosure, list(doc.cc), doc.addressees,
        [[n.eid, n.kind, n.num, n.number, n.heading, n.text] for n in doc.nodes()],
    ]


def text_sha256(doc: Document) -> str:
    """The content hash of one document's text (hex)."""
    blob = json.dumps(_signature(doc), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def source_text_sha256(docs: Iterable[Document]) -> str:
    """The content hash of a file's chain: its documents' hashes in chain order."""
    ordered = sorted(docs, key=lambda d: d.position)
    blob = "\n".join(text_sha256(d) for d in ordered)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()
