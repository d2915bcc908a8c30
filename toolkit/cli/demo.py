"""`policykit demo`: the main job of `make demo`, run on an ingested store."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from toolkit.cli.main import db_path


@click.command("demo")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the reports, notices and the signed PDF.")
@click.option("--on", "on", default=None, help="Demo date for validity (YYYY-MM-DD; default today).")
@click.pass_context
def demo(ctx: click.Context, out: Path, on: str | None) -> None:
    """Write the comparison report, version 对照表, decisions and sample notices under OUT."""
    from toolkit.demo import run_demo

    when = date.fromisoformat(on) if on else None

    def report(step) -> None:
        mark = "failed" if step.error else "ok"
        click.echo(f"[{mark}] {step.name}: {len(step.outputs)} files")
        for note in step.notes:
            click.echo(f"    {note}")
        if step.error:
            click.echo(f"    {step.error}", err=True)

    result = run_demo(db_path(ctx), out, on=when, report=report)
    click.echo(f"open {out / 'index.html'} for the list of outputs")
    click.echo("the same work in a browser: `make serve`, then http://127.0.0.1:8000/ "
               "(the admin password is printed once on the first run; docs/web.md)")
    if result.failed:
        click.echo(f"{len(result.failed)} demo step(s) failed: "
                   + ", ".join(s.name for s in result.failed), err=True)
        sys.exit(1)
