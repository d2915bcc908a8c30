"""Comparison outputs as data (JSON, CSV) and the one call that writes every report.

The JSON is a contract for other tools:
``{"documents": [id…], "rows": [{"members": {id: [eId…]}, "score", "reason", …}],
"parameters": [{"key", "label", "values": {id: {"value", "unit", "eid", "quote", …}}, …}]}``.
Beside the engine's ``reason`` each aligned row carries the reader's (``reason_text``, Chinese,
``reasons.py``) and ``weak``; each parameter its ``status_label``, the ``silent`` documents and,
per value, the ``bound`` in words and the ``citation`` as printed.
Files are written complete or not at all (a temporary file in the same folder, then
``os.replace``), and the same alignment always gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from toolkit import standing
from toolkit.compare.align import Alignment, Row, names
from toolkit.compare.params_table import ParamRow, alignment_parameters, wording
from toolkit.compare.parts import Part
from toolkit.compare.reasons import RowReason, part_text, row_reasons
from toolkit.fileio import atomic_write

SCHEMA = "policykit-compare/1"


def _row_json(number: int, row: Row, alignment: Alignment, reason: RowReason | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "row": number,
        "members": {doc: [p.eid for p in ps] for doc, ps in row.members.items()},
        "labels": {doc: [p.label for p in ps] for doc, ps in row.members.items()},
        "score": round(row.score, 4),
        "reason": row.reason,
        "kind": row.kind,
        "aligned": row.aligned,
        "items": [{"members": dict(link.members), "score": round(link.score, 4)} for link in row.items],
        "kind_label": wording()["kinds"].get(row.kind, row.kind),
        "parts": {doc: [_part_json(p) for p in ps] for doc, ps in row.parts.items()},
    }
    if row.parts:
        out["parts_text"] = [part_text(p, alignment) for ps in row.parts.values() for p in ps]
    if reason is not None:
        out |= {"reason_text": reason.text(alignment), "weak": reason.weak, "strength": reason.strength.label,
                "pairs": [{"ref": p.ref, "other": p.other, "score": p.score, "strength": p.strength.label,
                           "weak": p.strength.weak, "shared": p.shared} for p in reason.pairs]}
    if alignment.baseline is not None:
        b = row.baseline
        out["baseline"] = None if b is None else {
            "doc": b.doc_id, "members": [p.eid for p in b.provisions], "labels": [p.label for p in b.provisions],
            "score": round(b.score, 4), "reason": b.reason}
    return out


def _part_json(part: Part) -> dict[str, Any]:
    return {"eid": part.provision.eid, "label": part.provision.label, "quote": part.quote,
            "span": list(part.span), "score": part.score,
            "target": {"doc": part.target.doc_id, "eid": part.target.eid, "label": part.target.label,
                       "quote": part.target_quote},
            "with": {m.doc_id: m.eid for m in part.with_}}


def to_json(alignment: Alignment, parameters: list[ParamRow] | None = None) -> dict[str, Any]:
    parameters = alignment_parameters(alignment) if parameters is None else parameters
    reasons = row_reasons(alignment)
    return {
        "schema": SCHEMA,
        "documents": [d.id for d in alignment.documents],
        "document_info": [{"id": d.id, "tag": d.tag, "title": d.title, "short": d.short, "region": d.region,
                           "doc_number": d.doc_number, **_standing(alignment, d.id)}
                          for d in alignment.documents],
        "baseline": None if alignment.baseline is None else alignment.baseline.id,
        "rows": [_row_json(i, r, alignment, reasons.get(i)) for i, r in enumerate(alignment.rows, 1)],
        "parameters": [p.to_json() for p in parameters],
    }


def _standing(alignment: Alignment, doc_id: str) -> dict[str, str | None]:
    """效力级别 and 层级 (toolkit.standing) as the JSON gives them: the parsed kind, the manifest key."""
    st = standing.of(alignment.docs.get(doc_id))
    return {"legal_kind": st.legal_kind, "level": st.level}


def json_bytes(alignment: Alignment, parameters: list[ParamRow] | None = None) -> bytes:
    return (json.dumps(to_json(alignment, parameters), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_bytes(alignment: Alignment, parameters: list[ParamRow] | None = None) -> bytes:
    """One table for a spreadsheet: the key-differences rows first (table=parameter), then the
    article matrix (table=aligned, then table=only). Per document: value (with its bound in
    words, 未规定 when silent) or labels, eIds, text; status and reason as a person reads them
    (the keys stay in ``table``, ``id`` and ``kind``)."""
    parameters = alignment_parameters(alignment) if parameters is None else parameters
    reasons = row_reasons(alignment)
    silent = wording()["silent"]
    docs = alignment.documents
    header = ["table", "id", "label", "status", "score", "reason"]
    for d in docs:
        header += [d.tag, f"{d.tag}_eids", f"{d.tag}_text"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for p in parameters:
        line = ["parameter", p.key, p.label, p.status_label, "", ""]
        for d in docs:
            v = p.values.get(d.id)
            line += [v.bound(), ";".join((v.eid,) + v.also), v.quote] if v else [silent, "", ""]
        writer.writerow(line)
    for i, row in enumerate(alignment.rows, 1):
        reason = reasons[i].text(alignment) if i in reasons else row.reason
        if row.parts:
            reason = "\n".join(([reason] if i in reasons else []) +
                               [part_text(p, alignment) for ps in row.parts.values() for p in ps])
        weak = "弱匹配" if i in reasons and reasons[i].weak else ""
        table = "aligned" if row.aligned else ("part" if row.parts else "only")
        line = [table, str(i), wording()["kinds"].get(row.kind, row.kind), weak, f"{row.score:.4f}", reason]
        part_word = wording()["part"]
        for d in docs:
            ps = row.members.get(d.id, [])
            pts = row.parts.get(d.id, [])
            line += [" + ".join([p.label for p in ps] + [f"{p.provision.label}（{part_word}）" for p in pts]),
                     ";".join([p.eid for p in ps] + [p.provision.eid for p in pts]),
                     "\n".join([p.text for p in ps] + [p.quote for p in pts])]
        writer.writerow(line)
    return buf.getvalue().encode("utf-8")


def row_title(row: Row, alignment: Alignment) -> str:
    """gd 12 ↔ js 12 + js 13 ↔ cx 15 … (for headings and logs)."""
    return " ↔ ".join(names(alignment.info(d).tag, ps) for d, ps in row.members.items())


def write_reports(alignment: Alignment, out_dir: str | Path, *, stem: str = "compare") -> dict[str, Path]:
    """Write ``compare.html``, ``.docx``, ``.json`` and ``.csv`` into ``out_dir``; returns the paths."""
    from toolkit.compare.report_docx import docx_bytes
    from toolkit.compare.report_html import html_bytes

    out_dir = Path(out_dir)
    parameters = alignment_parameters(alignment)
    payloads = {
        "html": html_bytes(alignment, parameters),
        "docx": docx_bytes(alignment, parameters),
        "json": json_bytes(alignment, parameters),
        "csv": csv_bytes(alignment, parameters),
    }
    paths = {}
    for ext, data in payloads.items():
        paths[ext] = out_dir / f"{stem}.{ext}"
        atomic_write(paths[ext], data)
    return paths
