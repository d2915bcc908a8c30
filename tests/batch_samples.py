"""Shared pieces of the notice-issuing tests: the example batch (examples/batch/make_examples.py),
a 5-row table with two bad rows, and a run-once-per-test-run helper for the LibreOffice steps."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from toolkit.fileio import atomic_write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BATCH_EXAMPLES = EXAMPLES / "batch"

# The 5-row table: rows 2, 4 and 6 are good (the example's first three cases), row 3 lacks a
# required field and row 5 has a date that does not exist.
MISSING_ROW, BAD_DATE_ROW = 3, 5
GOOD_ROWS = (2, 4, 6)


@cache
def make_examples():
    spec = importlib.util.spec_from_file_location("make_examples", BATCH_EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def five_rows() -> list[dict[str, str]]:
    good = make_examples().example_rows()
    missing = dict(good[3]) | {"applicant.name": "", "case_id": "JY-2026-0901"}
    bad_date = dict(good[3]) | {"received_on": "2026-02-30", "case_id": "JY-2026-0902"}
    return [good[0], missing, good[1], bad_date, good[2]]


def run_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> dict:
    """Run ``build`` once per test run even under pytest-xdist: the workers share the run's
    temp root, and a file lock makes the second worker wait for the first one's result."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's root, shared by gw0 and gw1
    root = base / f"shared-{name}"
    root.mkdir(exist_ok=True)
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "result.json"
        if not done.exists():
            atomic_write(done, json.dumps(build(root), ensure_ascii=False))
        return json.loads(done.read_text(encoding="utf-8"))


def store_copy(store: Path, target: Path) -> Path:
    """A private copy of the session's corpus store (the register's tables go into it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(store, target)
    return target
