"""The ``policykit`` command: one click group, subcommands loaded lazily from their area modules.

Each area (corpus, compare, versions, rules, documents, issuing) keeps its commands in its own
module under ``toolkit.cli``; this file only lists them. Lazy loading keeps ``policykit --help``
fast (spaCy, pdfplumber and LibreOffice helpers are imported only by the commands that use them).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click

# command name → "module:attribute". Add a line here when an area gains a command.
COMMANDS: dict[str, str] = {
    "ingest": "toolkit.cli.corpus:ingest",
    "list": "toolkit.cli.corpus:list_documents",
    "show": "toolkit.cli.corpus:show",
    "export": "toolkit.cli.corpus:export",
    "search": "toolkit.cli.corpus:search",
    "calendar": "toolkit.cli.calendar:calendar",
    "compare": "toolkit.cli.compare:compare",
    "decide": "toolkit.cli.decide:decide",
    "diff": "toolkit.cli.versions:diff_cmd",
    "status": "toolkit.cli.versions:status_cmd",
    "history": "toolkit.cli.versions:history_cmd",
    "register": "toolkit.cli.issue:register",
    "issue": "toolkit.cli.issue:issue",
    "verify": "toolkit.cli.issue:verify",
    "seal": "toolkit.cli.issue:seal",
    "test-certificate": "toolkit.cli.issue:test_certificate",
    "notice": "toolkit.cli.notices:notice",
    "agreement": "toolkit.cli.notices:agreement",
    "templates": "toolkit.cli.notices:templates",
    "check": "toolkit.cli.notices:check",
    "batch": "toolkit.cli.batch:batch",
    "demo": "toolkit.cli.demo:demo",
    "serve": "toolkit.cli.web:serve",
    "user": "toolkit.cli.web:user",
}

DEFAULT_DB = "policykit.db"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"SQLite store (default: $POLICYKIT_DB or ./{DEFAULT_DB}).",
)
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """policykit: China's medical-insurance designation rules as structured, citable data."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or Path(os.environ.get("POLICYKIT_DB", DEFAULT_DB))


def db_path(ctx: click.Context) -> Path:
    """The store path chosen by ``--db`` / ``POLICYKIT_DB`` (for subcommands)."""
    return ctx.find_root().obj["db"]
