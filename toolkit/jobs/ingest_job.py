"""The ingest job: uploaded files into the store as ``policykit ingest`` admits them.

As the CLI does: a file stored exactly as this parser would store it again is known by its
bytes before any parse (``toolkit.ingest.unchanged``); the others are parsed
(``toolkit.ingest.parse_source``, in a separate process so a long parse does not hold the web
server's interpreter), admitted (``toolkit.ingest.admit``) and stored (``toolkit.linking.save``,
one transaction per file); references across files are resolved once at the end, for the
documents this ingest can have touched (``toolkit.linking.relink``). Per file the result says
what happened:

- ``ok`` / ``partial`` (read imperfectly: the reasons listed) / ``re-read`` / ``new version``:
  stored, with its documents and article count;
- ``unchanged``: the store already holds this file, or this text from another file; nothing
  parsed (the same file) or written;
- ``refused``: a known source whose text changed; nothing written, the article diff against the
  text it would replace is in the result, and the page offers "store as a new version", a new
  job over the same files with ``new_version`` (the CLI's ``--new-version``);
- ``failed``: unreadable (the reason).

A failing file never stops the others. The outcome goes into the audit log under the job's
owner.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from toolkit.jobs.runner import Progress

MAX_CHANGES = 40  # changed articles kept per document in the result (the rest are counted)
STATUS_CN = {"ok": "已入库", "partial": "已入库（读取不完整）", "re-read": "已入库（重新读取）",
             "new version": "已作为新版本入库", "unchanged": "未变（库中已有相同文本）",
             "refused": "未入库（文本与已知文本不同）", "failed": "无法读取"}


def parse_one(path: str, use_manifest: bool) -> tuple[Any, str | None]:
    """Worker process: (ParsedSource, None) or (None, reason); errors travel as text."""
    from extractors.readers.base import ReadError
    from toolkit.ingest import parse_source

    try:
        return parse_source(path, manifest=_manifest(use_manifest)), None
    except ReadError as exc:
        return None, exc.reason
    except Exception as exc:  # a parser bug on one file: report it, keep going
        return None, f"无法解析（{type(exc).__name__}: {exc}）"


def _manifest(use: bool) -> Any:
    from toolkit.manifest import DEFAULT_MANIFEST, load_manifest

    return load_manifest(DEFAULT_MANIFEST) if use and DEFAULT_MANIFEST.exists() else None


def _parsed(files: list[dict[str, str]], use_manifest: bool):
    """(file, parsed, error) in upload order, parsed in spawned processes (never forked from a
    threaded web server)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(2, len(files)), mp_context=context) as pool:
        futures = [pool.submit(parse_one, f["path"], use_manifest) for f in files]
        for f, future in zip(files, futures, strict=True):
            try:
                parsed, error = future.result()
            except BrokenProcessPool:
                parsed, error = None, "解析进程意外退出（内存不足？）"
            yield f, parsed, error


def _reference(parsed: Any, store: Any, manifest: Any) -> list[Any]:
    """The documents a changed text is compared with: the stored source of the same id, else
    the bundled file the manifest names (the same references ``admit`` uses)."""
    from toolkit.ingest import parse_source

    stored = [store.document(s.id) for s in store.documents() if s.source == parsed.source_id]
    if stored:
        return stored
    entry = manifest.source_for(Path(parsed.path)) if manifest else None
    bundled = manifest.path.parent / entry.file if entry else None
    if bundled is None or not bundled.is_file():
        return []
    return parse_source(bundled, manifest=manifest, layers=False).documents


def article_diff(old_docs: list[Any], new_docs: list[Any]) -> list[dict[str, Any]]:
    """Per changed document: the diff summary and its changed articles with their redlines."""
    from extractors.identity import text_sha256
    from toolkit.versions.diff import diff

    by_id = {d.id: d for d in old_docs}
    by_position = {d.position: d for d in old_docs}
    out = []
    for doc in new_docs:
        before = by_id.get(doc.id) or by_position.get(doc.position)
        if before is None or text_sha256(before) == text_sha256(doc):
            continue
        cs = diff(before, doc)
        touched = [c for c in cs.changes if c.kind != "unchanged"]
        out.append({
            "doc": doc.id, "title": doc.title, "summary": cs.summary_cn(),
            "more": max(0, len(touched) - MAX_CHANGES),
            "changes": [{"labels": c.labels, "old": [r.num for r in c.old],
                         "new": [r.num for r in c.new], "old_text": c.old_text,
                         "new_text": c.new_text,
                         "redline": [[s.op, s.text] for s in c.redline]}
                        for c in touched[:MAX_CHANGES]],
        })
    return out


def ingest_job(settings: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from toolkit.accounts.users import Accounts
    from toolkit.linking import Change, relink
    from toolkit.store import Store

    files: list[dict[str, str]] = params["files"]
    new_version = bool(params.get("new_version"))
    manifest = _manifest(params.get("manifest", True))
    rows: dict[str, dict[str, Any]] = {}
    total = len(files)
    change = Change()
    progress("parse", 0, total)
    with Store(settings.db) as store:
        for f in files:
            rows[f["path"]] = _row(f) | (_known_file(Path(f["path"]), store, manifest) or {})
        to_parse = [f for f in files if rows[f["path"]]["status"] != "unchanged"]
        done = total - len(to_parse)
        progress("parse", done, total)
        for f, parsed, error in _parsed(to_parse, params.get("manifest", True)) if to_parse else ():
            row = rows[f["path"]]
            if parsed is None:
                row["notes"] = [error or "无法读取"]
            else:
                row |= _admit_and_save(parsed, store, manifest, new_version, change)
            done += 1
            progress("parse", done, total)
        progress("link", total, total)
        linked = relink(store, manifest, change) if change else None
    for row in rows.values():
        row["status_label"] = STATUS_CN[row["status"]]
    listed = list(rows.values())
    counts = {s: sum(1 for r in listed if r["status"] == s) for s in STATUS_CN}
    result = {"files": listed, "counts": counts, "new_version": new_version,
              "stored": sum(1 for r in listed if r["status"] not in ("unchanged", "refused", "failed")),
              "linked": sum(linked.gained.values()) if linked else 0,
              "unlinked": sum(linked.lost.values()) if linked else 0}
    summary = ", ".join(f"{r['name']}: {r['status']}" for r in listed)
    Accounts.open(settings.db).log(params.get("owner"), "ingest",
                                   f"job {params.get('job_id', '')}{' --new-version' if new_version else ''}: "
                                   f"{summary}", None)
    return result


def _row(f: dict[str, str]) -> dict[str, Any]:
    return {"name": f["name"], "path": f["path"], "status": "failed", "documents": [],
            "articles": 0, "notes": [], "diff": []}


def _known_file(path: Path, store: Any, manifest: Any) -> dict[str, Any] | None:
    """The row of a file stored exactly as this parser would store it again, or None."""
    from toolkit.ingest import unchanged

    src = unchanged(path, store, manifest)
    if src is None:
        return None
    docs = store.documents_of(src.id)
    return {"status": "unchanged", "source": src.id, "pages": src.pages,
            "notes": [f"库中已有此文件（{src.id}，sha256 {src.sha256[:12]}…），未重新解析"],
            "documents": [{"id": d.id, "title": d.title, "articles": d.articles} for d in docs],
            "articles": sum(d.articles for d in docs)}


def _admit_and_save(parsed: Any, store: Any, manifest: Any, new_version: bool,
                    change: Any) -> dict[str, Any]:
    """What ``policykit ingest`` does with one parsed file, as the row of the job's result."""
    from extractors.pipeline import article_count
    from toolkit.ingest import admit
    from toolkit.linking import save
    from toolkit.store import StoreError

    admission = admit(parsed, store, manifest, new_version=new_version)
    partial = list(parsed.meta.get("read_problems", []))
    if admission.action == "same":
        return {"status": "unchanged", "notes": [admission.reason_cn],
                "documents": [], "source": parsed.source_id}
    if not admission.stores:
        return {"status": "refused", "notes": [admission.reason_cn] + admission.changes,
                "diff": article_diff(_reference(parsed, store, manifest), parsed.documents),
                "source": parsed.source_id}
    try:
        save(store, parsed, change)
    except StoreError as exc:
        return {"status": "failed", "notes": [f"未入库：{exc}"]}
    status = "partial" if partial else {"reread": "re-read",
                                        "new_version": "new version"}.get(admission.action, "ok")
    notes = ([admission.reason_cn] + admission.changes
             if admission.action in ("reread", "new_version") else []) + partial
    return {"status": status, "notes": notes, "source": parsed.source_id,
            "documents": [{"id": d.id, "title": d.title, "articles": article_count(d)}
                          for d in parsed.documents],
            "articles": sum(article_count(d) for d in parsed.documents),
            "pages": parsed.pages}
