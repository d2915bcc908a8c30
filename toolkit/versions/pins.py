"""Pinned version matches saved with the work: a drafter's correction of the automatic article
match (old article → new article(s)), kept so every later diff — the web's 对照表 and
``policykit diff`` alike — uses it and shows it as 人工指定.

Stored beside the store in ``<db>.pins.json`` (for a server URL: ``$POLICYKIT_PINS``, else
``policykit.pins.json`` in the working folder), written atomically. The file is small and
human-readable so a drafter's choices can be reviewed and versioned with the corpus.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from toolkit.fileio import atomic_write


class PinFileError(ValueError):
    """The pins file cannot be read (names the file and the reason)."""


@dataclass(frozen=True)
class SavedPin:
    old_eid: str
    new_eids: tuple[str, ...]  # empty: the old article has no counterpart
    by: str | None
    at: str


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time (two drafters pinning at once must not lose a pin)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pins_path(db: str | Path) -> Path:
    if isinstance(db, str) and "://" in db:
        return Path(os.environ.get("POLICYKIT_PINS", "policykit.pins.json"))
    return Path(f"{db}.pins.json")


def _pair(old: str, new: str) -> str:
    return f"{old} -> {new}"


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PinFileError(f"{path}: cannot read the pinned matches ({e})") from None
    if not isinstance(data, dict):
        raise PinFileError(f"{path}: not a pins file (expected an object)")
    return data


def saved_pins(db: str | Path, old: str, new: str) -> list[SavedPin]:
    rows = _read(pins_path(db)).get(_pair(old, new), {})
    return [SavedPin(k, tuple(v.get("new", [])), v.get("by"), v.get("at", ""))
            for k, v in rows.items()]


def load_pins(db: str | Path, old: str, new: str) -> dict[str, list[str]]:
    """{old eId: [new eIds]} for ``diff(pins=…)``."""
    return {p.old_eid: list(p.new_eids) for p in saved_pins(db, old, new)}


def save_pin(db: str | Path, old: str, new: str, old_eid: str, new_eids: list[str],
             by: str | None = None) -> None:
    path = pins_path(db)
    with _locked(path):
        data = _read(path)
        data.setdefault(_pair(old, new), {})[old_eid] = {
            "new": list(new_eids), "by": by, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())


def remove_pin(db: str | Path, old: str, new: str, old_eid: str) -> bool:
    path = pins_path(db)
    with _locked(path):
        data = _read(path)
        pair = data.get(_pair(old, new), {})
        if old_eid not in pair:
            return False
        del pair[old_eid]
        if not pair:
            data.pop(_pair(old, new))
        atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
    return True
