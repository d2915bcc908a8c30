"""``policykit db check``: is the store sound, at which schema, and how much is in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import DBAPIError

from toolkit.db.engine import connect
from toolkit.db.schema import SchemaState, head, read_state
from toolkit.db.tables import load_all_tables
from toolkit.db.url import describe


@dataclass(frozen=True)
class CheckReport:
    target: str
    integrity: str  # one line: "quick check ok" or what failed
    sound: bool
    state: SchemaState | None
    head: str
    counts: dict[str, int] = field(default_factory=dict)
    indexed: int | None = None  # search index rows
    indexable: int | None = None  # nodes with a heading or text
    absent: tuple[str, ...] = ()  # declared tables not created yet (an area makes them on first use)

    @property
    def ok(self) -> bool:
        return (self.sound and self.state is not None and self.state.kind == "current"
                and self.indexed == self.indexable)


def _integrity(engine: Engine, full: bool) -> tuple[bool, str]:
    try:  # the register helper's module, when merged, also checks before a number is taken
        from toolkit.db.integrity import check as integrity_check
    except ImportError:
        integrity_check = None
    if integrity_check is not None:
        report = integrity_check(engine, full=full)
        return report.ok, report.line()
    if engine.dialect.name != "sqlite":
        return True, f"{describe(engine.url)}: server answers"
    pragma = "integrity_check" if full else "quick_check"
    try:
        with connect(engine) as conn:
            rows = conn.exec_driver_sql(f"PRAGMA {pragma}(20)").scalars().all()
    except DBAPIError as exc:
        return False, f"{describe(engine.url)}: {exc.orig}"
    problems = [r for r in rows if r != "ok"]
    return (not problems, f"{describe(engine.url)}: {pragma} "
            + ("ok" if not problems else f"failed: {problems[0]}"))


def damage_of(db) -> str | None:
    """For a SQLite file the preflight refused: "the store is damaged (quick check: …)" when
    SQLite's own check finds damage, None when it does not (then it is someone else's file).
    Read-only, and immutable unless a WAL is beside it, so nothing is written to the file."""
    import sqlite3
    from pathlib import Path
    from urllib.parse import quote

    if not isinstance(db, str | Path) or "://" in str(db) or not Path(db).is_file():
        return None
    path = Path(db)
    live = Path(f"{path}-wal").exists()
    uri = f"file:{quote(str(path))}?mode=ro{'' if live else '&immutable=1'}"
    try:
        cx = sqlite3.connect(uri, uri=True)
        try:
            rows = [r[0] for r in cx.execute("PRAGMA quick_check(20)")]
        finally:
            cx.close()
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    problems = [line.strip() for r in rows for line in str(r).splitlines()
                if line.strip() and line.strip() != "ok" and not line.startswith("***")]
    if not problems:
        return None
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{path}: the store is damaged (quick check: {problems[0]}{more})"


def check_store(engine: Engine, *, full: bool = False) -> CheckReport:
    from toolkit.db.store_tables import nodes
    from toolkit.store import SEARCH_INDEX

    target = describe(engine.url)
    sound, line = _integrity(engine, full)
    if not sound:
        return CheckReport(target, line, False, None, head())
    try:
        with connect(engine) as conn:
            state = read_state(conn)
            if state.kind != "current":
                return CheckReport(target, line, True, state, head())
            present = set(inspect(conn).get_table_names())
            declared = load_all_tables().sorted_tables
            counts = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                      for t in declared if t.name in present}
            absent = tuple(t.name for t in declared if t.name not in present)
            indexable = int(conn.execute(
                select(func.count()).select_from(nodes)
                .where((nodes.c.text != "") | (func.coalesce(nodes.c.heading, "") != ""))
            ).scalar_one())
            indexed = SEARCH_INDEX[conn.dialect.name].count(conn)
    except DBAPIError as exc:
        return CheckReport(target, f"{target}: {exc.orig}", False, None, head())
    return CheckReport(target, line, True, state, head(), counts, indexed, indexable, absent)


# -- what the store holds: the law's text against its hashes, and the 发文登记簿 ------------------


@dataclass(frozen=True)
class ContentReport:
    """The store's contents checked: every line names what it is about."""

    sources: int  # stored sources checked
    source_problems: tuple[str, ...]
    numbers: int  # register rows
    register_problems: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what cannot be checked, and is not wrong

    @property
    def problems(self) -> tuple[str, ...]:
        return self.source_problems + self.register_problems


def check_contents(db) -> ContentReport:
    """Stored sources against the text hashes recorded at ingest (and the manifest's, for bundled
    sources), and the register: every number explained (no unexplained gap, no reservation left
    by a dead process), issued files unchanged, and every quoted passage of an issued notice
    still what the store holds. ``db`` is what ``--db`` gave (a path or a URL) of a sound store
    at the current schema."""
    from toolkit.ingest import source_problems
    from toolkit.store import Store

    notes: list[str] = []
    with Store(db, create=False) as store:
        sources = store.sources()
        unhashed = {s.id for s in sources if (s.meta or {}).get("text_sha256") is None}
        found = [p for p in source_problems(store, _manifest())
                 if not (p.source_id in unhashed and p.doc_id is None)]
        if unhashed:
            notes.append(f"{len(unhashed)} source(s) stored before content hashes were kept (cannot be "
                         f"checked; re-ingest them to record one): {', '.join(sorted(unhashed))}")
        numbers, register_problems, register_notes = _register(db, store)
    return ContentReport(len(sources), tuple(str(p) for p in found), numbers,
                         tuple(register_problems), tuple(notes + register_notes))


def _manifest():
    from toolkit.manifest import ManifestError, load_manifest

    try:
        return load_manifest()
    except ManifestError:
        return None  # no bundled expectations: the ingest hashes are still checked


def _register(db, store) -> tuple[int, list[str], list[str]]:
    from toolkit.issuing.quoted import quote_problems
    from toolkit.issuing.register import Register, reserved_warning
    from toolkit.issuing.register_tables import TABLES

    with connect(store.engine) as conn:
        present = set(inspect(conn).get_table_names())
    if not all(t.name in present for t in TABLES):
        return 0, [], ["no 发文登记簿 in this store"]
    problems: list[str] = []
    notes: list[str] = []
    with Register(db, check_integrity=False) as reg:  # the integrity check ran above
        entries = reg.entries()
        for prefix, year in sorted({(e.prefix, e.year) for e in entries}):
            gaps = reg.unexplained_gaps(prefix, year)
            if gaps:
                problems.append(f"{prefix}〔{year}〕: number(s) {', '.join(map(str, gaps))} have no "
                                "register row and no audited set-next")
        stale = reserved_warning(reg.reserved_warnings())
        if stale:
            problems.append(stale.removeprefix("warning: "))
        missing = 0
        issued = [e for e in entries if e.status == "issued"]
        for e in issued:
            for f in reg.check_files(e.number):
                if f.state == "changed":
                    problems.append(f"{e.number}: issued {f.role} {f.path} was changed after it was "
                                    "registered (sha256 differs)")
                missing += f.state == "missing"
        if missing:
            notes.append(f"{missing} registered file(s) not found on this machine (moved, or kept "
                         "elsewhere): not checked")
        quotes = reg.issued_quotes()
        problems += [str(p) for p in quote_problems(quotes, store)]
        without = [e.number for e in issued if e.number not in quotes]
        if without:
            notes.append(f"{len(without)} issued number(s) with no quoted sources recorded (issued "
                         "before the register kept them, or quoting nothing)")
    return len(entries), problems, notes
