"""``policykit register``: the 发文登记簿 — list, show, void, recover, set-next.

Thin shells over ``toolkit.issuing.register``. A problem is one line on stderr (exit 2), a server
that cannot be reached included. ``warn_reserved`` is what every issuing command prints before it
takes a number: reserved numbers left by dead processes, and the command that explains them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from toolkit.cli.errors import fail as _fail
from toolkit.cli.errors import one_line_errors
from toolkit.cli.main import db_path


def _known() -> tuple[type[BaseException], ...]:
    from toolkit.db.engine import DatabaseUnavailable
    from toolkit.db.integrity import StoreDamaged
    from toolkit.db.url import DatabaseUrlError
    from toolkit.issuing.numbering import NumberingError
    from toolkit.issuing.register import RegisterError

    return (RegisterError, NumberingError, DatabaseUnavailable, DatabaseUrlError, StoreDamaged)


_one_line_errors = one_line_errors(_known)


def open_register(ctx: click.Context, *, create: bool = False):
    """The register in the store chosen by ``--db``; a missing SQLite file is an error unless
    ``create`` (issuing makes it), a URL is opened as given."""
    from toolkit.issuing.register import Register

    db = db_path(ctx)
    if isinstance(db, Path) and not create and not db.exists():
        _fail(f"no register at {db} (use --db or POLICYKIT_DB)")
    return Register(db)


def warn_reserved(reg) -> None:
    """Print the reserved-number warning (stderr) if dead processes left any."""
    from toolkit.issuing.register import reserved_warning

    message = reserved_warning(reg.reserved_warnings())
    if message:
        click.echo(f"policykit: {message}", err=True)


def entry_line(e) -> str:
    extra = []
    if e.reissue_of:
        extra.append(f"reissue of {e.reissue_of}")
    if e.reissued_as:
        extra.append(f"reissued as {e.reissued_as}")
    if e.status == "voided":
        extra.append(f"voided: {e.void_reason}")
    tail = f"  ({'; '.join(extra)})" if extra else ""
    return (
        f"{e.number}\t{e.status}\t{e.office}\t{e.doc_type}\t{e.case_id or '-'}\t"
        f"{e.doc_date or '-'}{tail}"
    )


@click.group()
def register() -> None:
    """The 发文登记簿: every allocated 发文字号 and what became of it."""


@register.command("list")
@click.option("--year", type=int, help="Only this year's numbers.")
@click.option("--office", help="Only this office (id from corpus/offices.yaml).")
@click.option("--status", type=click.Choice(["reserved", "issued", "voided"]))
@click.option("--json", "as_json", is_flag=True, help="JSON instead of lines.")
@click.pass_context
@_one_line_errors
def register_list(ctx: click.Context, year: int | None, office: str | None, status: str | None, as_json: bool) -> None:
    """List register rows in number order (reserved rows are numbers still in production or
    left by a crash: see `register recover`)."""
    with open_register(ctx) as reg:
        rows = reg.entries(year=year, office=office, status=status)
        if as_json:
            click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        else:
            for row in rows:
                click.echo(entry_line(row))
            if not rows:
                click.echo("(no numbers)", err=True)
        warn_reserved(reg)


@register.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_one_line_errors
def register_show(ctx: click.Context, number: str, as_json: bool) -> None:
    """One number: its row, output files (checked against their SHA-256 now) and history."""
    with open_register(ctx) as reg:
        entry = reg.get(number)
        checks = {c.role: c.state for c in reg.check_files(entry.number)}
    quoted = _quote_states(ctx, entry)
    if as_json:
        data = entry.to_dict()
        for f in data["files"]:
            f["state"] = checks.get(f["role"])
        for q, state in zip(data["quotes"], quoted, strict=True):
            q["state"] = state
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(entry_line(entry))
    click.echo(f"  template: {entry.template_version or '-'}   reserved by {entry.owner} at {entry.reserved_at}")
    for f in entry.files:
        click.echo(f"  {f.role}: {f.path}  sha256 {f.sha256}  [{checks.get(f.role)}]")
    for q, state in zip(entry.quotes, quoted, strict=True):
        click.echo(f"  quotes: {q.doc_id} {q.eid}  source {q.source_id} sha256 {q.source_sha256[:16]}"
                   f"  text {q.text_sha256[:16]}  passage {q.passage_sha256[:16]}"
                   + (f"  [{state}]" if state else ""))
    for ev in entry.events:
        click.echo(f"  {ev.at}  {ev.event}" + (f"  {ev.detail}" if ev.detail else ""))


def _quote_states(ctx: click.Context, entry) -> list[str | None]:
    """Each quoted passage against the store now: ok, or what changed (None: no store to read,
    e.g. a register kept apart with --db)."""
    if not entry.quotes:
        return []
    from toolkit.db.errors import StoreError
    from toolkit.issuing.quoted import quote_problems
    from toolkit.store import Store

    try:
        with Store(db_path(ctx), create=False) as store:
            problems = quote_problems({entry.number: entry.quotes}, store)
    except StoreError:
        return [None] * len(entry.quotes)
    found: dict[tuple[str, str], list[str]] = {}
    for p in problems:
        found.setdefault((p.doc_id, p.eid), []).append(p.problem)
    return ["changed: " + "; ".join(found[(q.doc_id, q.eid)]) if (q.doc_id, q.eid) in found
            else "ok" for q in entry.quotes]


@register.command("void")
@click.argument("number")
@click.option("--reason", required=True, help="Why the number is voided (kept in the register).")
@click.pass_context
@_one_line_errors
def register_void(ctx: click.Context, number: str, reason: str) -> None:
    """Void a reserved or issued number. It stays in the register and is never reused."""
    with open_register(ctx) as reg:
        entry = reg.void(number, reason)
    click.echo(entry_line(entry))


@register.command("recover")
@click.option(
    "--older-than-hours",
    type=float,
    default=None,
    help="Also void reservations older than this, whatever their process (other machines).",
)
@click.pass_context
@_one_line_errors
def register_recover(ctx: click.Context, older_than_hours: float | None) -> None:
    """Void "reserved" rows whose issuing process died before finishing."""
    max_age = timedelta(hours=older_than_hours) if older_than_hours is not None else None
    with open_register(ctx) as reg:
        voided = reg.recover(max_age=max_age)
    for entry in voided:
        click.echo(entry_line(entry))
    click.echo(f"{len(voided)} reservation(s) voided", err=True)


@register.command("set-next")
@click.argument("office")
@click.argument("doc_type", metavar="TYPE")
@click.argument("year", type=int)
@click.argument("next_seq", metavar="N", type=int)
@click.option("--reason", required=True, help="Why (kept in the register's audit), e.g. 纸质登记簿已编至90号.")
@click.option("--offices", "offices_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Offices table (default corpus/offices.yaml).")
@click.pass_context
@_one_line_errors
def register_set_next(ctx: click.Context, office: str, doc_type: str, year: int, next_seq: int, reason: str, offices_file: Path | None) -> None:
    """Make N the next number of OFFICE's TYPE series for YEAR (an office already at 90号
    starts at 91). Audited; never backwards over a number the register holds."""
    from toolkit.issuing.numbering import DEFAULT_OFFICES, load_offices

    chosen = load_offices(offices_file or DEFAULT_OFFICES).get(office)
    with open_register(ctx, create=True) as reg:
        state = reg.set_next(
            prefix=chosen.prefix_for(doc_type), year=year, next_seq=next_seq, reason=reason,
            office=chosen.id, doc_type=doc_type,
        )  # fmt: skip
    last = state.events[-1]
    click.echo(f"{chosen.name} {doc_type} {year}: next number {state.next_number} (was {last.old_next}号; {last.detail})")
