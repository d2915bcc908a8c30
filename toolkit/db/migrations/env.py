"""Alembic environment: always run on a connection the caller opened (toolkit.db.schema), inside
its transaction, so an upgrade is all or nothing and takes the caller's locks."""

from alembic import context

from toolkit.db.schema import include_name
from toolkit.db.tables import load_all_tables

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `policykit db upgrade` (toolkit.db.schema)")
# render_as_batch: SQLite alters a table by copying it, which later revisions will need
context.configure(connection=connection, target_metadata=load_all_tables(), render_as_batch=True,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
