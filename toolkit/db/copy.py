"""``policykit db copy SRC DST``: move a store to another engine (the embedded file to a server).

Generic over every table on METADATA, parents before children (``METADATA.sorted_tables``); a
column that refers to its own table (a reissued 文号 pointing at the number it replaces) is
filled in after all rows are in, so row order never matters. The destination must be empty; it is
created at head and filled in ONE transaction, the search index rebuilt from the nodes, and the
row counts and a digest of every table compared with the source before the commit: a copy is
complete and equal, or absent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Table, func, select, text

from toolkit.db.engine import connect, write_transaction
from toolkit.db.errors import StoreError
from toolkit.db.schema import ensure_current, read_state
from toolkit.db.tables import load_all_tables
from toolkit.db.url import describe

BATCH = 2000


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    counts: dict[str, int]  # table → rows copied (equal on both sides)
    indexed: int  # search index rows rebuilt


def copy_store(src: Engine, dst: Engine) -> CopyReport:
    source, target = describe(src.url), describe(dst.url)
    with connect(src) as s:
        st = read_state(s)
    if st.kind != "current":
        raise StoreError(f"{source}: copy needs a store at this policykit's schema (it is {st.kind}"
                         f"{' ' + st.revision if st.revision else ''}); run `db upgrade` on it first")
    ensure_current(dst, create=True)
    tables = load_all_tables().sorted_tables
    from toolkit.store import rebuild_index  # the store owns how nodes are indexed

    with connect(src) as s, s.begin(), write_transaction(dst) as d:
        busy = [t.name for t in tables if d.execute(select(func.count()).select_from(t)).scalar()]
        if busy:
            raise StoreError(f"{target}: not empty (rows in {', '.join(busy)}); copy into a new store")
        counts = {t.name: _copy_table(s, d, t) for t in tables}
        _reset_sequences(d, tables)
        indexed = rebuild_index(d)
        for t in tables:
            if _digest(s, t) != _digest(d, t):
                raise StoreError(f"{target}: table {t.name} differs from {source} after the copy; "
                                 "nothing was written")
    return CopyReport(source, target, counts, indexed)


def _self_refs(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(s: Connection, d: Connection, table: Table) -> int:
    later = _self_refs(table)
    pk = list(table.primary_key.columns) or list(table.columns)
    result = s.execution_options(yield_per=BATCH).execute(select(table).order_by(*pk))
    n, deferred = 0, []
    for part in result.mappings().partitions():
        rows = [dict(r) for r in part]
        for r in rows:
            if any(r[c] is not None for c in later):
                deferred.append({**{k.name: r[k.name] for k in pk}, **{c: r[c] for c in later}})
                for c in later:
                    r[c] = None
        d.execute(table.insert(), rows)
        n += len(rows)
    for r in deferred:
        where = [k == r[k.name] for k in pk]
        d.execute(table.update().where(*where).values({c: r[c] for c in later}))
    return n


def _reset_sequences(d: Connection, tables: list[Table]) -> None:
    """PostgreSQL serial columns continue after the copied ids (SQLite needs nothing)."""
    if d.dialect.name != "postgresql":
        return
    for t in tables:
        for col in t.primary_key.columns:
            if col.autoincrement is True or (col.autoincrement == "auto" and len(t.primary_key) == 1
                                             and col.type.python_type is int):
                d.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', '{col.name}'),"
                    f" COALESCE((SELECT max({col.name}) FROM {t.name}), 1),"
                    f" (SELECT max({col.name}) FROM {t.name}) IS NOT NULL)"))


def _digest(conn: Connection, table: Table) -> str:
    pk = list(table.primary_key.columns) or list(table.columns)
    h = hashlib.sha256()
    for row in conn.execute(select(table).order_by(*pk)):
        h.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False, default=str).encode())
    return h.hexdigest()


def _canonical(value: object) -> object:
    """A value as both engines mean it: SQLite hands back a stored UTC time without its zone,
    PostgreSQL's timestamptz with it; the same instant must digest the same."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    return value
