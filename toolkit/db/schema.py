"""Which schema a store has, and bringing it to this policykit's (Alembic, in place).

A store is one of: empty (a new file or database), a pre-Alembic store (``PRAGMA user_version =
1``, the baseline revision), at a known revision (current, or older: ``policykit db upgrade``),
at a revision this policykit does not know (made by a newer one: refused, never touched), or
someone else's database (tables that are not ours: refused, never written). The state is read
without a write lock; only a change takes one and reads it again under it, so concurrent first
opens create the schema once and read-only stores open for reading.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, Connection, Engine, inspect, text

from toolkit.db.engine import connect, write_transaction
from toolkit.db.engine import engine_for as create_engine_for
from toolkit.db.errors import StoreError
from toolkit.db.tables import load_all_tables
from toolkit.db.url import database_url, describe

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the hand-written SQLite schema of the store before Alembic (user_version 1)
LEGACY_USER_VERSION = 1
_PG_SCHEMA_LOCK = 0x504B_5343  # advisory lock: one schema change at a time per database
# tables that belong to a store without being on METADATA (dialect-specific search indexes)
_OWN_EXTRA = ("alembic_version", "node_fts", "node_search",  # node_*: revisions 0001–0003
              "search_texts", "search_members", "search_tokens", "search_postings")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's autogenerate: the search indexes are ours but not on METADATA."""
    if type_ == "table" and name:
        return not (name in _OWN_EXTRA or name.startswith("node_fts_"))
    return not (type_ == "index" and name == "node_search_tokens")


@dataclass(frozen=True)
class SchemaState:
    kind: str  # "empty" | "legacy" | "current" | "older" | "newer" | "foreign"
    revision: str | None
    foreign_tables: tuple[str, ...] = ()


def config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head() or BASELINE


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(config()).get_revision(revision) is not None
    except CommandError:
        return False


def read_state(conn: Connection) -> SchemaState:
    names = set(inspect(conn).get_table_names())
    own = set(load_all_tables().tables) | set(_OWN_EXTRA)
    foreign = sorted(n for n in names - own
                     if not n.startswith(("sqlite_", "node_fts_", "reg_")))
    if foreign:
        return SchemaState("foreign", None, tuple(foreign))
    if "alembic_version" in names:
        revs = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if len(revs) != 1:
            return SchemaState("newer", ",".join(revs) or None)
        rev = revs[0]
        if not _known(rev):
            return SchemaState("newer", rev)
        return SchemaState("current" if rev == head() else "older", rev)
    user_version = (conn.exec_driver_sql("PRAGMA user_version").scalar_one()
                    if conn.dialect.name == "sqlite" else 0)
    if user_version > LEGACY_USER_VERSION:
        return SchemaState("newer", f"user_version {user_version}")
    if user_version == LEGACY_USER_VERSION:
        return SchemaState("legacy", BASELINE)
    return SchemaState("empty", None)  # nothing, or only the register's reg_* tables


def _refusal(target: str, st: SchemaState) -> StoreError | None:
    if st.kind == "foreign":
        return StoreError(f"{target}: not a policykit store (it holds other tables: "
                          f"{', '.join(st.foreign_tables[:5])}); nothing was written")
    if st.kind == "newer":
        return StoreError(f"{target}: store schema {st.revision} is newer than this policykit "
                          f"(it knows up to {head()}); use the policykit that wrote it")
    return None


def ensure_current(engine: Engine, *, create: bool) -> SchemaState:
    """Open-time check: a current store passes; an empty one is created at head when ``create``;
    anything else is refused with one line (an older one names ``policykit db upgrade``)."""
    target = describe(engine.url)
    with connect(engine) as conn:
        st = read_state(conn)
    if st.kind == "current":
        return st
    refused = _refusal(target, st)
    if refused:
        raise refused
    if st.kind in ("legacy", "older"):
        raise StoreError(f"{target}: store schema {st.revision} is older than this policykit "
                         f"({head()}); back it up, then run `policykit --db {target} db upgrade`")
    if not create:
        raise StoreError(f"{target}: no store here (run `policykit ingest` first)")
    return upgrade(engine, allow={"empty"})


def upgrade(engine: Engine, *, allow: set[str] | None = None) -> SchemaState:
    """Bring the store to head in one transaction (all or nothing). Returns the state found."""
    target = describe(engine.url)
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SCHEMA_LOCK})
        st = read_state(conn)  # again, under the lock: another process may have done it
        refused = _refusal(target, st)
        if refused:
            raise refused
        if st.kind == "current" or (allow is not None and st.kind not in allow | {"current"}):
            return st
        cfg = config(conn)
        if st.kind == "legacy":
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, "head")
    return st


def current_revision(engine: Engine) -> SchemaState:
    with connect(engine) as conn:
        return read_state(conn)


def preflight(db: str | Path | URL, *, server: bool = False) -> URL:
    """Before any engine touches ``db``: the URL (a missing folder refused), and for an existing
    SQLite file, proof that it is a database and not someone else's. Read through a read-only
    handle, since even the engine's connect pragmas (WAL) would write to a foreign file. With
    ``server``, a server database is read too (one connection) and refused when foreign or newer,
    before code that creates its own tables (the register) can write there."""
    url = database_url(db)
    if url.get_backend_name() != "sqlite":
        if server:
            engine = create_engine_for(url)
            try:
                with connect(engine) as conn:
                    refused = _refusal(describe(url), read_state(conn))
            finally:
                engine.dispose()
            if refused:
                raise refused
        return url
    if not url.database:
        return url
    path = Path(url.database)
    if not path.is_file() or path.stat().st_size == 0:
        return url
    try:
        cx = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            names = [r[0] for r in cx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            user_version = cx.execute("PRAGMA user_version").fetchone()[0]
        finally:
            cx.close()
    except sqlite3.DatabaseError as exc:
        reason = str(exc)
        if "malformed" in reason or "not a database" in reason:
            raise StoreError(f"{path}: not a policykit store, or damaged ({reason}); "
                             "nothing was written") from None
        return url  # e.g. a WAL file we may not read this way: the real open will say
    own = set(load_all_tables().tables) | set(_OWN_EXTRA)
    foreign = sorted(n for n in names if n not in own
                     and not n.startswith(("sqlite_", "node_fts_", "reg_")))
    if foreign:
        raise StoreError(f"{path}: not a policykit store (it holds other tables: "
                         f"{', '.join(foreign[:5])}); nothing was written")
    if user_version > LEGACY_USER_VERSION and "alembic_version" not in names:
        raise StoreError(f"{path}: store schema user_version {user_version} is newer than this "
                         "policykit; use the policykit that wrote it")
    return url
