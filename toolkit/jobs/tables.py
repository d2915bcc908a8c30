"""The ``jobs`` table."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from toolkit.db.metadata import METADATA

jobs = Table(
    "jobs", METADATA,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False, index=True),  # see STATES
    Column("owner", String(64), nullable=True),
    Column("params", Text, nullable=False),  # JSON
    Column("stage", String(32), nullable=True),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("result", Text, nullable=True),  # JSON
    Column("error", Text, nullable=True),
    Column("runner", String(128), nullable=True),  # host:pid that runs it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)
