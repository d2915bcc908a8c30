"""What a web server needs to know: the store, the output folder, the session secret, signing.

Read from the environment (``POLICYKIT_*``) so every ``--workers`` process of uvicorn sees the
same values; ``policykit serve`` sets them from its options. Signing keys stay on the server:
a path and the name of the variable holding the passphrase, never an upload.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from toolkit.db.url import is_url

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    db: str  # SQLite path or postgresql:// URL (the store, the register, accounts, jobs)
    out_dir: Path  # issued files, reports and batch ZIPs; downloads never leave it
    secret: str  # signs the session cookies (shared by every worker)
    cookie_secure: bool = False  # set behind HTTPS (docs/deploy.md)
    session_hours: float = 10.0  # one working day; then log in again
    upload_limit: int = 5 * MB
    sign_p12: Path | None = None
    sign_passphrase_env: str = "POLICYKIT_SIGN_PASSPHRASE"
    test_cert: Path | None = None  # demos only: a TEST certificate made in this folder
    inline_jobs: bool = False  # tests: run background jobs in the request thread

    @property
    def uploads(self) -> Path:
        return self.out_dir / "uploads"


def secret_for(db: str, out_dir: Path) -> str:
    """``POLICYKIT_SECRET``, else a random secret kept in ``<out>/.session-secret`` (created
    once, mode 600, with O_EXCL so two workers starting together agree on it)."""
    given = os.environ.get("POLICYKIT_SECRET")
    if given:
        return given
    path = out_dir / ".session-secret"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def from_env() -> Settings:
    db = os.environ.get("POLICYKIT_DB", "policykit.db")
    default_out = Path("out") if is_url(db) else Path(db).resolve().parent / "web-out"
    out_dir = Path(os.environ.get("POLICYKIT_WEB_OUT", default_out)).resolve()
    p12 = os.environ.get("POLICYKIT_SIGN_P12")
    test_cert = os.environ.get("POLICYKIT_TEST_CERT")
    return Settings(
        db=db, out_dir=out_dir, secret=secret_for(db, out_dir),
        cookie_secure=os.environ.get("POLICYKIT_COOKIE_SECURE", "") == "1",
        upload_limit=int(os.environ.get("POLICYKIT_UPLOAD_LIMIT", 5 * MB)),
        sign_p12=Path(p12) if p12 else None,
        sign_passphrase_env=os.environ.get("POLICYKIT_SIGN_PASSPHRASE_ENV",
                                           "POLICYKIT_SIGN_PASSPHRASE"),
        test_cert=Path(test_cert) if test_cert else None,
    )
