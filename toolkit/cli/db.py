"""``policykit db upgrade | current | check | copy``: the store's schema, soundness and moves.

Thin shells over ``toolkit.db``: ``upgrade`` brings a store made by an earlier policykit to this
one's schema in place (one transaction); ``current`` names its revision; ``check`` runs the
integrity check, the schema revision, the row counts, the stored sources against their content
hashes and the register's soundness (toolkit.db.check), one report; ``copy SRC DST`` moves a store to another
engine and compares every table after. Exit 0 when all is well, 2 for a store that is not (one
line on stderr naming it).
"""

from __future__ import annotations

import click

from toolkit.cli.errors import fail, one_line_errors
from toolkit.cli.main import as_db, db_path


def _known() -> tuple[type[BaseException], ...]:
    return ()  # the data layer's errors are known to every command (toolkit/cli/errors.py)


_errors = one_line_errors(_known)


def _engine(db):
    from toolkit.db.engine import engine_for
    from toolkit.db.schema import preflight

    return engine_for(preflight(db))


@click.group("db")
def db() -> None:
    """The store's schema (Alembic), integrity and copies between engines."""


@db.command("upgrade")
@click.pass_context
@_errors
def upgrade_cmd(ctx: click.Context) -> None:
    """Bring the store to this policykit's schema, in place (back it up first)."""
    from toolkit.db.schema import head, upgrade
    from toolkit.db.url import describe

    engine = _engine(db_path(ctx))
    try:
        before = upgrade(engine)
    finally:
        engine.dispose()
    target = describe(engine.url)
    if before.kind == "current":
        click.echo(f"{target}: already at schema {head()}")
    elif before.kind == "empty":
        click.echo(f"{target}: new store created at schema {head()}")
    else:
        was = "pre-Alembic baseline 0001" if before.kind == "legacy" else before.revision
        click.echo(f"{target}: upgraded from {was} to {head()}")


@db.command("current")
@click.pass_context
@_errors
def current_cmd(ctx: click.Context) -> None:
    """The store's schema revision and this policykit's."""
    from toolkit.db.schema import current_revision, head
    from toolkit.db.url import describe

    engine = _engine(db_path(ctx))
    try:
        st = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"{describe(engine.url)}: {st.kind} (revision {st.revision or 'none'}; "
               f"this policykit: {head()})")
    if st.kind not in ("current",):
        raise SystemExit(2)


@db.command("check")
@click.option("--full", is_flag=True, help="SQLite integrity_check (every index) instead of quick_check.")
@click.pass_context
@_errors
def check_cmd(ctx: click.Context, full: bool) -> None:
    """Integrity, schema revision, row counts, the search index, the stored law against its
    content hashes, and the 发文登记簿 (every number explained, issued files and quoted sources
    unchanged). One report; exit 2 on any problem."""
    from toolkit.db.check import check_contents, check_store, damage_of
    from toolkit.db.errors import StoreError
    from toolkit.db.schema import preflight

    given = ctx.find_root().obj["db"]
    try:
        preflight(given)
    except StoreError:
        # the preflight could not read the schema (damage there looks like a foreign file):
        # SQLite's own check says which, and damage is reported as damage
        damaged = damage_of(given)
        if damaged:
            fail(f"{damaged}; restore it from a backup (docs/deploy.md) — nothing should be "
                 "issued from it")
    engine = _engine(db_path(ctx))  # anything else: the preflight's own line
    try:
        report = check_store(engine, full=full)
    finally:
        engine.dispose()
    click.echo(report.integrity)
    if not report.sound:
        fail(f"{report.target}: the store is damaged; restore it from a backup "
             "(docs/deploy.md) — nothing should be issued from it")
    st = report.state
    click.echo(f"schema: {st.kind} (revision {st.revision or 'none'}; this policykit: {report.head})")
    if st.kind != "current":
        fail(f"{report.target}: schema {st.kind}; run `policykit --db {report.target} db upgrade`"
             if st.kind in ("legacy", "older") else f"{report.target}: schema {st.kind}")
    for name, n in report.counts.items():
        click.echo(f"  {name:<20} {n:>8}")
    problems = []
    if report.indexed is not None:
        click.echo(f"  {'search index':<20} {report.indexed:>8} of {report.indexable} nodes")
    if report.indexed != report.indexable:
        problems.append(f"the search index has {report.indexed} rows for {report.indexable} nodes")
    contents = check_contents(db_path(ctx))
    _section(f"sources: {contents.sources} checked against their content hashes",
             contents.source_problems)
    _section(f"register: {contents.numbers} number(s) checked (gaps, numbers left reserved, issued "
             "files, quoted sources)", contents.register_problems)
    notes = list(contents.notes)
    if report.absent:  # e.g. the web's accounts and jobs tables, made when first used
        notes.append(f"table(s) not created yet (made on first use): {', '.join(report.absent)}")
    for note in notes:
        click.echo(f"note: {note}")
    problems += contents.problems
    if problems:
        fail(f"{report.target}: {len(problems)} problem(s) found: "
             + "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else ""))


def _section(title: str, problems: tuple[str, ...]) -> None:
    """``title: ok`` or the title with each problem on its own line."""
    if not problems:
        click.echo(f"{title}: ok")
        return
    click.echo(f"{title}: {len(problems)} problem(s)")
    for p in problems:
        click.echo(f"  PROBLEM {p}")


@db.command("copy")
@click.argument("source")
@click.argument("target")
@_errors
def copy_cmd(source: str, target: str) -> None:
    """Copy the store SOURCE into the new, empty store TARGET (e.g. a file to postgresql://…)."""
    from toolkit.db.copy import copy_store

    src, dst = _engine(as_db(source)), _engine(as_db(target))
    try:
        report = copy_store(src, dst)
    finally:
        src.dispose()
        dst.dispose()
    click.echo(f"copied {report.source} → {report.target} (every table compared after):")
    for name, n in report.counts.items():
        click.echo(f"  {name:<20} {n:>8}")
    click.echo(f"  {'search index':<20} {report.indexed:>8} (rebuilt)")
