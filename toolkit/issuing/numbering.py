"""发文字号: the issuing offices' prefixes (data) and the number's printed form.

GB/T 9704-2012 7.2.4: 发文机关代字 + year in 六角括号 〔〕 (U+3014/3015, all four digits) + the
sequence number without leading zeros or 第 + 号, e.g. ``揭医保〔2026〕12号``. Which prefix an
office uses for which document type is data (``corpus/offices.yaml``), never code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_OFFICES = Path(__file__).resolve().parents[2] / "corpus" / "offices.yaml"

# Lenient on input (producers put spaces around digits, users type ASCII brackets), strict on output.
_NUMBER_RE = re.compile(
    r"^\s*(?P<prefix>\S+?)\s*[〔\[［【(（]\s*(?P<year>\d{4})\s*[〕\]］】)）]\s*第?\s*(?P<seq>\d+)\s*号\s*$"
)


class NumberingError(ValueError):
    """Bad numbering data or a malformed 文号; the message names the file/field or the text."""


@dataclass(frozen=True, order=True)
class DocNumber:
    """One 发文字号. ``str()`` gives the printed form."""

    prefix: str
    year: int
    seq: int

    def __post_init__(self) -> None:
        if not self.prefix or any(c.isspace() for c in self.prefix):
            raise NumberingError(f"文号 prefix must be non-empty without spaces: {self.prefix!r}")
        if not 1000 <= self.year <= 9999:
            raise NumberingError(f"文号 year must have four digits: {self.year}")
        if self.seq < 1:
            raise NumberingError(f"文号 sequence starts at 1: {self.seq}")

    def __str__(self) -> str:
        return format_number(self.prefix, self.year, self.seq)

    @property
    def file_stem(self) -> str:
        """A shell-friendly file name stem: ``揭医保-2026-12``."""
        return f"{self.prefix}-{self.year}-{self.seq}"


def format_number(prefix: str, year: int, seq: int) -> str:
    """``揭医保〔2026〕12号``: 六角括号, full year, no leading zero."""
    return f"{prefix}\u3014{year}\u3015{seq}号"


def parse_number(text: str) -> DocNumber:
    """Read a 文号 as printed or typed (``揭医保〔2026〕12号``, ``揭医保[2026]12号``, ``〔2026〕12 号``)."""
    m = _NUMBER_RE.match(text)
    if not m:
        raise NumberingError(f"not a 文号 (expected like 揭医保〔2026〕12号): {text!r}")
    return DocNumber(m["prefix"], int(m["year"]), int(m["seq"]))


@dataclass(frozen=True)
class Office:
    """An issuing office: its name (署名, seal) and 机关代字 per document type."""

    id: str
    name: str
    code: str
    prefixes: Mapping[str, str] = field(default_factory=dict)

    def prefix_for(self, doc_type: str) -> str:
        """The prefix of ``doc_type``'s series: its own prefix if it has one, else the 机关代字."""
        return self.prefixes.get(doc_type, self.code)


@dataclass(frozen=True)
class Offices:
    """The offices table, looked up by id (or by full name, which users also type)."""

    by_id: Mapping[str, Office]

    def get(self, key: str) -> Office:
        if key in self.by_id:
            return self.by_id[key]
        for office in self.by_id.values():
            if office.name == key:
                return office
        known = ", ".join(sorted(self.by_id))
        raise NumberingError(f"unknown office {key!r} (known: {known})")

    def __iter__(self):
        return iter(self.by_id.values())


def parse_offices(data: object, source: str = "<offices>") -> Offices:
    """Validate the YAML structure; every error names ``source`` and the entry/field."""
    if not isinstance(data, dict) or not isinstance(data.get("offices"), list):
        raise NumberingError(f"{source}: expected a mapping with a list under 'offices'")
    by_id: dict[str, Office] = {}
    for i, row in enumerate(data["offices"], 1):
        where = f"{source}: offices[{i}]"
        if not isinstance(row, dict):
            raise NumberingError(f"{where}: expected a mapping")
        for key in ("id", "name", "code"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise NumberingError(f"{where}: field {key!r} is missing or empty")
        prefixes = row.get("prefixes") or {}
        if not isinstance(prefixes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in prefixes.items()
        ):
            raise NumberingError(f"{where} ({row['id']}): 'prefixes' must map type → prefix")
        for prefix in (row["code"], *prefixes.values()):
            if any(c.isspace() for c in prefix) or any(c in prefix for c in "〔〕[]"):
                raise NumberingError(f"{where} ({row['id']}): bad prefix {prefix!r}")
        if row["id"] in by_id:
            raise NumberingError(f"{where}: duplicate office id {row['id']!r}")
        by_id[row["id"]] = Office(row["id"], row["name"].strip(), row["code"].strip(), prefixes)
    return Offices(by_id)


def load_offices(path: Path | str = DEFAULT_OFFICES) -> Offices:
    """Read ``corpus/offices.yaml`` (or another table of the same shape)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NumberingError(f"{path}: offices table not found") from exc
    except yaml.YAMLError as exc:
        raise NumberingError(f"{path}: not valid YAML: {exc}") from exc
    return parse_offices(data, str(path))
