"""Offices as the pages name them: a clerk reads 揭阳市医疗保障局, not ``jieyang-ybj``."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    from toolkit.issuing.numbering import load_offices

    return {o.id: o.name for o in load_offices()}


def office_name(office_id: str) -> str:
    """The office's name from ``corpus/offices.yaml``; an id it does not know (typed into an
    address) is shown as given — the page escapes it."""
    return _names().get(office_id, office_id)
