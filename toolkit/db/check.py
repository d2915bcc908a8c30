"""``policykit db check``: is the store sound, at which schema, and how much is in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
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
            counts = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                      for t in load_all_tables().sorted_tables}
            indexable = int(conn.execute(
                select(func.count()).select_from(nodes)
                .where((nodes.c.text != "") | (func.coalesce(nodes.c.heading, "") != ""))
            ).scalar_one())
            indexed = SEARCH_INDEX[conn.dialect.name].count(conn)
    except DBAPIError as exc:
        return CheckReport(target, f"{target}: {exc.orig}", False, None, head())
    return CheckReport(target, line, True, state, head(), counts, indexed, indexable)
