"""The regional table (toolkit/documents/regional.yaml): grounds lists, named quotes, parameters.

Loaded once and validated: a malformed entry names the file, region and key. The table says
*where* a region's law states something (eIds, concept keys); the words themselves always come
from the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).with_name("regional.yaml")


class RegionalError(Exception):
    pass


@dataclass(frozen=True)
class ListRef:
    concept: str
    list: str  # eId of the node holding the list
    items: tuple[int, ...] = ()  # allowed items (empty: all)

    def item_eid(self, item: int, sub: int | None = None) -> str:
        eid = f"{self.list}__point_{item}"
        return f"{eid}__point_{sub}" if sub else eid


@dataclass(frozen=True)
class QuoteRef:
    concept: str
    eid: str


@dataclass(frozen=True)
class Param:
    value: int | float
    evidence: str
    concept: str | None = None
    quote: str | None = None  # name of a QuoteRef holding the evidence instead of a concept


@dataclass(frozen=True)
class Region:
    key: str
    lists: dict[str, dict[str, ListRef]] = field(default_factory=dict)
    quotes: dict[str, QuoteRef] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)

    def list_for(self, name: str, selector: str) -> ListRef | None:
        table = self.lists.get(name) or {}
        return table.get(selector) or table.get("any")


@dataclass(frozen=True)
class RegionalTable:
    path: Path
    regions: dict[str, Region]

    def region(self, key: str) -> Region:
        try:
            return self.regions[key]
        except KeyError:
            known = "、".join(self.regions)
            raise RegionalError(f"{self.path}: 没有地区 {key!r} 的文书数据（已有：{known}）") from None


def _need(where: str, entry: object, keys: tuple[str, ...]) -> dict:
    if not isinstance(entry, dict) or any(k not in entry for k in keys):
        raise RegionalError(f"{where}: needs {', '.join(keys)}")
    return entry


@cache
def load_regional(path: Path = DEFAULT_PATH) -> RegionalTable:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise RegionalError(f"{path}: cannot read the regional table: {e}") from e
    regions: dict[str, Region] = {}
    for key, body in raw.items():
        where = f"{path}: {key}"
        if not isinstance(body, dict):
            raise RegionalError(f"{where}: expected a mapping")
        lists: dict[str, dict[str, ListRef]] = {}
        for name, table in (body.get("lists") or {}).items():
            lists[name] = {}
            for selector, e in (table or {}).items():
                e = _need(f"{where}.lists.{name}.{selector}", e, ("concept", "list"))
                items = tuple(int(i) for i in e.get("items") or ())
                lists[name][str(selector)] = ListRef(e["concept"], e["list"], items)
        quotes = {name: QuoteRef(**_need(f"{where}.quotes.{name}", e, ("concept", "eid")))
                  for name, e in (body.get("quotes") or {}).items()}
        params: dict[str, Param] = {}
        for name, e in (body.get("params") or {}).items():
            e = _need(f"{where}.params.{name}", e, ("value", "evidence"))
            if ("concept" in e) == ("quote" in e):
                raise RegionalError(f"{where}.params.{name}: give exactly one of concept or quote")
            if "quote" in e and e["quote"] not in quotes:
                raise RegionalError(f"{where}.params.{name}: unknown quote {e['quote']!r}")
            params[name] = Param(e["value"], str(e["evidence"]), e.get("concept"), e.get("quote"))
        regions[key] = Region(key, lists, quotes, params)
    return RegionalTable(Path(path), regions)
