"""What a killed issuing run leaves behind, and cleaning it up on the next run.

``kill -9`` (or a power cut) gives the process no chance to run its ``finally`` blocks: its
temporary folders (``policykit-lo-*`` LibreOffice profiles, ``policykit-issue-*`` work folders,
``.lo-*`` staging folders beside the outputs) stay, and a LibreOffice it started (``oosplash``,
``soffice.bin``, in a session of their own) keeps running, reparented to init.

Every such folder gets an ``owner`` file: the pid and the kernel's start time of the process
that made it (a pid alone may be reused by an unrelated process). The next run removes the
folders whose owner is gone and kills the LibreOffice processes whose command line names the
profile of a gone owner. Only policykit's own folders and processes are touched: a folder without
a readable ``owner`` file, or a process not started with a ``policykit-lo-`` profile, is left alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OWNER = "owner"
PREFIXES = ("policykit-lo-", "policykit-issue-", "policykit-pdf-")
STAGING_PREFIX = ".lo-"


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 on (state, ppid, ...), None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # the command name (field 2) is in parentheses and may hold spaces
    return stat.rsplit(")", 1)[1].split()


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks), None if there is no such process."""
    fields = _stat_fields(pid)
    return fields[19] if fields else None


def process_key(pid: int | None = None) -> str:
    """``pid@starttime`` of a process (this one by default): unlike a pid, it names one
    process only, since the kernel hands a freed pid to the next process that asks."""
    pid = pid or os.getpid()
    start = _start_time(pid)
    return f"{pid}@{start}" if start is not None else str(pid)


def process_gone(key: str) -> bool | None:
    """True when the process named by ``process_key`` (or a bare pid, as older records have it)
    on this host has ended: no such pid, a pid now held by a process started at another time,
    or a killed process nobody has reaped yet (a zombie runs nothing). None if unreadable."""
    pid_text, _, start = key.partition("@")
    if not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    fields = _stat_fields(pid)
    if fields is None:
        if Path("/proc/self/stat").exists():
            return True
        try:  # no /proc: the pid alone is all there is
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    if fields[0] in ("Z", "X"):
        return True
    return bool(start) and fields[19] != start


def owner_text(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{pid} {_start_time(pid)}\n"


def mark_owner(folder: Path) -> Path:
    """Write ``folder/owner`` for this process; returns the folder."""
    (folder / OWNER).write_text(owner_text(), encoding="ascii")
    return folder


def make_temp_dir(prefix: str, dir: Path | str | None = None) -> Path:
    """``tempfile.mkdtemp`` with the owner file written at once."""
    return mark_owner(Path(tempfile.mkdtemp(prefix=prefix, dir=dir)))


def owner_alive(folder: Path) -> bool | None:
    """True if the folder's owner runs, False if it is gone, None if unknown (no owner file)."""
    try:
        pid_text, start = (folder / OWNER).read_text(encoding="ascii").split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    now = _start_time(pid)
    return now is not None and now == start


@dataclass
class Cleanup:
    folders: list[Path] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.folders or self.processes)

    def summary(self) -> str:
        return (f"cleaned up after an interrupted run: {len(self.folders)} temporary folder(s), "
                f"{len(self.processes)} LibreOffice process(es)")


def _dead_folders(root: Path, prefixes: tuple[str, ...]) -> list[Path]:
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.is_dir() and p.name.startswith(prefixes)
            and owner_alive(p) is False]


def _processes_using(profiles: set[str]) -> list[int]:
    """Pids whose command line names one of the profile folders."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if any(profile in cmdline for profile in profiles):
            found.append(int(entry.name))
    return found


def clean_leftovers(tmp_root: Path | str | None = None,
                    out_dirs: tuple[Path, ...] = ()) -> Cleanup:
    """Remove dead runs' temporary folders (in the temp directory, and ``.lo-*`` staging
    folders in ``out_dirs``) and kill the LibreOffice processes still using their profiles."""
    root = Path(tmp_root or tempfile.gettempdir())
    done = Cleanup()
    dead = _dead_folders(root, PREFIXES)
    profiles = {p.name for p in dead if p.name.startswith("policykit-lo-")}
    if profiles:
        for pid in _processes_using(profiles):
            try:
                group = os.getpgid(pid)
                if group == os.getpgrp():
                    continue  # never our own group (LibreOffice runs in a session of its own)
                os.killpg(group, signal.SIGKILL)  # oosplash + soffice.bin together
            except (ProcessLookupError, PermissionError):
                continue
            done.processes.append(pid)
    for out_dir in out_dirs:
        dead += _dead_folders(Path(out_dir), (STAGING_PREFIX,))
    for folder in dead:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            done.folders.append(folder)
    return done
