"""Finding the document a user typed, and the near ones when there is none (`gd-measur` →
`gd-measure`).

``Store.resolve`` answers ids, aliases, 文号 and titles exactly; a typo gets "no document". The
commands resolve through here so that message also names the closest ids, aliases or 文号
(difflib's ratio, as git and click do for commands).
"""

from __future__ import annotations

import difflib

from toolkit.store import Store, UnknownDocument

CUTOFF = 0.75  # difflib ratio below which a name is not offered (no-such-rule is not js-rules)


def suggestions(store: Store, key: str, limit: int = 3) -> list[str]:
    """Document ids (with the alias or 文号 that is close, when that is what matched) near ``key``."""
    names: dict[str, str] = {}  # a name people type → the id it stands for
    for s in store.documents():
        names.setdefault(s.id, s.id)
        for alias in s.aliases:
            names.setdefault(alias, s.id)
        if s.doc_number:
            names.setdefault(s.doc_number, s.id)
    out: list[str] = []
    for name in difflib.get_close_matches(key.strip(), list(names), n=limit * 2, cutoff=CUTOFF):
        doc_id = names[name]
        shown = doc_id if name == doc_id else f"{name} ({doc_id})"
        if all(doc_id not in o for o in out):
            out.append(shown)
        if len(out) == limit:
            break
    return out


def resolve(store: Store, key: str) -> str:
    """``store.resolve(key)``; an unknown key's error names the nearest documents."""
    try:
        return store.resolve(key)
    except UnknownDocument:
        if store.find_by_doc_number(key) or store.find_by_title(key):
            raise  # several documents answer: the store's message lists them
        near = suggestions(store, key)
        if not near:
            raise
        raise UnknownDocument(f"no document {key.strip()!r} in the store; did you mean "
                              f"{' or '.join(near)}? (`policykit list` shows them all)") from None
