"""A document's standing as the reports head it (issue 13 §1): its kind of law and its level.

* 效力级别 — 法律, 行政法规, 部门规章, 地方性法规 or 规范性文件, read from the document itself at
  parse time (``extractors.captions.legal_kind``: the 题注's adopting body or order, the 文号 it
  is issued under) and stored in ``meta["legal_kind"]``; absent when the text says nothing (a
  guide, a notice).
* 层级 — the issuing region's level from the manifest (``meta["level"]``: national, provincial,
  prefectural, municipal), which the comparison uses to take a national document as its 基准.

Both come from the stored ``meta``; a report prints what is known and nothing it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The manifest's levels (corpus/manifest.yaml regions) as a reader names them.
LEVEL_WORDS: dict[str, str] = {
    "national": "国家级",
    "provincial": "省级",
    "prefectural": "州级",
    "municipal": "市级",
    "county": "县级",
}
KIND_HEADING, LEVEL_HEADING = "效力级别", "层级"


@dataclass(frozen=True)
class Standing:
    legal_kind: str | None  # 法律 … 规范性文件, None when the document does not say
    level: str | None  # the manifest's key: national | provincial | …

    @property
    def level_label(self) -> str | None:
        return LEVEL_WORDS.get(self.level, self.level) if self.level else None

    def words(self) -> str:
        """``行政法规，国家级``; only what is known; empty when nothing is."""
        return "，".join(w for w in (self.legal_kind, self.level_label) if w)

    def labelled(self) -> str:
        """``效力级别：行政法规；层级：国家级``; only what is known; empty when nothing is."""
        pairs = ((KIND_HEADING, self.legal_kind), (LEVEL_HEADING, self.level_label))
        return "；".join(f"{k}：{v}" for k, v in pairs if v)

    def bracketed(self) -> str:
        """``（行政法规，国家级）`` after a title, or nothing."""
        return f"（{self.words()}）" if self.words() else ""


def standing(meta: dict[str, Any] | None) -> Standing:
    """The standing recorded in a document's stored ``meta``."""
    meta = meta or {}
    return Standing(meta.get("legal_kind"), meta.get("level"))


def of(doc: Any) -> Standing:
    """The standing of a Document (anything with ``meta``); unknown when there is no document."""
    return standing(getattr(doc, "meta", None))
