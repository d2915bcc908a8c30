"""``make clean``: remove what policykit generated under ``out/``, never a record.

Kept, wherever they are under the folder:
- every SQLite store (recognised by its header, whatever its name: ``out/demo/policykit.db``, a
  store set aside as ``policykit-<time>.db``) with its ``-wal``/``-shm``/``-journal`` files;
- every file a 发文登记簿 records (``reg_files``: issued and voided notices' DOCX and PDF), in the
  stores under the folder and in the stores named with ``--store`` (the default ``./policykit.db``);
- key material (``*.pem``, ``*.p12``: the TEST certificate that earlier signatures verify against)
  and lock files.
Everything else (reports, drafts, decisions, index pages) is removed, then the folders left
empty. A store that cannot be read (damaged, locked) leaves it unknown which files it records:
then nothing is removed and the store is named. Standard library only, so it runs before the
virtual environment exists.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

SQLITE_HEADER = b"SQLite format 3\x00"
COMPANIONS = ("-wal", "-shm", "-journal")
KEY_SUFFIXES = (".pem", ".p12", ".lock")


class CleanRefused(Exception):
    """Nothing was removed; the message names the store that could not be read."""


@dataclass
class Plan:
    remove: list[Path] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    recorded: list[Path] = field(default_factory=list)  # files a register records
    keys: list[Path] = field(default_factory=list)


def is_store(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def registered_files(store: Path) -> set[Path]:
    """Every output file the store's 发文登记簿 records (empty when it has no register). Read
    through a read-only handle: cleaning never writes to a store."""
    # immutable when no WAL is beside it: a reader of a WAL-mode file would create -wal/-shm
    live = Path(f"{store}-wal").exists()
    try:
        cx = sqlite3.connect(f"file:{quote(str(store))}?mode=ro{'' if live else '&immutable=1'}",
                             uri=True)
    except sqlite3.Error as e:
        raise CleanRefused(f"{store}: cannot be read ({e}); nothing was removed") from None
    try:
        names = {r[0] for r in cx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "reg_files" not in names:
            return set()
        return {Path(p).resolve() for (p,) in cx.execute("SELECT path FROM reg_files")}
    except sqlite3.Error as e:
        raise CleanRefused(f"{store}: its 发文登记簿 cannot be read ({e}); nothing was removed, "
                           "since the files it records are unknown") from None
    finally:
        cx.close()


def store_path(given: str) -> Path:
    """A ``--store`` argument as a file; a server's register cannot be read here (standard
    library only), so the files it records are unknown: refused."""
    if "://" in given and not given.startswith("sqlite"):
        raise CleanRefused(f"{given.split('@')[-1]}: a register on a database server cannot be read "
                           "by make clean; nothing was removed (delete generated reports by hand)")
    return Path(given.removeprefix("sqlite:///"))


def plan(folder: Path, other_stores: list[Path] = ()) -> Plan:
    """What cleaning ``folder`` would remove and keep. Raises :class:`CleanRefused`."""
    result = Plan()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    stores = [p for p in files if is_store(p)]
    result.stores = stores
    keep_names = {Path(f"{s}{c}") for s in stores for c in COMPANIONS}
    recorded: set[Path] = set()
    for store in stores + [s for s in other_stores if s.is_file() and is_store(s)]:
        recorded |= registered_files(store)
    for path in files:
        if path in stores or path in keep_names:
            continue
        if path.resolve() in recorded:
            result.recorded.append(path)
        elif path.suffix.lower() in KEY_SUFFIXES:
            result.keys.append(path)
        else:
            result.remove.append(path)
    return result


def apply(folder: Path, p: Plan) -> None:
    for path in p.remove:
        path.unlink(missing_ok=True)
    for d in sorted((d for d in folder.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
        if not any(d.iterdir()):
            d.rmdir()


def main(argv: list[str]) -> int:
    """``python -m toolkit.cleanup FOLDER [--store DB ...]``."""
    if not argv:
        print("usage: python -m toolkit.cleanup FOLDER [--store DB ...]", file=sys.stderr)
        return 2
    folder, rest = Path(argv[0]), argv[1:]
    named = [v for k, v in zip(rest[::2], rest[1::2], strict=False) if k == "--store"]
    if not folder.is_dir():
        print(f"{folder}: nothing to clean")
        return 0
    try:
        p = plan(folder, [store_path(v) for v in named])
    except CleanRefused as e:
        print(f"make clean: {e}", file=sys.stderr)
        return 1
    apply(folder, p)
    print(f"{folder}: removed {len(p.remove)} generated file(s); kept {len(p.stores)} store(s), "
          f"{len(p.recorded)} file(s) a 发文登记簿 records, {len(p.keys)} key file(s)")
    for s in p.stores:
        print(f"  kept store {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
