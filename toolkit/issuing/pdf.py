"""DOCX → PDF with LibreOffice headless.

One ``soffice`` run converts a whole batch (start-up dominates: ≈ 0.9 s for one file, ≈ 3 s for
twenty). Each process uses its own LibreOffice profile (``-env:UserInstallation``), because two
instances sharing a profile hand their work to each other or fail on its lock; the profile is kept
for the life of the process so later batches skip the first-start initialisation. Fonts come
through the bundled fontconfig aliases. Output is written to a temporary folder beside the target
and moved into place with ``os.replace``, so a PDF is either complete or absent. Every
temporary folder carries an owner file, and a process's first conversion cleans up what killed
runs left (their folders, their LibreOffice processes): toolkit/issuing/leftovers.py.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from toolkit.issuing.fonts import fontconfig_env
from toolkit.issuing.leftovers import STAGING_PREFIX, clean_leftovers, make_temp_dir

INSTALL_HINT = (
    "LibreOffice is not installed: run make demo / apt-get install libreoffice-writer-nogui"
)


class LibreOfficeMissing(RuntimeError):
    """``soffice`` is not on this machine."""


class ConversionError(RuntimeError):
    """LibreOffice failed, timed out, or produced no PDF for a file (the message names it)."""


def soffice_path() -> str:
    """The LibreOffice binary: ``$POLICYKIT_SOFFICE``, else ``soffice``/``libreoffice`` on PATH."""
    candidate = os.environ.get("POLICYKIT_SOFFICE")
    if candidate:
        if shutil.which(candidate):
            return shutil.which(candidate)  # type: ignore[return-value]
        raise LibreOfficeMissing(f"POLICYKIT_SOFFICE={candidate} is not executable. {INSTALL_HINT}")
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise LibreOfficeMissing(INSTALL_HINT)


_profiles: dict[int, Path] = {}


def _profile_dir() -> Path:
    """This process's private LibreOffice profile (keyed by pid: forked workers get their own)."""
    pid = os.getpid()
    if pid not in _profiles:
        path = make_temp_dir(f"policykit-lo-{pid}-")
        _profiles[pid] = path
        atexit.register(shutil.rmtree, path, True)
    return _profiles[pid]


def default_timeout(n_files: int) -> float:
    """Generous: a cold start plus a few seconds a file (a stuck instance is killed after it)."""
    return 60.0 + 5.0 * n_files


def convert_docx_to_pdf(
    docx_files: Sequence[Path | str],
    out_dir: Path | str,
    *,
    timeout_s: float | None = None,
) -> list[Path]:
    """Convert every file in one LibreOffice run; return the PDFs (``out_dir/<stem>.pdf``) in
    input order. Raises ``ConversionError`` naming each file that produced no PDF."""
    sources = [Path(f).resolve() for f in docx_files]
    if not sources:
        return []
    for src in sources:
        if not src.is_file():
            raise ConversionError(f"{src}: no such file")
    stems = [s.stem for s in sources]
    if len(set(stems)) != len(stems):
        dup = sorted({s for s in stems if stems.count(s) > 1})
        raise ConversionError(f"two inputs would both become {dup[0]}.pdf: give them distinct names")
    soffice = soffice_path()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timeout_s = timeout_s if timeout_s is not None else default_timeout(len(sources))

    clean_leftovers(out_dirs=(out_dir,))  # what killed runs left: folders, LibreOffice processes
    profile = _profile_dir()
    staging_dir = make_temp_dir(STAGING_PREFIX, dir=out_dir)
    try:
        staging = str(staging_dir)
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            staging,
            *map(str, sources),
        ]
        # own session: on timeout the whole group (oosplash + soffice.bin) is killed
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=fontconfig_env(),
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConversionError(
                f"LibreOffice did not finish converting {len(sources)} file(s) within"
                f" {timeout_s:.0f} s (first: {sources[0]})"
            ) from exc
        log = (stderr or b"").decode(errors="replace").strip()
        outputs = []
        failed = []
        for src in sources:
            produced = Path(staging) / f"{src.stem}.pdf"
            if not produced.is_file() or not _looks_like_pdf(produced):
                failed.append(str(src))
            outputs.append(produced)
        if failed:
            detail = log.splitlines()[-1] if log else f"exit status {proc.returncode}"
            raise ConversionError(
                f"LibreOffice produced no PDF for {', '.join(failed)} ({detail})"
            )
        finals = []
        for produced in outputs:
            final = out_dir / produced.name
            os.replace(produced, final)
            finals.append(final)
        del stdout
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return finals


def _looks_like_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return path.stat().st_size > 0 and fh.read(5) == b"%PDF-"


def docx_to_pdf_bytes(docx_blobs: Sequence[bytes], *, timeout_s: float | None = None) -> list[bytes]:
    """In-memory convenience: DOCX bytes in, PDF bytes out, one LibreOffice run for all."""
    if not docx_blobs:
        return []
    work = make_temp_dir("policykit-pdf-")
    try:
        sources = []
        for i, blob in enumerate(docx_blobs):
            path = work / f"doc-{i:05d}.docx"
            path.write_bytes(blob)
            sources.append(path)
        pdfs = convert_docx_to_pdf(sources, work / "out", timeout_s=timeout_s)
        return [p.read_bytes() for p in pdfs]
    finally:
        shutil.rmtree(work, ignore_errors=True)
