"""The accounts tables on the shared ``METADATA``: users, their offices, the audit log.

The audit log is append-only in the database itself, not only by convention: a trigger refuses
UPDATE and DELETE on both engines, so a compromised page handler cannot rewrite history.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    event,
)

from toolkit.db.metadata import METADATA

users = Table(
    "acct_users", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=True),
    Column("password_hash", Text, nullable=False),
    Column("roles", String(128), nullable=False),  # comma-separated, from ROLES
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
)

user_offices = Table(
    "acct_user_offices", METADATA,
    Column("user_id", Integer, ForeignKey("acct_users.id", ondelete="CASCADE"), primary_key=True),
    Column("office", String(64), primary_key=True),  # office id from corpus/offices.yaml
)

audit = Table(
    "acct_audit", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("username", String(64), nullable=True),  # None: an anonymous attempt
    Column("action", String(32), nullable=False, index=True),
    Column("detail", Text, nullable=False, default=""),
    Column("remote", String(64), nullable=True),  # client address as the server saw it
)

TABLES = (users, user_offices, audit)

_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS acct_audit_no_{op.lower()} BEFORE {op} ON acct_audit "
    f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    for op in ("UPDATE", "DELETE")
]
_PG_GUARD = [
    "CREATE OR REPLACE FUNCTION acct_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER acct_audit_append_only BEFORE UPDATE OR DELETE ON acct_audit "
    "FOR EACH ROW EXECUTE FUNCTION acct_audit_append_only()",
]
for _sql in _SQLITE_GUARDS:
    event.listen(audit, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in _PG_GUARD:
    event.listen(audit, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
