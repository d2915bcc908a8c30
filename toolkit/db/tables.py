"""Every table module of the data layer, in one list: what Alembic creates and ``db copy`` moves.

Each area declares its tables on ``toolkit.db.metadata.METADATA`` in its own module; importing the
module registers them. A module may also define ``ensure_schema(conn)`` for what ``MetaData``
cannot say portably (the register's ledger triggers), run by the migration that creates its
tables. Add a line here when an area gains a table module.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from sqlalchemy import MetaData

from toolkit.db.metadata import METADATA

TABLE_MODULES: tuple[str, ...] = (
    "toolkit.db.store_tables",
    "toolkit.issuing.register_tables",
    "toolkit.accounts.tables",
    "toolkit.jobs.tables",
)


def load_all_tables() -> MetaData:
    """Import every table module; METADATA then holds every table of every area."""
    table_modules()
    return METADATA


def table_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in TABLE_MODULES]
