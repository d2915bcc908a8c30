"""The 发文登记簿: every 发文字号 ever allocated, gap-free, with what became of it.

Numbers are allocated per series (a prefix such as ``揭医保`` and a year) in one write transaction
that also writes the register rows, so concurrent processes, on one machine or many, never share
or skip a number, and a number never exists without the row that explains it:

    reserve() / reserve_block()  → rows "reserved" (numbers allocated; documents being produced)
    mark_issued()                → row "issued", with the SHA-256 of every output file
    void()                       → row "voided" with a reason; the number is never used again

The same code runs on the embedded SQLite store and on PostgreSQL (SQLAlchemy Core). The series'
row in ``reg_counters`` is the lock: ``SELECT … FOR UPDATE`` on PostgreSQL, and on SQLite the
``BEGIN IMMEDIATE`` of ``write_transaction`` (the whole file is the lock there). A batch takes its
numbers as one block under one lock, so they are consecutive.

A crash between reserve and mark_issued leaves a "reserved" row; ``reserved_warnings()`` names
them and ``recover()`` voids them once their process is gone. A reissue gets a new number whose
row points at the old one; the old number is voided when the new one is issued. ``set_next()``
moves a series on (an office that starts using policykit at 91号), audited in
``reg_series_events``. Before a number is taken the store must pass its integrity check.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, and_, func, inspect, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from toolkit.db.engine import DatabaseUnavailable, connect, engine_for, write_transaction
from toolkit.db.errors import StoreError
from toolkit.db.integrity import StoreDamaged, require_intact
from toolkit.db.schema import preflight, read_state
from toolkit.db.url import DatabaseUrlError, describe
from toolkit.issuing.leftovers import process_gone, process_key
from toolkit.issuing.numbering import DocNumber, NumberingError, format_number, parse_number
from toolkit.issuing.register_tables import (
    STATUSES,
    TABLES,
    ensure_schema,
    reg_counters,
    reg_events,
    reg_files,
    reg_numbers,
    reg_quotes,
    reg_series_events,
)

__all__ = [
    "STATUSES", "CaseAlreadyIssued", "FileCheck", "QuotedPassage", "Register", "RegisterEntry", "RegisterError",
    "RegisterEvent", "RegisterUnavailable", "RegisteredFile", "SeriesEvent", "SeriesState", "Slot",
    "owner_gone", "owner_pid", "reserved_warning", "sha256_file",
]  # fmt: skip

T = TypeVar("T")


class RegisterError(Exception):
    """A register operation that cannot be done; the message names the number and the reason."""


class CaseAlreadyIssued(RegisterError):
    """A block would number a case that already has a notice of its type, issued or being
    issued by another run right now (checked under the allocation's own lock, so two runs of
    one case at once cannot both pass). ``conflicts``: slot index → the case's live rows.
    Nothing of the block was taken."""

    def __init__(self, doc_type: str, conflicts: Mapping[int, tuple[RegisterEntry, ...]],
                 case_ids: Mapping[int, str]):
        self.doc_type = doc_type
        self.conflicts = dict(conflicts)
        self.case_ids = dict(case_ids)
        described = "; ".join(
            f"case {case_ids[i]}: {', '.join(f'{e.number} ({e.status})' for e in rows)}"
            for i, rows in sorted(conflicts.items())
        )
        super().__init__(f"{doc_type}: already issued or being issued — {described}; no number was taken")


class RegisterUnavailable(RegisterError, DatabaseUnavailable):
    """The database cannot be reached (refused, wrong password, stopped mid-batch): one line
    naming the server. Both a ``RegisterError`` (for the issuing commands) and a
    ``DatabaseUnavailable`` (for the data layer's callers)."""


@dataclass(frozen=True)
class RegisteredFile:
    role: str  # "docx", "pdf", ...
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class QuotedPassage:
    """One node an issued notice quotes, with the hashes of the stored text it quoted."""

    doc_id: str
    eid: str
    source_id: str
    source_sha256: str  # the stored source file's sha256
    text_sha256: str  # the document's text hash (extractors.identity.text_sha256)
    passage_sha256: str  # the quoted node and everything below it


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
    quotes: tuple[QuotedPassage, ...] = field(default=(), compare=False)  # with get() only

    @property
    def doc_number(self) -> DocNumber:
        return DocNumber(self.prefix, self.year, self.seq)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Slot:
    """What one number of a block is for (all optional)."""

    case_id: str | None = None
    doc_date: date | None = None
    template_version: str | None = None
    reissue_of: str | None = None
    reason: str | None = None  # why a reissue is made (the clerk's words), kept in its history


@dataclass(frozen=True)
class SeriesEvent:
    """An audited change to a series itself (``set-next``)."""

    prefix: str
    year: int
    office: str | None
    doc_type: str | None
    at: str
    event: str
    old_next: int | None
    new_next: int | None
    detail: str | None
    actor: str


@dataclass(frozen=True)
class SeriesState:
    prefix: str
    year: int
    next_seq: int  # the number the next allocation takes
    highest: int  # highest seq allocated in this register (0: none)
    events: tuple[SeriesEvent, ...]

    @property
    def next_number(self) -> str:
        return format_number(self.prefix, self.year, self.next_seq)


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
    """``host:pid@starttime``: the start time tells this run from a later process that was
    given the same pid after this one died (rows written before it say ``host:pid``)."""
    return f"{socket.gethostname()}:{process_key()}"


def owner_pid(owner: str) -> int | None:
    """The pid in an owner (``host:pid@start`` or ``host:pid``), None if there is none."""
    pid = owner.rpartition(":")[2].partition("@")[0]
    return int(pid) if pid.isdigit() else None


def _process_gone(owner: str) -> bool:
    """True when ``owner`` ran on this host and that process is no longer running: its pid is
    free, or held by a process started later (a reused pid), or a zombie."""
    host, _, key = owner.rpartition(":")
    if host != socket.gethostname():
        return False  # another machine's process: only age can tell
    return process_gone(key) is True


def owner_gone(owner: str) -> bool:
    """Whether the process that reserved a row (``RegisterEntry.owner``) is known to be gone."""
    return _process_gone(owner)


def _is_local(owner: str) -> bool:
    return owner.rpartition(":")[0] == socket.gethostname()


# The row as RegisterEntry wants it: the number that reissues this one is a correlated subquery.
_later = reg_numbers.alias("later")
_REISSUED_AS = (
    select(_later.c.number)
    .where(_later.c.reissue_of == reg_numbers.c.number)
    .order_by(_later.c.seq.desc())
    .limit(1)
    .scalar_subquery()
    .label("reissued_as")
)
_ROW = select(
    *(reg_numbers.c[name] for name in (
        "number", "prefix", "year", "seq", "office", "doc_type", "case_id", "doc_date",
        "template_version", "status", "reserved_at", "issued_at", "voided_at", "void_reason",
        "reissue_of",
    )),
    _REISSUED_AS,
    reg_numbers.c.owner,
)  # fmt: skip


_QUOTE_COLUMNS = tuple(reg_quotes.c[name] for name in (
    "doc_id", "eid", "source_id", "source_sha256", "text_sha256", "passage_sha256"))


def _entry(row) -> RegisterEntry:
    return RegisterEntry(**row._mapping)


class Register:
    """The 发文登记簿 in a store (tables ``reg_*``): ``db`` is a SQLite path or a
    ``postgresql://`` URL. One instance per process/thread."""

    def __init__(self, db: Path | str, *, busy_timeout_s: float = 60.0, check_integrity: bool = True):
        try:
            preflight(db)  # someone else's SQLite file is refused before any engine writes to it
            self.engine = engine_for(db, busy_timeout_s=busy_timeout_s)
        except (DatabaseUrlError, StoreError) as exc:
            raise RegisterError(str(exc)) from None
        self.target = describe(self.engine.url)
        self.path: Path | None = (
            Path(self.engine.url.database) if self.engine.dialect.name == "sqlite" else None
        )
        self.check_integrity = check_integrity
        try:
            self._guarded(self._ensure_schema)
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with connect(self.engine) as conn:
            present = set(inspect(conn).get_table_names())
            state = read_state(conn)
        if state.kind in ("foreign", "newer"):  # never write into what we cannot vouch for
            raise RegisterError(
                f"{self.target}: not a policykit store (it holds other tables: "
                f"{', '.join(state.foreign_tables[:5])}); nothing was written"
                if state.kind == "foreign"
                else f"{self.target}: store schema {state.revision} is newer than this policykit;"
                " use the policykit that wrote it"
            )
        if all(t.name in present for t in TABLES):
            return  # nothing to create: no write lock taken (a read-only store still lists)
        with write_transaction(self.engine) as conn:
            ensure_schema(conn)

    def _guarded(self, action: Callable[[], T]) -> T:
        """Run ``action`` with the database's failures as one line naming the store."""
        try:
            return action()
        except RegisterError:
            raise
        except DatabaseUnavailable as exc:
            raise RegisterUnavailable(str(exc)) from None
        except StoreDamaged as exc:
            raise RegisterError(f"{exc}; no number was taken") from None
        except IntegrityError as exc:
            raise RegisterError(f"{self.target}: the register refused the change ({_reason(exc)})") from None
        except DBAPIError as exc:
            if self.engine.dialect.name == "postgresql" and (
                exc.connection_invalidated or _is_connection_error(exc)
            ):
                raise RegisterUnavailable(
                    f"{self.target}: the database server went away ({_reason(exc)}); the step in"
                    " progress was rolled back — when it is back, `policykit register recover`"
                    " explains any number left reserved"
                ) from None
            raise RegisterError(f"{self.target}: the register cannot be used ({_reason(exc)})") from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with connect(self.engine) as conn:
            yield conn

    def _preflight(self) -> None:
        """Before a number is taken: the store must be sound (a damaged file would still answer
        the few pages an allocation touches). A PostgreSQL server guards its own pages, and the
        allocation's own queries are its sanity check there, so only SQLite pays for a check."""
        if self.check_integrity and self.engine.dialect.name == "sqlite":
            require_intact(self.engine)

    @staticmethod
    def _event(conn: Connection, number: str, event: str, detail: str | None = None) -> None:
        conn.execute(reg_events.insert().values(number=number, at=_now(), event=event, detail=detail))

    def _insert_or_ignore(self, table, **values):
        dialect_insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return dialect_insert(table).values(**values).on_conflict_do_nothing()

    def _lock_series(self, conn: Connection, prefix: str, year: int) -> tuple[int, int]:
        """Lock the series' counter row (creating it if need be); returns (next_seq, highest)."""
        conn.execute(
            self._insert_or_ignore(reg_counters, prefix=prefix, year=year, next_seq=1, updated_at=_now())
        )
        where = (reg_counters.c.prefix == prefix) & (reg_counters.c.year == year)
        counter = conn.execute(select(reg_counters.c.next_seq).where(where).with_for_update()).scalar_one()
        highest = conn.execute(
            select(func.coalesce(func.max(reg_numbers.c.seq), 0)).where(
                (reg_numbers.c.prefix == prefix) & (reg_numbers.c.year == year)
            )
        ).scalar_one()
        # rows written before reg_counters existed (or by an older policykit) also count
        return max(counter, highest + 1), highest

    def _set_counter(self, conn: Connection, prefix: str, year: int, next_seq: int) -> None:
        conn.execute(
            update(reg_counters)
            .where((reg_counters.c.prefix == prefix) & (reg_counters.c.year == year))
            .values(next_seq=next_seq, updated_at=_now())
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
        slot = Slot(case_id, doc_date, template_version, reissue_of)
        (entry,) = self.reserve_block(prefix=prefix, office=office, doc_type=doc_type, year=year, slots=[slot])
        return entry

    def reserve_block(
        self,
        *,
        prefix: str,
        office: str,
        doc_type: str,
        year: int,
        count: int | None = None,
        slots: Sequence[Slot] | None = None,
    ) -> list[RegisterEntry]:
        """Allocate ``count`` numbers (or one per slot) of series (prefix, year) as one block:
        consecutive, under one lock, all rows written in one transaction (all or none)."""
        if slots is None:
            if count is None or count < 1:
                raise RegisterError(f"{prefix}〔{year}〕: a block needs at least one number")
            slots = [Slot()] * count
        elif count is not None and count != len(slots):
            raise RegisterError(f"{prefix}〔{year}〕: count {count} but {len(slots)} slots")
        if not slots:
            return []
        DocNumber(prefix, year, 1)  # validates prefix and year before taking the lock
        reissued = [s.reissue_of for s in slots if s.reissue_of]
        if len(set(reissued)) != len(reissued):
            raise RegisterError(f"one block reissues the same number twice: {', '.join(reissued)}")
        if any(s.reason and not s.reissue_of for s in slots):
            raise RegisterError(f"{prefix}〔{year}〕: a reason is only recorded for a reissue")

        def run() -> list[dict]:
            self._preflight()
            with write_transaction(self.engine) as conn:
                self._lock_cases(conn, doc_type, slots)
                first, _ = self._lock_series(conn, prefix, year)
                self._refuse_issued_cases(conn, doc_type, slots)
                olds = [self._reissue_target(conn, s.reissue_of) if s.reissue_of else None for s in slots]
                now, owner = _now(), _owner()
                rows = [
                    {
                        "number": str(DocNumber(prefix, year, first + i)),
                        "prefix": prefix, "year": year, "seq": first + i, "office": office,
                        "doc_type": doc_type, "case_id": s.case_id,
                        "doc_date": s.doc_date.isoformat() if s.doc_date else None,
                        "template_version": s.template_version, "status": "reserved",
                        "reserved_at": now, "reissue_of": old, "owner": owner,
                    }
                    for i, (s, old) in enumerate(zip(slots, olds, strict=True))
                ]  # fmt: skip
                conn.execute(reg_numbers.insert(), rows)
                conn.execute(
                    reg_events.insert(),
                    [
                        {
                            "number": r["number"], "at": now, "event": "reserved",
                            "detail": _block_detail(r["reissue_of"], first, len(rows)),
                        }
                        for r in rows
                    ],
                )  # fmt: skip
                reasons = [{"number": r["number"], "at": now, "event": "reissue-reason",
                            "detail": s.reason.strip()}
                           for r, s in zip(rows, slots, strict=True) if s.reason and s.reason.strip()]
                if reasons:
                    conn.execute(reg_events.insert(), reasons)
                self._set_counter(conn, prefix, year, first + len(rows))
                return rows

        rows = self._guarded(run)
        # the rows as written (no re-read: a fresh row has no files and nothing reissues it yet)
        return [
            RegisterEntry(
                **r, issued_at=None, voided_at=None, void_reason=None, reissued_as=None,
                events=(RegisterEvent(r["reserved_at"], "reserved",
                                      _block_detail(r["reissue_of"], rows[0]["seq"], len(rows))),),
            )
            for r in rows
        ]  # fmt: skip

    def _lock_cases(self, conn: Connection, doc_type: str, slots: Sequence[Slot]) -> None:
        """PostgreSQL: one transaction-scoped advisory lock per (document type, case id), in a
        fixed order, so two runs of one case serialise even when their numbers fall in
        different series (another year). SQLite's BEGIN IMMEDIATE already locks the file."""
        if self.engine.dialect.name != "postgresql":
            return
        for key in sorted({f"policykit-case:{doc_type}:{s.case_id}" for s in slots if s.case_id}):
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))

    def _refuse_issued_cases(self, conn: Connection, doc_type: str, slots: Sequence[Slot]) -> None:
        """Under the allocation's lock: a case id (of this document type) with a number issued,
        or reserved by a run still at work, gets no other one — unless the slot reissues the
        case's issued number, and no other run holds a reserved one for it."""
        wanted = {s.case_id for s in slots if s.case_id}
        if not wanted:
            return
        live: dict[str, list[RegisterEntry]] = {}
        for row in conn.execute(
            _ROW.where(reg_numbers.c.case_id.in_(sorted(wanted)) & (reg_numbers.c.doc_type == doc_type)
                       & reg_numbers.c.status.in_(("issued", "reserved")))
            .order_by(reg_numbers.c.prefix, reg_numbers.c.year, reg_numbers.c.seq)
        ):
            live.setdefault(row.case_id, []).append(_entry(row))
        conflicts: dict[int, tuple[RegisterEntry, ...]] = {}
        for i, s in enumerate(slots):
            rows = live.get(s.case_id or "", [])
            if s.reissue_of:
                rows = [r for r in rows if r.status == "reserved"]
            if rows:
                conflicts[i] = tuple(rows)
        if conflicts:
            raise CaseAlreadyIssued(doc_type, conflicts, {i: slots[i].case_id for i in conflicts})

    def _reissue_target(self, conn: Connection, reissue_of: str) -> str:
        old = self._row(conn, reissue_of)
        pending = conn.execute(
            select(reg_numbers.c.number).where(
                (reg_numbers.c.reissue_of == old.number) & (reg_numbers.c.status != "voided")
            )
        ).scalar()
        if pending:
            raise RegisterError(f"{old.number} is already being reissued as {pending}")
        return old.number

    def mark_issued(self, number: str, files: Mapping[str, Path | str]) -> RegisterEntry:
        """Record the outputs (path + SHA-256) and move the row from "reserved" to "issued".
        If the number reissues another, that one is voided in the same transaction."""
        hashed = []
        for role, path in files.items():
            p = Path(path)
            if not p.is_file():
                raise RegisterError(f"{number}: output {role} not found: {p}")
            hashed.append((role, str(p.resolve()), sha256_file(p), p.stat().st_size))

        def run() -> str:
            with write_transaction(self.engine) as conn:
                row = self._row(conn, number)
                if row.status != "reserved":
                    raise RegisterError(f"{row.number} is {row.status}; only a reserved number is issued")
                if hashed:
                    conn.execute(
                        reg_files.insert(),
                        [
                            {"number": row.number, "role": r, "path": p, "sha256": d, "size": s}
                            for r, p, d, s in hashed
                        ],
                    )
                conn.execute(
                    update(reg_numbers)
                    .where(reg_numbers.c.number == row.number)
                    .values(status="issued", issued_at=_now())
                )
                self._event(conn, row.number, "issued", ", ".join(f"{r}={d[:12]}" for r, _, d, _ in hashed))
                if row.reissue_of:
                    old = self._row(conn, row.reissue_of)
                    if old.status != "voided":
                        why = conn.execute(
                            select(reg_events.c.detail).where(
                                (reg_events.c.number == row.number)
                                & (reg_events.c.event == "reissue-reason"))
                        ).scalar()
                        self._void(conn, old.number,
                                   f"reissued as {row.number}" + (f": {why}" if why else ""))
                return row.number

        return self.get(self._guarded(run))

    def void(self, number: str, reason: str) -> RegisterEntry:
        """Void a reserved or issued number. It stays in the register and is never reused."""
        if not reason or not reason.strip():
            raise RegisterError(f"{number}: voiding needs a reason")

        def run() -> str:
            with write_transaction(self.engine) as conn:
                row = self._row(conn, number)
                if row.status == "voided":
                    raise RegisterError(f"{row.number} is already voided ({row.void_reason})")
                self._void(conn, row.number, reason.strip())
                return row.number

        return self.get(self._guarded(run))

    def _void(self, conn: Connection, number: str, reason: str) -> None:
        conn.execute(
            update(reg_numbers)
            .where(reg_numbers.c.number == number)
            .values(status="voided", voided_at=_now(), void_reason=reason)
        )
        self._event(conn, number, "voided", reason)

    def recover(
        self, *, max_age: timedelta | None = None, now: datetime | None = None
    ) -> list[RegisterEntry]:
        """Void "reserved" rows left by a crash: their process (on this host) is gone, or they
        are older than ``max_age``. Returns the rows voided."""
        now = now or datetime.now(UTC)

        def run() -> list[str]:
            voided = []
            with write_transaction(self.engine) as conn:
                rows = conn.execute(
                    select(reg_numbers.c.number, reg_numbers.c.owner, reg_numbers.c.reserved_at)
                    .where(reg_numbers.c.status == "reserved")
                    .order_by(reg_numbers.c.prefix, reg_numbers.c.year, reg_numbers.c.seq)
                    .with_for_update()
                ).all()
                for number, owner, reserved_at in rows:
                    too_old = max_age is not None and now - datetime.fromisoformat(reserved_at) > max_age
                    if _process_gone(owner) or too_old:
                        self._void(
                            conn, number, f"recovered: reserved by {owner} at {reserved_at} and never issued"
                        )
                        voided.append(number)
            return voided

        return self._entries_by_number(self._guarded(run))

    def set_next(
        self,
        *,
        prefix: str,
        year: int,
        next_seq: int,
        reason: str,
        office: str | None = None,
        doc_type: str | None = None,
    ) -> SeriesState:
        """Make ``next_seq`` the series' next number (e.g. an office already at 90号 this year
        starts its policykit register at 91). Audited; never backwards over a number this
        register has allocated (issued, reserved or voided: numbers are never reused)."""
        if not reason or not reason.strip():
            raise RegisterError(f"{prefix}〔{year}〕: setting the next number needs a reason")
        DocNumber(prefix, year, max(next_seq, 1))
        if next_seq < 1:
            raise RegisterError(f"{prefix}〔{year}〕: numbers start at 1, not {next_seq}")

        def run() -> None:
            self._preflight()
            with write_transaction(self.engine) as conn:
                current, highest = self._lock_series(conn, prefix, year)
                if next_seq <= highest:
                    raise RegisterError(
                        f"{format_number(prefix, year, highest)} is already in the register: the next"
                        f" number can only be {highest + 1} or later, not {next_seq}"
                    )
                self._set_counter(conn, prefix, year, next_seq)
                conn.execute(
                    reg_series_events.insert().values(
                        prefix=prefix, year=year, office=office, doc_type=doc_type, at=_now(),
                        event="set-next", old_next=current, new_next=next_seq,
                        detail=reason.strip(), actor=_owner(),
                    )
                )  # fmt: skip

        self._guarded(run)
        return self.series(prefix, year)

    # -- reading ------------------------------------------------------------------------------

    def _row(self, conn: Connection, number: str) -> RegisterEntry:
        """The row for a 文号 typed in any accepted spelling (no files/events)."""
        try:
            canonical = str(parse_number(number))
        except NumberingError as exc:
            raise RegisterError(str(exc)) from exc
        row = conn.execute(_ROW.where(reg_numbers.c.number == canonical)).first()
        if row is None:
            raise RegisterError(f"{canonical} is not in the register {self.target}")
        return _entry(row)

    def get(self, number: str) -> RegisterEntry:
        """One row with its files and history."""

        def run() -> RegisterEntry:
            with self._read() as conn:
                row = self._row(conn, number)
                files = tuple(
                    RegisteredFile(*r)
                    for r in conn.execute(
                        select(reg_files.c.role, reg_files.c.path, reg_files.c.sha256, reg_files.c.size)
                        .where(reg_files.c.number == row.number)
                        .order_by(reg_files.c.role)
                    )
                )
                events = tuple(
                    RegisterEvent(*r)
                    for r in conn.execute(
                        select(reg_events.c.at, reg_events.c.event, reg_events.c.detail)
                        .where(reg_events.c.number == row.number)
                        .order_by(reg_events.c.id)
                    )
                )
                quotes = tuple(
                    QuotedPassage(*r)
                    for r in conn.execute(
                        select(*_QUOTE_COLUMNS).where(reg_quotes.c.number == row.number)
                        .order_by(reg_quotes.c.position)
                    )
                )
            return RegisterEntry(**{**asdict(row), "files": files, "events": events, "quotes": quotes})

        return self._guarded(run)

    def entries(
        self,
        *,
        year: int | None = None,
        office: str | None = None,
        status: str | None = None,
        prefix: str | None = None,
        case_id: str | None = None,
    ) -> list[RegisterEntry]:
        """Rows in number order, optionally filtered (files included, history not)."""
        wanted = {"year": year, "office": office, "status": status, "prefix": prefix, "case_id": case_id}
        return self._select_entries(
            and_(true(), *(reg_numbers.c[k] == v for k, v in wanted.items() if v is not None))
        )

    def _entries_by_number(self, numbers: Sequence[str]) -> list[RegisterEntry]:
        if not numbers:
            return []
        order = {n: i for i, n in enumerate(numbers)}
        rows = self._select_entries(reg_numbers.c.number.in_(list(numbers)))
        return sorted(rows, key=lambda r: order[r.number])

    def _select_entries(self, condition) -> list[RegisterEntry]:
        def run() -> list[RegisterEntry]:
            query = _ROW.where(condition).order_by(reg_numbers.c.prefix, reg_numbers.c.year, reg_numbers.c.seq)
            chosen = select(reg_numbers.c.number).where(condition)
            with self._read() as conn:
                rows = [_entry(r) for r in conn.execute(query)]
                files: dict[str, list[RegisteredFile]] = {}
                for number, *rest in conn.execute(
                    select(reg_files.c.number, reg_files.c.role, reg_files.c.path, reg_files.c.sha256,
                           reg_files.c.size)
                    .where(reg_files.c.number.in_(chosen))
                    .order_by(reg_files.c.number, reg_files.c.role)
                ):  # fmt: skip
                    files.setdefault(number, []).append(RegisteredFile(*rest))
            return [RegisterEntry(**{**asdict(r), "files": tuple(files.get(r.number, ()))}) for r in rows]

        return self._guarded(run)

    def issued_for_case(self, case_id: str, *, include_reserved: bool = False) -> list[RegisterEntry]:
        """Numbers issued (and, if asked, still reserved) for ``case_id``: a batch rerun can
        refuse cases that already have their notice."""
        statuses = ("issued", "reserved") if include_reserved else ("issued",)
        return self._select_entries((reg_numbers.c.case_id == case_id) & reg_numbers.c.status.in_(statuses))

    def reserved_warnings(
        self, *, max_age: timedelta = timedelta(hours=24), now: datetime | None = None
    ) -> list[RegisterEntry]:
        """Reserved rows nobody will finish: their process on this host is gone, or (any host)
        they are older than ``max_age``. Each is a gap until ``register recover`` voids it."""
        now = now or datetime.now(UTC)
        return [
            e
            for e in self.entries(status="reserved")
            if _process_gone(e.owner) or now - datetime.fromisoformat(e.reserved_at) > max_age
        ]

    def series(self, prefix: str, year: int) -> SeriesState:
        """A series' next number, highest allocated number and audited changes."""

        def run() -> SeriesState:
            with self._read() as conn:
                counter = conn.execute(
                    select(reg_counters.c.next_seq).where(
                        (reg_counters.c.prefix == prefix) & (reg_counters.c.year == year)
                    )
                ).scalar()
                highest = conn.execute(
                    select(func.coalesce(func.max(reg_numbers.c.seq), 0)).where(
                        (reg_numbers.c.prefix == prefix) & (reg_numbers.c.year == year)
                    )
                ).scalar_one()
                events = tuple(
                    SeriesEvent(**r._mapping)
                    for r in conn.execute(
                        select(*(c for c in reg_series_events.c if c.name != "id"))
                        .where((reg_series_events.c.prefix == prefix) & (reg_series_events.c.year == year))
                        .order_by(reg_series_events.c.id)
                    )
                )
            return SeriesState(prefix, year, max(counter or 1, highest + 1), highest, events)

        return self._guarded(run)

    def unexplained_gaps(self, prefix: str, year: int) -> list[int]:
        """Sequence numbers below the highest one that have no row and were not skipped by an
        audited ``set-next``. Always empty for a sound register; the must-hold tests use it."""
        state = self.series(prefix, year)
        taken = {e.seq for e in self.entries(prefix=prefix, year=year)}
        skipped: set[int] = set()
        for ev in state.events:
            if ev.old_next is not None and ev.new_next is not None:
                skipped.update(range(ev.old_next, ev.new_next))
        return [s for s in range(1, state.highest + 1) if s not in taken and s not in skipped]

    def record_quotes(self, number: str, quotes: Sequence[QuotedPassage]) -> None:
        """Record what a reserved number's document quotes (before it is issued, so every issued
        number that quotes the corpus has its rows). Recorded once per number."""

        def run() -> None:
            with write_transaction(self.engine) as conn:
                row = self._row(conn, number)
                if row.status != "reserved":
                    raise RegisterError(f"{row.number} is {row.status}; quotes are recorded before issue")
                if conn.execute(select(func.count()).select_from(reg_quotes)
                                .where(reg_quotes.c.number == row.number)).scalar_one():
                    raise RegisterError(f"{row.number}: its quoted sources are already recorded")
                if quotes:
                    conn.execute(reg_quotes.insert(), [
                        {"number": row.number, "position": i, **asdict(q)}
                        for i, q in enumerate(quotes, 1)
                    ])

        self._guarded(run)

    def issued_quotes(self) -> dict[str, list[QuotedPassage]]:
        """Issued number → the passages it quotes, in number order (what ``db check`` checks)."""

        def run() -> dict[str, list[QuotedPassage]]:
            query = (
                select(reg_quotes.c.number, *_QUOTE_COLUMNS)
                .join(reg_numbers, reg_numbers.c.number == reg_quotes.c.number)
                .where(reg_numbers.c.status == "issued")
                .order_by(reg_numbers.c.prefix, reg_numbers.c.year, reg_numbers.c.seq,
                          reg_quotes.c.position)
            )
            found: dict[str, list[QuotedPassage]] = {}
            with self._read() as conn:
                for number, *rest in conn.execute(query):
                    found.setdefault(number, []).append(QuotedPassage(*rest))
            return found

        return self._guarded(run)

    def check_files(self, number: str) -> list[FileCheck]:
        """Compare each registered output with the file on disk now."""
        checks = []
        for f in self.get(number).files:
            p = Path(f.path)
            state = "missing" if not p.is_file() else ("ok" if sha256_file(p) == f.sha256 else "changed")
            checks.append(FileCheck(f.role, f.path, state))
        return checks


def reserved_warning(entries: Sequence[RegisterEntry]) -> str | None:
    """The clerk's warning for ``Register.reserved_warnings()`` rows, or None when there are none."""
    if not entries:
        return None
    names = "、".join(e.number for e in entries)
    command = "policykit register recover"
    if not all(_is_local(e.owner) and _process_gone(e.owner) for e in entries):
        command += " --older-than-hours 24"  # a process on another machine: only age tells
    return (
        f"warning: {len(entries)} number(s) reserved and never issued by a process that is gone:"
        f" {names} — they stay gaps in the register until `{command}` voids them"
    )


def _block_detail(reissue_of: str | None, first: int, size: int) -> str | None:
    parts = []
    if size > 1:
        parts.append(f"block of {size} from {first}")
    if reissue_of:
        parts.append(f"reissue of {reissue_of}")
    return "; ".join(parts) or None


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def _is_connection_error(exc: DBAPIError) -> bool:
    """psycopg's OperationalError/InterfaceError: the connection or server, not the statement."""
    name = type(exc.orig).__name__ if exc.orig is not None else ""
    return name in ("OperationalError", "InterfaceError", "AdminShutdown", "ConnectionFailure")
