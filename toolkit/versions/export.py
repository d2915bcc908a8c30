"""A change set as JSON, with Akoma Ntoso change types.

The contract (stable; extra keys may be added, none removed)::

    {"old": DOC_ID, "new": DOC_ID,
     "changes": [{"type": "insertion|repeal|substitution|renumbering|split|join|unchanged",
                  "types": [AKN type…], "kinds": [kind…], "labels": [修改说明 words…],
                  "old": [EID…], "new": [EID…], "substantive": true, "manual": false, …}],
     "article_map": {"3": "4", "5": ["5", "6"], "36": null, …}}

AKN's ``textualMod`` types: an inserted article is an ``insertion``, a deleted one a ``repeal``,
changed wording a ``substitution``, a new number (or a new place in another chapter) a
``renumbering``, and ``split`` / ``join``. Each article pair is ONE entry: an article both
renumbered and reworded has ``type`` ``renumbering`` and ``types`` ``["renumbering",
"substitution"]`` (``kinds`` ``["renumbered", "reworded"]``). ``substantive`` is true when the
wording changed beyond punctuation, width and blanks (always for insertions and repeals; never
for a bare renumbering). ``manual`` marks a match a person pinned (人工指定).
"""

from __future__ import annotations

from typing import Any

from toolkit.versions.diff import Change, ChangeSet

AKN_TYPES = {
    "added": "insertion",
    "deleted": "repeal",
    "modified": "substitution",
    "renumbered": "renumbering",
    "moved": "renumbering",
    "split": "split",
    "merged": "join",
    "unchanged": "unchanged",
}


_KIND_TYPES = {"reworded": "substitution", "punctuation": "substitution", "renumbered": "renumbering",
               "moved": "renumbering"}


def change_entry(c: Change) -> dict[str, Any]:
    """The one JSON entry of a change, with every kind it has."""
    types = list(dict.fromkeys(AKN_TYPES.get(k) or _KIND_TYPES[k] for k in c.kinds))
    return {
        "type": AKN_TYPES[c.kind],
        "types": types,
        "kind": c.kind,
        "kinds": c.kinds,
        "labels": c.labels,
        "old": c.old_eids,
        "new": c.new_eids,
        "substantive": c.substantive,
        "text_changed": c.text_changed,
        "old_nums": [r.num for r in c.old],
        "new_nums": [r.num for r in c.new],
        "moved": c.moved,
        "manual": c.manual,
        "note": c.note,
        "similarity": c.similarity,
        "redline": [s.to_json() for s in c.redline] if c.text_changed else [],
    }


def _version(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"doc_id": v.doc_id, "title": v.title, "doc_number": v.doc_number,
            "date": v.date.isoformat() if v.date else None, "dated_by": v.dated_by, "heading": v.heading(),
            "legal_kind": v.legal_kind, "level": v.level}


def changeset_json(cs: ChangeSet, *, unchanged: bool = False) -> dict[str, Any]:
    """The JSON contract for a change set (``unchanged=True`` also lists unchanged articles)."""
    changes = [change_entry(c) for c in cs.changes if unchanged or c.kind != "unchanged"]
    return {
        "old": cs.old,
        "new": cs.new,
        "old_title": cs.old_title,
        "new_title": cs.new_title,
        "old_version": _version(cs.old_version),
        "new_version": _version(cs.new_version),
        "summary": cs.summary_cn(),
        "pins": cs.pins,
        "counts": cs.counts(),
        "changes": changes,
        "article_map": dict(cs.article_map),
        "stale_refs": [s.to_json() for s in cs.stale_refs],
    }
