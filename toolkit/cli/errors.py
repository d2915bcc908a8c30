"""How every command fails: one line on stderr naming what went wrong, never a traceback.

Known errors (the ones an area raises for bad input: an unknown document, a bad date, a missing
LibreOffice…) exit 2; anything unexpected exits 1 as "internal error" — set POLICYKIT_DEBUG=1 to
see the traceback instead. The data layer's errors are known to every command: a store that
cannot be used (damaged, read-only, foreign, newer), a server that refuses, a ``--db`` that cannot
name a store; any other database error is one line naming the ``--db`` it came from.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"policykit: {message}", err=True)
    sys.exit(code)


def _data_layer_errors() -> tuple[type[BaseException], ...]:
    from toolkit.db.engine import DatabaseUnavailable
    from toolkit.db.errors import StoreError
    from toolkit.db.url import DatabaseUrlError

    return (StoreError, DatabaseUnavailable, DatabaseUrlError)


def _database_line(exc: BaseException) -> str | None:
    """A raw database error (from code that did not name its store) as one line, or None."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    ctx = click.get_current_context(silent=True)
    db = (ctx.find_root().obj or {}).get("db") if ctx is not None else None
    return f"{_printable(db)}: database error ({reason})" if db else f"database error ({reason})"


def _printable(db: object) -> str:
    from toolkit.db.url import database_url, describe

    try:
        return describe(database_url(db))  # never the password of a URL
    except Exception:  # noqa: BLE001 - a --db that is not even a URL is printed as given
        return str(db)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    os.dup2(os.open(os.devnull, os.O_WRONLY), fd)


def one_line_errors(known: Callable[[], tuple[type[BaseException], ...]]) -> Callable[[F], F]:
    """Decorate a command: ``known()`` (called lazily, so heavy modules load only on error
    paths) lists the exceptions that are the user's to fix."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except BrokenPipeError:  # `policykit list | head`: the reader left, nothing to report
                _quiet_stdout()
                sys.exit(1)
            except Exception as exc:
                if isinstance(exc, known() + _data_layer_errors()):
                    fail(str(exc).strip("'\""))
                line = _database_line(exc)
                if line:
                    fail(line)
                if isinstance(exc, OSError):
                    fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
                if os.environ.get("POLICYKIT_DEBUG"):
                    raise
                fail(f"internal error: {type(exc).__name__}: {exc}", 1)

        return wrapper  # type: ignore[return-value]

    return decorate
