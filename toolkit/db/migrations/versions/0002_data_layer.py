"""The data layer: every table on METADATA that the store does not have yet.

This is the first release whose tables are all declared on ``toolkit.db.metadata.METADATA``
(the register's ``reg_*`` with its counters and series events, and whatever table modules
``toolkit/db/tables.py`` lists: accounts, audit, jobs). A pre-Alembic store already has the
corpus tables and maybe the register's three; everything missing is created as declared in this
release, and each module's ``ensure_schema`` adds what MetaData cannot say (ledger triggers).
From here on a change to any of these tables is a revision of its own with explicit operations.
On SQLite ``user_version`` becomes 2, so an older policykit refuses the store as newer instead
of mistaking it for someone else's file.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from toolkit.db.tables import load_all_tables, table_modules

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    load_all_tables().create_all(bind, checkfirst=True)
    for module in table_modules():
        hook = getattr(module, "ensure_schema", None)
        if hook is not None:
            hook(bind)
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA user_version = 2")


def downgrade() -> None:
    raise NotImplementedError("a store is never downgraded: restore the backup taken before upgrade")
