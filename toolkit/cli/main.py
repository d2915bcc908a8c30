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
    "register": "toolkit.cli.register:register",
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
    "db": "toolkit.cli.db:db",
    "serve": "toolkit.cli.web:serve",
    "user": "toolkit.cli.web:user",
    "worker": "toolkit.cli.web:worker",
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
    default=None,
    metavar="PATH|URL",
    help=f"The store: a SQLite file, or postgresql://user@host/db for a shared server "
         f"(default: $POLICYKIT_DB or ./{DEFAULT_DB}).",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """policykit: China's medical-insurance designation rules as structured, citable data."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = as_db(db or os.environ.get("POLICYKIT_DB", DEFAULT_DB))


def as_db(value: str) -> Path | str:
    """A server URL stays a string (a Path would fold its ``//``); anything else is a path."""
    return value if "://" in value else Path(value)


def db_path(ctx: click.Context) -> Path | str:
    """The store chosen by ``--db`` / ``POLICYKIT_DB`` (for subcommands): a Path for the embedded
    SQLite file, a URL string for a server. Checked on first use, before any command writes: a
    missing folder, a damaged file or another program's database is one line and exit 2."""
    obj = ctx.find_root().obj
    if not obj.get("db_checked"):
        from toolkit.cli.errors import fail
        from toolkit.db.engine import DatabaseUnavailable
        from toolkit.db.errors import StoreError
        from toolkit.db.schema import preflight
        from toolkit.db.url import DatabaseUrlError

        try:
            preflight(obj["db"], server=True)
        except (StoreError, DatabaseUrlError, DatabaseUnavailable) as exc:
            fail(str(exc))
        obj["db_checked"] = True
    return obj["db"]
