"""The 发文登记簿: every 发文字号 ever allocated, gap-free, with what became of it.

Numbers are allocated per series (a prefix such as ``揭医保`` and a year) inside a SQLite
``BEGIN IMMEDIATE`` transaction that also writes the register row, so concurrent processes never
share or skip a number, and a number never exists without the row that explains it:

    reserve()      → row "reserved" (number allocated; the document is being produced)
    mark_issued()  → row "issued", with the SHA-256 of every output file
    void()         → row "voided" with a reason; the number is never used again

A crash between reserve and mark_issued leaves a "reserved" row; ``recover()`` voids such rows
once their process is gone. A reissue gets a new number whose row points at the old one; the old
number is voided when the new one is issued. Tables are prefixed ``reg_`` so the register can
share a file with the corpus store.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from toolkit.issuing.numbering import DocNumber, NumberingError, parse_number

STATUSES = ("reserved", "issued", "voided")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reg_numbers (
    number           TEXT PRIMARY KEY,
    prefix           TEXT NOT NULL,
    year             INTEGER NOT NULL,
    seq              INTEGER NOT NULL CHECK (seq >= 1),
    office           TEXT NOT NULL,
    doc_type         TEXT NOT NULL,
    case_id          TEXT,
    doc_date         TEXT,
    template_version TEXT,
    status           TEXT NOT NULL CHECK (status IN ('reserved', 'issued', 'voided')),
    reserved_at      TEXT NOT NULL,
    issued_at        TEXT,
    voided_at        TEXT,
    void_reason      TEXT,
    reissue_of       TEXT REFERENCES reg_numbers(number),
    owner            TEXT NOT NULL,
    UNIQUE (prefix, year, seq)
);
CREATE INDEX IF NOT EXISTS reg_numbers_by_year ON reg_numbers (year, office);
CREATE INDEX IF NOT EXISTS reg_numbers_by_reissue ON reg_numbers (reissue_of);
CREATE TABLE IF NOT EXISTS reg_files (
    number  TEXT NOT NULL REFERENCES reg_numbers(number),
    role    TEXT NOT NULL,
    path    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    size    INTEGER NOT NULL,
    PRIMARY KEY (number, role)
);
CREATE TABLE IF NOT EXISTS reg_events (
    id      INTEGER PRIMARY KEY,
    number  TEXT NOT NULL REFERENCES reg_numbers(number),
    at      TEXT NOT NULL,
    event   TEXT NOT NULL,
    detail  TEXT
);
-- The register is a ledger: rows are never deleted and a status only moves forward.
CREATE TRIGGER IF NOT EXISTS reg_numbers_keep BEFORE DELETE ON reg_numbers
BEGIN
    SELECT RAISE(ABORT, 'register rows are never deleted (void the number instead)');
END;
CREATE TRIGGER IF NOT EXISTS reg_numbers_forward BEFORE UPDATE OF status ON reg_numbers
WHEN NOT (OLD.status = NEW.status
          OR (OLD.status = 'reserved' AND NEW.status IN ('issued', 'voided'))
          OR (OLD.status = 'issued' AND NEW.status = 'voided'))
BEGIN
    SELECT RAISE(ABORT, 'register status can only move reserved → issued → voided');
END;
CREATE TRIGGER IF NOT EXISTS reg_numbers_fixed BEFORE UPDATE OF number, prefix, year, seq
ON reg_numbers
BEGIN
    SELECT RAISE(ABORT, 'an allocated number never changes');
END;
"""


class RegisterError(Exception):
    """A register operation that cannot be done; the message names the number and the reason."""


@dataclass(frozen=True)
class RegisteredFile:
    role: str  # "docx", "pdf", ...
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class RegisterEvent:
    at: str
    event: str
    detail: str | None


@dataclass(frozen=True)
class RegisterEntry:
    """One row of the 发文登记簿."""

    number: str
    prefix: str
    year: int
    seq: int
    office: str
    doc_type: str
    case_id: str | None
    doc_date: str | None
    template_version: str | None
    status: str
    reserved_at: str
    issued_at: str | None
    voided_at: str | None
    void_reason: str | None
    reissue_of: str | None
    reissued_as: str | None
    owner: str
    files: tuple[RegisteredFile, ...] = ()
    events: tuple[RegisterEvent, ...] = field(default=(), compare=False)

    @property
    def doc_number(self) -> DocNumber:
        return DocNumber(self.prefix, self.year, self.seq)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FileCheck:
    role: str
    path: str
    state: str  # "ok" | "changed" | "missing"


def sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(owner: str) -> bool:
    """True when ``owner`` (host:pid) ran on this host and that process no longer exists."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process: only age can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Register:
    """The 发文登记簿 in a SQLite file (tables ``reg_*``). One instance per process/thread."""

    def __init__(self, path: Path | str, *, busy_timeout_s: float = 60.0):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
            self._cx = sqlite3.connect(
                str(self.path), timeout=busy_timeout_s, isolation_level=None
            )
            self._cx.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._cx.execute("PRAGMA journal_mode = WAL")
            self._cx.execute("PRAGMA foreign_keys = ON")
            with self._write():
                for statement in _split_sql(_SCHEMA):
                    self._cx.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise RegisterError(f"{self.path}: cannot open the register: {exc}") from exc

    def close(self) -> None:
        self._cx.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front so two
        allocators never read the same MAX(seq)."""
        self._cx.execute("BEGIN IMMEDIATE")
        try:
            yield self._cx
        except BaseException:
            self._cx.execute("ROLLBACK")
            raise
        self._cx.execute("COMMIT")

    def _event(self, number: str, event: str, detail: str | None = None) -> None:
        self._cx.execute(
            "INSERT INTO reg_events (number, at, event, detail) VALUES (?, ?, ?, ?)",
            (number, _now(), event, detail),
        )

    # -- allocation ---------------------------------------------------------------------------

    def reserve(
        self,
        *,
        prefix: str,
        office: str,
        doc_type: str,
        year: int,
        case_id: str | None = None,
        doc_date: date | None = None,
        template_version: str | None = None,
        reissue_of: str | None = None,
    ) -> RegisterEntry:
        """Allocate the next number of series (prefix, year) and write its "reserved" row,
        in one transaction."""
        DocNumber(prefix, year, 1)  # validates prefix and year before taking the lock
        with self._write() as cx:
            if reissue_of is not None:
                old = self._row(reissue_of)
                pending = cx.execute(
                    "SELECT number FROM reg_numbers WHERE reissue_of = ? AND status != 'voided'",
                    (old.number,),
                ).fetchone()
                if pending:
                    raise RegisterError(
                        f"{old.number} is already being reissued as {pending[0]}"
                    )
                reissue_of = old.number
            (seq,) = cx.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM reg_numbers WHERE prefix = ? AND year = ?",
                (prefix, year),
            ).fetchone()
            number = str(DocNumber(prefix, year, seq))
            cx.execute(
                "INSERT INTO reg_numbers (number, prefix, year, seq, office, doc_type, case_id,"
                " doc_date, template_version, status, reserved_at, reissue_of, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserved', ?, ?, ?)",
                (
                    number, prefix, year, seq, office, doc_type, case_id,
                    doc_date.isoformat() if doc_date else None, template_version,
                    _now(), reissue_of, _owner(),
                ),
            )  # fmt: skip
            self._event(number, "reserved", f"reissue of {reissue_of}" if reissue_of else None)
        return self.get(number)

    def mark_issued(self, number: str, files: Mapping[str, Path | str]) -> RegisterEntry:
        """Record the outputs (path + SHA-256) and move the row from "reserved" to "issued".
        If the number reissues another, that one is voided in the same transaction."""
        hashed = []
        for role, path in files.items():
            p = Path(path)
            if not p.is_file():
                raise RegisterError(f"{number}: output {role} not found: {p}")
            hashed.append((role, str(p.resolve()), sha256_file(p), p.stat().st_size))
        with self._write() as cx:
            row = self._row(number)
            if row.status != "reserved":
                raise RegisterError(f"{row.number} is {row.status}; only a reserved number is issued")
            for role, path, digest, size in hashed:
                cx.execute(
                    "INSERT INTO reg_files (number, role, path, sha256, size) VALUES (?, ?, ?, ?, ?)",
                    (row.number, role, path, digest, size),
                )
            cx.execute(
                "UPDATE reg_numbers SET status = 'issued', issued_at = ? WHERE number = ?",
                (_now(), row.number),
            )
            self._event(row.number, "issued", ", ".join(f"{r}={d[:12]}" for r, _, d, _ in hashed))
            if row.reissue_of:
                old = self._row(row.reissue_of)
                if old.status != "voided":
                    self._void(old.number, f"reissued as {row.number}")
        return self.get(number)

    def void(self, number: str, reason: str) -> RegisterEntry:
        """Void a reserved or issued number. It stays in the register and is never reused."""
        if not reason or not reason.strip():
            raise RegisterError(f"{number}: voiding needs a reason")
        with self._write():
            row = self._row(number)
            if row.status == "voided":
                raise RegisterError(f"{row.number} is already voided ({row.void_reason})")
            self._void(row.number, reason.strip())
        return self.get(number)

    def _void(self, number: str, reason: str) -> None:
        self._cx.execute(
            "UPDATE reg_numbers SET status = 'voided', voided_at = ?, void_reason = ?"
            " WHERE number = ?",
            (_now(), reason, number),
        )
        self._event(number, "voided", reason)

    def recover(
        self, *, max_age: timedelta | None = None, now: datetime | None = None
    ) -> list[RegisterEntry]:
        """Void "reserved" rows left by a crash: their process (on this host) is gone, or they
        are older than ``max_age``. Returns the rows voided."""
        now = now or datetime.now(UTC)
        voided = []
        with self._write() as cx:
            rows = cx.execute(
                "SELECT number, owner, reserved_at FROM reg_numbers WHERE status = 'reserved'"
                " ORDER BY prefix, year, seq"
            ).fetchall()
            for number, owner, reserved_at in rows:
                too_old = max_age is not None and now - datetime.fromisoformat(reserved_at) > max_age
                if _process_gone(owner) or too_old:
                    self._void(
                        number,
                        f"recovered: reserved by {owner} at {reserved_at} and never issued",
                    )
                    voided.append(number)
        return [self.get(n) for n in voided]

    # -- reading ------------------------------------------------------------------------------

    _COLUMNS = (
        "number, prefix, year, seq, office, doc_type, case_id, doc_date, template_version,"
        " status, reserved_at, issued_at, voided_at, void_reason, reissue_of,"
        " (SELECT r.number FROM reg_numbers r WHERE r.reissue_of = reg_numbers.number"
        "  ORDER BY r.seq DESC LIMIT 1), owner"
    )

    def _row(self, number: str) -> RegisterEntry:
        """The row for a 文号 typed in any accepted spelling (no files/events)."""
        try:
            canonical = str(parse_number(number))
        except NumberingError as exc:
            raise RegisterError(str(exc)) from exc
        row = self._cx.execute(
            f"SELECT {self._COLUMNS} FROM reg_numbers WHERE number = ?", (canonical,)
        ).fetchone()
        if row is None:
            raise RegisterError(f"{canonical} is not in the register {self.path}")
        return RegisterEntry(*row)

    def get(self, number: str) -> RegisterEntry:
        """One row with its files and history."""
        row = self._row(number)
        files = tuple(
            RegisteredFile(*r)
            for r in self._cx.execute(
                "SELECT role, path, sha256, size FROM reg_files WHERE number = ? ORDER BY role",
                (row.number,),
            )
        )
        events = tuple(
            RegisterEvent(*r)
            for r in self._cx.execute(
                "SELECT at, event, detail FROM reg_events WHERE number = ? ORDER BY id",
                (row.number,),
            )
        )
        return RegisterEntry(**{**asdict(row), "files": files, "events": events})

    def entries(
        self,
        *,
        year: int | None = None,
        office: str | None = None,
        status: str | None = None,
        prefix: str | None = None,
    ) -> list[RegisterEntry]:
        """Rows in number order, optionally filtered (files included, history not)."""
        where, args = [], []
        for column, value in (("year", year), ("office", office), ("status", status), ("prefix", prefix)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        sql = f"SELECT {self._COLUMNS} FROM reg_numbers{condition} ORDER BY prefix, year, seq"
        rows = [RegisterEntry(*r) for r in self._cx.execute(sql, args)]
        files: dict[str, list[RegisteredFile]] = {}
        for number, *rest in self._cx.execute(
            "SELECT number, role, path, sha256, size FROM reg_files WHERE number IN"
            f" (SELECT number FROM reg_numbers{condition}) ORDER BY number, role",
            args,
        ):
            files.setdefault(number, []).append(RegisteredFile(*rest))
        return [RegisterEntry(**{**asdict(r), "files": tuple(files.get(r.number, ()))}) for r in rows]

    def check_files(self, number: str) -> list[FileCheck]:
        """Compare each registered output with the file on disk now."""
        checks = []
        for f in self.get(number).files:
            p = Path(f.path)
            state = "missing" if not p.is_file() else ("ok" if sha256_file(p) == f.sha256 else "changed")
            checks.append(FileCheck(f.role, f.path, state))
        return checks


def _split_sql(script: str) -> list[str]:
    """Statements of the schema script (triggers contain ';' inside BEGIN … END)."""
    statements, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        joined = "\n".join(current)
        if sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    return statements
