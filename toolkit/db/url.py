"""What a user types for ``--db`` / ``POLICYKIT_DB``, as a SQLAlchemy URL.

A bare path is the embedded SQLite store (nothing to install for a single user); anything with a
scheme is a server URL. ``postgresql://`` is mapped to the psycopg 3 driver, the one we ship.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url


class DatabaseUrlError(ValueError):
    """The ``--db`` value cannot name a store."""


_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def is_url(db: str | Path | URL) -> bool:
    return isinstance(db, URL) or (isinstance(db, str) and "://" in db)


def database_url(db: str | Path | URL) -> URL:
    """``db`` as a URL. A SQLite path's folder must exist: a typo never silently makes directories."""
    if isinstance(db, URL):
        return db
    if is_url(db):
        try:
            url = make_url(str(db))
        except Exception as exc:  # sqlalchemy raises ArgumentError with a long text
            raise DatabaseUrlError(f"{db}: not a database URL ({exc})") from None
        driver = _DRIVERS.get(url.drivername)
        if driver:
            url = url.set(drivername=driver)
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseUrlError(f"{db}: only SQLite paths and postgresql:// URLs are supported")
        return url
    path = Path(db).expanduser()
    if not path.parent.exists():
        raise DatabaseUrlError(f"{path}: folder {path.parent} does not exist")
    return URL.create("sqlite", database=str(path.resolve()))


def describe(url: URL) -> str:
    """The URL as it may be printed: never the password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True).replace("+psycopg", "")
