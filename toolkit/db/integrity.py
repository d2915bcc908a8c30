"""Is the store sound? Checked before a 文号 is taken, and on demand.

A damaged SQLite file can still answer the few pages an allocation touches, so without a check it
would hand out a number from a store whose other pages (the corpus a notice quotes, earlier register
rows) are unreadable. SQLite's ``PRAGMA quick_check`` reads every page and verifies the b-trees
(seconds for a large store, milliseconds for ours); ``integrity_check`` adds index/row agreement.
A PostgreSQL server guards its own pages (checksums, WAL), so there a cheap query that proves the
server answers and the catalog reads is the sanity check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from toolkit.db.engine import DatabaseUnavailable, connect, engine_for
from toolkit.db.url import describe

MAX_PROBLEMS = 20  # a damaged file can list thousands; the first few say enough


class StoreDamaged(RuntimeError):
    """The store failed its integrity check; the message names it and the first problem."""


@dataclass(frozen=True)
class IntegrityReport:
    target: str  # the store as it may be printed (path, or URL without password)
    engine: str  # "sqlite" | "postgresql"
    mode: str  # "quick" | "full" | "sanity"
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        """One line for the user."""
        if self.ok:
            return f"{self.target}: {self.mode} check ok"
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.target}: the store is damaged ({self.mode} check: {self.problems[0]}{more})"


def check(db: str | Path | Engine, *, full: bool = False) -> IntegrityReport:
    """Check the store ``db`` (a path, a URL or an engine). Never raises for damage: the report
    says what failed. A server that cannot be reached raises ``DatabaseUnavailable``."""
    engine = db if isinstance(db, Engine) else engine_for(db)
    target = describe(engine.url)
    if engine.dialect.name == "sqlite":
        if engine.url.database and not Path(engine.url.database).is_file():
            return IntegrityReport(target, "sqlite", "quick", ("the file does not exist",))
        mode = "full" if full else "quick"
        pragma = "integrity_check" if full else "quick_check"
        try:
            with connect(engine) as conn:
                rows = conn.exec_driver_sql(f"PRAGMA {pragma}({MAX_PROBLEMS})").scalars().all()
        except (DBAPIError, DatabaseUnavailable) as exc:
            return IntegrityReport(target, "sqlite", mode, (_reason(exc),))
        # a row may hold several lines ("*** in database main ***\nPage 229: …"): one per problem
        problems = tuple(
            line.strip()
            for r in rows
            for line in str(r).splitlines()
            if line.strip() and line.strip() != "ok" and not line.startswith("***")
        )
        return IntegrityReport(target, "sqlite", mode, problems)
    with connect(engine) as conn:
        try:
            conn.execute(text("SELECT count(*) FROM pg_catalog.pg_class")).scalar()
            if full:
                # every table of ours read to the end: a broken page fails the scan
                for name in conn.execute(
                    text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
                ).scalars():
                    conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
        except DBAPIError as exc:
            return IntegrityReport(target, "postgresql", "full" if full else "sanity", (_reason(exc),))
    return IntegrityReport(target, "postgresql", "full" if full else "sanity", ())


def require_intact(engine: Engine) -> None:
    """Raise ``StoreDamaged`` (one line naming the store) unless the quick check passes."""
    report = check(engine)
    if not report.ok:
        raise StoreDamaged(report.line())


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
