"""Writing output files complete or not at all.

Every report, notice, export and PDF policykit writes goes through :func:`atomic_write`: the bytes
go to a temporary file in the target folder, are flushed to disk, and the file is renamed over the
target in one step. A crash or an error leaves either the previous file or none, never half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | Path, data: bytes | str, *, make_parents: bool = True) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically; returns the path."""
    path = Path(path)
    tmp = _staged(path, data, make_parents)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_create(path: str | Path, data: bytes | str, *, make_parents: bool = True) -> Path:
    """Like :func:`atomic_write`, but never replaces a file: ``FileExistsError`` if ``path``
    exists (checked by the link that publishes the file, so two writers cannot both win)."""
    path = Path(path)
    tmp = _staged(path, data, make_parents)
    try:
        os.link(tmp, path)  # fails if path exists; rename would silently replace it
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _staged(path: Path, data: bytes | str, make_parents: bool) -> Path:
    """``data`` complete and synced in a temporary file beside ``path``, ready to publish."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates 0600; an output file gets the permissions an ordinary new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_new(path: str | Path, data: bytes | str, *, attempts: int = 999) -> Path:
    """Write ``data`` to ``path`` or, if that exists, to ``stem-2.suffix``, ``stem-3.suffix`` …
    (an output is never overwritten without being asked); returns the path written."""
    path = Path(path)
    for n in range(1, attempts + 1):
        target = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            return atomic_create(target, data)
        except FileExistsError:
            continue
    raise FileExistsError(f"{path}: {attempts} files of this name exist already")
