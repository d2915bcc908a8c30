"""The 发文登记簿's tables (``reg_*``) on the data layer's one ``METADATA``.

``reg_numbers``, ``reg_files`` and ``reg_events`` keep the names and columns the register has had
since it lived in hand-written SQLite, so an existing store opens without a data migration.
Added since: ``reg_counters`` (one row per series, the row allocation locks with ``SELECT … FOR
UPDATE``) and ``reg_series_events`` (audit of changes to a series itself, e.g. ``set-next``).

The ledger rules (rows never deleted, a status only moves reserved → issued → voided, an allocated
number never changes) are enforced by the database itself, as triggers on each engine, so no
client (old policykit, a SQL console) can break them.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from toolkit.db.metadata import METADATA

STATUSES = ("reserved", "issued", "voided")

reg_numbers = Table(
    "reg_numbers",
    METADATA,
    Column("number", Text, primary_key=True),
    Column("prefix", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, CheckConstraint("seq >= 1", name="seq_positive"), nullable=False),
    Column("office", Text, nullable=False),
    Column("doc_type", Text, nullable=False),
    Column("case_id", Text),
    Column("doc_date", Text),
    Column("template_version", Text),
    Column(
        "status",
        Text,
        CheckConstraint("status IN ('reserved', 'issued', 'voided')", name="status_known"),
        nullable=False,
    ),
    Column("reserved_at", Text, nullable=False),
    Column("issued_at", Text),
    Column("voided_at", Text),
    Column("void_reason", Text),
    Column("reissue_of", Text, ForeignKey("reg_numbers.number")),
    Column("owner", Text, nullable=False),
    UniqueConstraint("prefix", "year", "seq", name="uq_reg_numbers_series_seq"),
)
Index("reg_numbers_by_year", reg_numbers.c.year, reg_numbers.c.office)
Index("reg_numbers_by_reissue", reg_numbers.c.reissue_of)
Index("reg_numbers_by_case", reg_numbers.c.case_id)

reg_files = Table(
    "reg_files",
    METADATA,
    Column("number", Text, ForeignKey("reg_numbers.number"), nullable=False),
    Column("role", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("size", Integer, nullable=False),
    PrimaryKeyConstraint("number", "role"),
)

reg_events = Table(
    "reg_events",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", Text, ForeignKey("reg_numbers.number"), nullable=False),
    Column("at", Text, nullable=False),
    Column("event", Text, nullable=False),
    Column("detail", Text),
)

reg_counters = Table(
    "reg_counters",
    METADATA,
    Column("prefix", Text, nullable=False),
    Column("year", Integer, nullable=False),
    # the lowest seq the next allocation may take; the allocator also never goes below
    # MAX(seq) + 1, so a store written before this table existed continues where it was
    Column("next_seq", Integer, CheckConstraint("next_seq >= 1", name="next_positive"), nullable=False),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("prefix", "year"),
)

reg_series_events = Table(
    "reg_series_events",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("prefix", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("office", Text),
    Column("doc_type", Text),
    Column("at", Text, nullable=False),
    Column("event", Text, nullable=False),
    Column("old_next", Integer),
    Column("new_next", Integer),
    Column("detail", Text),
    Column("actor", Text, nullable=False),
)
Index("reg_series_events_by_series", reg_series_events.c.prefix, reg_series_events.c.year)

# What an issued notice quotes (schema revision 0003): one row per quoted node, with the hashes
# of the stored text it quoted, so `db check` can say which numbers quote a text that changed.
reg_quotes = Table(
    "reg_quotes",
    METADATA,
    Column("number", Text, ForeignKey("reg_numbers.number"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("doc_id", Text, nullable=False),
    Column("eid", Text, nullable=False),
    Column("source_id", Text, nullable=False),
    Column("source_sha256", Text, nullable=False),  # the stored source file's sha256
    Column("text_sha256", Text, nullable=False),  # the document's text hash (extractors.identity)
    Column("passage_sha256", Text, nullable=False),  # the quoted node and all below it
    PrimaryKeyConstraint("number", "position"),
)
Index("reg_quotes_by_doc", reg_quotes.c.doc_id)

TABLES = (reg_numbers, reg_files, reg_events, reg_counters, reg_series_events, reg_quotes)

# -- ledger triggers, one set per engine (idempotent: run on every open) ----------------------

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS reg_numbers_keep BEFORE DELETE ON reg_numbers
BEGIN
    SELECT RAISE(ABORT, 'register rows are never deleted (void the number instead)');
END""",
    """CREATE TRIGGER IF NOT EXISTS reg_numbers_forward BEFORE UPDATE OF status ON reg_numbers
WHEN NOT (OLD.status = NEW.status
          OR (OLD.status = 'reserved' AND NEW.status IN ('issued', 'voided'))
          OR (OLD.status = 'issued' AND NEW.status = 'voided'))
BEGIN
    SELECT RAISE(ABORT, 'register status can only move reserved → issued → voided');
END""",
    """CREATE TRIGGER IF NOT EXISTS reg_numbers_fixed BEFORE UPDATE OF number, prefix, year, seq
ON reg_numbers
BEGIN
    SELECT RAISE(ABORT, 'an allocated number never changes');
END""",
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION reg_numbers_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'register rows are never deleted (void the number instead)';
    END IF;
    IF NEW.number IS DISTINCT FROM OLD.number OR NEW.prefix IS DISTINCT FROM OLD.prefix
       OR NEW.year IS DISTINCT FROM OLD.year OR NEW.seq IS DISTINCT FROM OLD.seq THEN
        RAISE EXCEPTION 'an allocated number never changes';
    END IF;
    IF NOT (OLD.status = NEW.status
            OR (OLD.status = 'reserved' AND NEW.status IN ('issued', 'voided'))
            OR (OLD.status = 'issued' AND NEW.status = 'voided')) THEN
        RAISE EXCEPTION 'register status can only move reserved → issued → voided';
    END IF;
    RETURN NEW;
END $$
"""

_PG_TRIGGER = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'reg_numbers_ledger'
                   AND tgrelid = 'reg_numbers'::regclass) THEN
        CREATE TRIGGER reg_numbers_ledger BEFORE UPDATE OR DELETE ON reg_numbers
        FOR EACH ROW EXECUTE FUNCTION reg_numbers_ledger();
    END IF;
END $$
"""

# PostgreSQL has no "CREATE TABLE IF NOT EXISTS" race safety: concurrent first opens of a fresh
# database serialise on this advisory lock (an arbitrary constant, the register's own).
_PG_SCHEMA_LOCK = 0x7E61_5354


def ensure_schema(conn: Connection) -> None:
    """Create what is missing (tables, indexes, triggers) inside the caller's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SCHEMA_LOCK})
    METADATA.create_all(conn, tables=list(TABLES), checkfirst=True)
    for table in TABLES:  # a store made before an index existed gets it too
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        conn.execute(DDL(_PG_FUNCTION))
        conn.execute(DDL(_PG_TRIGGER))
    else:
        for statement in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(statement)
