"""``policykit serve`` and ``policykit user add|passwd|list|disable|enable|roles``.

Accounts are made here, on the server, never through a page: there is no default password, and
the first admin exists only when someone with a shell created it. ``user add`` prompts for the
password (or takes ``--random`` and prints a generated one once).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from toolkit.cli.errors import fail, one_line_errors
from toolkit.cli.main import db_path


def _known() -> tuple[type[BaseException], ...]:
    from toolkit.accounts.passwords import PasswordError
    from toolkit.accounts.users import AccountError
    from toolkit.db.engine import DatabaseUnavailable
    from toolkit.db.url import DatabaseUrlError
    from toolkit.issuing.numbering import NumberingError

    return (AccountError, PasswordError, DatabaseUnavailable, DatabaseUrlError, NumberingError)


_errors = one_line_errors(_known)


def _accounts(ctx: click.Context):
    from toolkit.accounts.users import Accounts

    return Accounts.open(str(db_path(ctx)))


def _check_offices(offices: tuple[str, ...]) -> list[str]:
    """Office ids as in corpus/offices.yaml (a name is accepted and turned into its id)."""
    from toolkit.issuing.numbering import load_offices

    table = load_offices()
    return [table.get(o).id for o in offices]


def random_password() -> str:
    return secrets.token_urlsafe(12)


def _signing_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The signing key options shared by `serve` and `worker` (keys stay on the server)."""
    for option in reversed((
        click.option("--sign-p12", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="PKCS#12 signing key kept on this server."),
        click.option("--passphrase-env", default="POLICYKIT_SIGN_PASSPHRASE", show_default=True,
                     help="Environment variable holding the key's passphrase."),
        click.option("--test-cert", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Sign with a TEST certificate made in this folder (demos only)."),
    )):
        command = option(command)
    return command


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Server processes (use PostgreSQL for more than one desk: docs/deploy.md).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for issued files and reports (default: web-out beside the store).")
@_signing_options
@click.pass_context
@_errors
def serve(ctx: click.Context, host: str, port: int, workers: int, out_dir: Path | None,
          sign_p12: Path | None, passphrase_env: str, test_cert: Path | None) -> None:
    """Serve policykit in the browser (http://HOST:PORT), on the store given by --db."""
    import uvicorn

    from toolkit.accounts.users import Accounts

    db = str(db_path(ctx))
    if "://" not in db and not Path(db).exists():
        fail(f"{db}: no store here: run `policykit --db {db} ingest corpus/` first")
    if Accounts.open(db).count() == 0:
        fail(f"{db}: no accounts yet: create the first admin with "
             f"`policykit --db {db} user add NAME --role admin`")
    _export_settings(db, out_dir, sign_p12, passphrase_env, test_cert)
    click.echo(f"policykit: serving {db} on http://{host}:{port}/ ({workers} worker(s))", err=True)
    uvicorn.run("toolkit.web.app:from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


def _export_settings(db: str, out_dir: Path | None, sign_p12: Path | None, passphrase_env: str,
                     test_cert: Path | None) -> None:
    """The options as POLICYKIT_* for ``toolkit.web.settings.from_env`` (each uvicorn process
    and each worker reads the same settings from there)."""
    os.environ["POLICYKIT_DB"] = db
    for key, value in (("POLICYKIT_WEB_OUT", out_dir), ("POLICYKIT_SIGN_P12", sign_p12),
                       ("POLICYKIT_TEST_CERT", test_cert)):
        if value is not None:
            os.environ[key] = str(Path(value).resolve())
    os.environ["POLICYKIT_SIGN_PASSPHRASE_ENV"] = passphrase_env


@click.command("worker")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(min=1),
              help="Jobs this process runs at once.")
@click.option("--once", is_flag=True, help="Run the waiting jobs, then stop (cron, tests).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for issued files (the same as `serve --out`).")
@_signing_options
@click.pass_context
@_errors
def worker(ctx: click.Context, concurrency: int, once: bool, out_dir: Path | None,
           sign_p12: Path | None, passphrase_env: str, test_cert: Path | None) -> None:
    """Run the web's background jobs (batch issuing, ingests) from the queue in the PostgreSQL store.

    Start one or more beside `policykit serve`, on any machine that reaches the database; on an
    embedded SQLite store the web runs its jobs itself and no worker is needed."""
    from toolkit.db.url import database_url, describe
    from toolkit.jobs.procrastinate_runner import ProcrastinateRunner
    from toolkit.jobs.store import JobStore
    from toolkit.web.app import job_handlers
    from toolkit.web.settings import from_env

    db = str(db_path(ctx))
    if database_url(db).get_backend_name() != "postgresql":
        fail(f"{db}: workers need a postgresql:// store; on SQLite `policykit serve` runs the "
             f"jobs itself")
    _export_settings(db, out_dir, sign_p12, passphrase_env, test_cert)
    settings = from_env()
    store = JobStore.open(db)
    runner = ProcrastinateRunner.open(db, store, job_handlers(settings),
                                      pool_size=concurrency + 3)
    click.echo(f"policykit: worker on {describe(database_url(db))} "
               f"({concurrency} at once)", err=True)
    runner.work(concurrency=concurrency, wait=not once)


@click.group("user")
def user() -> None:
    """Web accounts: add, passwd, list, disable, enable, roles."""


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              help="reader, drafter, clerk or admin (repeatable, or comma-separated).")
@click.option("--office", "offices", multiple=True,
              help="Office a clerk issues for (id or name in corpus/offices.yaml; repeatable).")
@click.option("--all-offices", is_flag=True, help="Bind a clerk to every office in the table.")
@click.option("--name", "display_name", default=None, help="The name shown on pages.")
@click.option("--random", "random_pw", is_flag=True,
              help="Generate the password and print it once (instead of a prompt).")
@click.option("--if-none", is_flag=True,
              help="Only when the store has no account yet (make serve on a fresh store).")
@click.pass_context
@_errors
def user_add(ctx: click.Context, username: str, roles: tuple[str, ...], offices: tuple[str, ...],
             all_offices: bool, display_name: str | None, random_pw: bool, if_none: bool) -> None:
    """Create an account. The password is asked twice (or generated with --random)."""
    accounts = _accounts(ctx)
    if if_none and accounts.count():
        return
    role_list = [r for text in roles for r in text.split(",")]
    chosen = _check_offices(offices)
    if all_offices:
        from toolkit.issuing.numbering import load_offices

        chosen = [o.id for o in load_offices()]
    if chosen and "clerk" not in role_list:
        fail("--office 只用于经办人员：请加上 --role clerk")
    if "clerk" in role_list and not chosen:
        fail("经办人员需要 --office（可重复）或 --all-offices")
    password = random_password() if random_pw else click.prompt(
        "password", hide_input=True, confirmation_prompt=True, err=True)
    made = accounts.add(username, password, role_list, offices=chosen, display_name=display_name)
    accounts.log(None, "user_add", f"{made.username} roles={','.join(sorted(made.roles))} "
                 f"offices={','.join(made.offices)} (command line)")
    click.echo(f"user {made.username} created: {', '.join(sorted(made.roles))}"
               + (f"; offices {', '.join(made.offices)}" if made.offices else ""))
    if random_pw:
        click.echo(f"password (shown once, change it with `policykit user passwd {made.username}`):"
                   f" {password}")


@user.command("passwd")
@click.argument("username")
@click.option("--random", "random_pw", is_flag=True, help="Generate one and print it once.")
@click.pass_context
@_errors
def user_passwd(ctx: click.Context, username: str, random_pw: bool) -> None:
    """Set a new password (every open session of the user ends)."""
    accounts = _accounts(ctx)
    accounts.get(username)
    password = random_password() if random_pw else click.prompt(
        "new password", hide_input=True, confirmation_prompt=True, err=True)
    accounts.set_password(username, password)
    accounts.log(None, "user_passwd", f"{username} (command line)")
    click.echo(f"password of {username} changed")
    if random_pw:
        click.echo(f"password (shown once): {password}")


@user.command("list")
@click.pass_context
@_errors
def user_list(ctx: click.Context) -> None:
    """The accounts: name, roles, offices, state."""
    for u in _accounts(ctx).list():
        state = "disabled" if u.disabled else "active"
        click.echo(f"{u.username}\t{','.join(sorted(u.roles))}\t{','.join(u.offices) or '-'}\t"
                   f"{state}")


@user.command("disable")
@click.argument("username")
@click.pass_context
@_errors
def user_disable(ctx: click.Context, username: str) -> None:
    """Stop an account from logging in (its sessions end at once; the audit log keeps it)."""
    _set_disabled(ctx, username, True)


@user.command("enable")
@click.argument("username")
@click.pass_context
@_errors
def user_enable(ctx: click.Context, username: str) -> None:
    """Let a disabled account log in again."""
    _set_disabled(ctx, username, False)


def _set_disabled(ctx: click.Context, username: str, disabled: bool) -> None:
    word = "disable" if disabled else "enable"
    accounts = _accounts(ctx)
    accounts.set_disabled(username, disabled)
    accounts.log(None, f"user_{word}", f"{username} (command line)")
    click.echo(f"user {username} {word}d")


@user.command("roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--office", "offices", multiple=True)
@click.pass_context
@_errors
def user_roles(ctx: click.Context, username: str, roles: tuple[str, ...],
               offices: tuple[str, ...]) -> None:
    """Replace an account's roles (and offices, when given)."""
    accounts = _accounts(ctx)
    role_list = [r for text in roles for r in text.split(",")]
    made = accounts.set_roles(username, role_list, _check_offices(offices) if offices else None)
    accounts.log(None, "user_roles", f"{username} roles={','.join(sorted(made.roles))} "
                 f"offices={','.join(made.offices)} (command line)")
    click.echo(f"{made.username}: {', '.join(sorted(made.roles))}"
               + (f"; offices {', '.join(made.offices)}" if made.offices else ""))


