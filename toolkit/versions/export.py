"""A change set as JSON, with Akoma Ntoso change types.

The contract (stable; extra keys may be added, none removed)::

    {"old": DOC_ID, "new": DOC_ID,
     "changes": [{"type": "insertion|repeal|substitution|renumbering|split|join|unchanged",
                  "old": [EID…], "new": [EID…], "substantive": true, …}],
     "article_map": {"3": "4", "5": ["5", "6"], "36": null, …}}

AKN's ``textualMod`` types: an inserted article is an ``insertion``, a deleted one a ``repeal``,
changed wording a ``substitution``, a new number (or a new place in another chapter) a
``renumbering``, and ``split`` / ``join``. An article both renumbered and reworded yields two
entries, a ``renumbering`` and a ``substitution``, as two textual modifications would in AKN.
``substantive`` is true when the wording changed beyond punctuation, width and blanks (always
for insertions and repeals; never for a bare renumbering).
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


def _entry(c: Change, akn: str, substantive: bool) -> dict[str, Any]:
    return {
        "type": akn,
        "kind": c.kind,
        "old": c.old_eids,
        "new": c.new_eids,
        "substantive": substantive,
        "text_changed": c.text_changed,
        "old_nums": [r.num for r in c.old],
        "new_nums": [r.num for r in c.new],
        "moved": c.moved,
        "note": c.note,
        "similarity": c.similarity,
        "redline": [s.to_json() for s in c.redline] if c.text_changed else [],
    }


def change_entries(c: Change) -> list[dict[str, Any]]:
    """The AKN entries one change makes (two for a renumbered and reworded article)."""
    akn = AKN_TYPES[c.kind]
    if c.kind in ("renumbered", "moved") and c.text_changed:
        return [_entry(c, akn, False), _entry(c, "substitution", c.substantive)]
    if c.kind in ("renumbered", "moved"):
        return [_entry(c, akn, False)]
    return [_entry(c, akn, c.substantive)]


def changeset_json(cs: ChangeSet, *, unchanged: bool = False) -> dict[str, Any]:
    """The JSON contract for a change set (``unchanged=True`` also lists unchanged articles)."""
    changes = [e for c in cs.changes if unchanged or c.kind != "unchanged" for e in change_entries(c)]
    return {
        "old": cs.old,
        "new": cs.new,
        "old_title": cs.old_title,
        "new_title": cs.new_title,
        "counts": cs.counts(),
        "changes": changes,
        "article_map": dict(cs.article_map),
        "stale_refs": [s.to_json() for s in cs.stale_refs],
    }
