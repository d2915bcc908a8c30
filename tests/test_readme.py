"""Every command of the README's tour runs as printed, in a copy of the setting `make demo` leaves.

Where the demo puts its store and outputs is read from one place, the Makefile's ``demo`` recipe
(``make -n demo``: its ``--db`` and ``--out``), so moving them there and not in the README fails
here with a message saying so. The test ingests the bundled corpus and runs the demo the way the
recipe does, in a temporary folder holding links to ``corpus/`` and ``examples/``; then each line
of the tour runs in bash (``set -euo pipefail``, the tour's ``export`` lines carried along) with
this checkout's ``policykit`` first on the PATH, and must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BIN = Path(sys.executable).parent


def demo_recipe() -> tuple[str, str]:
    """(store, output folder) of `make demo`, from the Makefile's own recipe."""
    printed = subprocess.run(["make", "-n", "-s", "demo"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(x for x in printed.splitlines() if re.search(r"policykit\b.*\sdemo(\s|$)", x))
    args = shlex.split(line)
    db = args[args.index("--db") + 1]
    out = args[args.index("--out") + 1] if "--out" in args else "out"
    return db, out


def tour() -> list[str]:
    """The tour's command lines as printed, comments dropped."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A tour of the CLI", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    lines = []
    for block in blocks:
        for raw in block.splitlines():
            line = re.sub(r"\s{2,}#\s.*$", "", raw).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("POLICYKIT_DB", "POLICYKIT_DEBUG")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    return env


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A folder laid out as `make demo` leaves the clone: corpus/, examples/, the demo's outputs."""
    home = tmp_path_factory.mktemp("readme")
    for name in ("corpus", "examples"):
        (home / name).symlink_to(ROOT / name)
    db, out = demo_recipe()
    policykit = str(BIN / "policykit")
    reset = [str(BIN / "python"), "-m", "toolkit.demo", "reset", db]  # the recipe's first line
    for argv in (reset, [policykit, "--db", db, "ingest", "corpus/"],
                 [policykit, "--db", db, "demo", "--out", out]):
        done = subprocess.run(argv, cwd=home, env=_env(), capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
    return home, db, out


def test_the_tour_is_where_the_demo_writes():
    db, out = demo_recipe()
    lines = tour()
    exports = [x for x in lines if x.startswith("export POLICYKIT_DB=")]
    assert exports == [f"export POLICYKIT_DB={db}"], (
        f"make demo keeps its store in {db}: the README tour must say `export POLICYKIT_DB={db}`")
    named = {m for x in lines for m in re.findall(r"\b(out/[^\s\"']*)", x)}
    assert all(p == out or p.startswith(out.rstrip("/") + "/") for p in named), (
        f"make demo writes under {out}/, the README names {sorted(named)}")
    assert any(x.startswith("policykit check ") and "*.docx" in x for x in lines)
    assert any("policykit verify" in x and "--trust" in x for x in lines)
    assert not any("..." in x or "notice.pdf" in x or "cases.xlsx" in x for x in lines)  # no placeholders


def test_every_tour_command_runs_as_printed(setting):
    home, db, out = setting
    # what the tour's verify line relies on was written by the demo
    assert list((home / out / "issued").glob("*.pdf")) and (home / out / "test-certificate" / "ca.pem").exists()
    exports: list[str] = []
    ran = 0
    for line in tour():
        if line.startswith("export "):
            exports.append(line)
            continue
        script = "set -euo pipefail\n" + "\n".join(exports + [line])
        done = subprocess.run(["bash", "-c", script], cwd=home, env=_env(), capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"README command failed ({done.returncode}): {line}\n" \
                                     f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, line
        ran += 1
    assert ran >= 20
    # what the tour wrote is there
    assert (home / out / "my-compare.html").exists() and (home / out / "changes.json").exists()
    assert list((home / out / "my-issued").glob("*.pdf"))


def test_check_takes_several_files_and_names_each(setting, tmp_path):
    import docx

    home, db, out = setting
    notices = sorted((home / out / "notices").glob("*.docx"))[:2]
    blank = tmp_path / "blank.docx"
    docx.Document().save(blank)  # Letter size, no 版头: deviations
    policykit = str(BIN / "policykit")
    both = subprocess.run([policykit, "check", *map(str, notices)], cwd=home, env=_env(), capture_output=True,
                          text=True)
    assert both.returncode == 0 and both.stdout.splitlines() == [f"{p}: OK (GB/T 9704)" for p in notices]
    mixed = subprocess.run([policykit, "check", str(notices[0]), str(blank)], cwd=home, env=_env(),
                           capture_output=True, text=True)
    assert mixed.returncode == 1
    assert mixed.stdout.splitlines()[0] == f"{notices[0]}: OK (GB/T 9704)"
    assert len(mixed.stdout.splitlines()) > 1 and all(x.startswith(f"{blank}: ") for x in mixed.stdout.splitlines()[1:])
    missing = subprocess.run([policykit, "check", str(notices[0]), str(tmp_path / "nope.docx")], cwd=home,
                             env=_env(), capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1 and "nope.docx" in missing.stderr
