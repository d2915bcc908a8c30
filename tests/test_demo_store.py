"""`make demo` keeps its own store and never wipes a 发文登记簿 holding real numbers (#14)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from toolkit.demo import DEMO_CASE, foreign_numbers, reset_store
from toolkit.issuing.register import Register

ROOT = Path(__file__).resolve().parent.parent


def _reserve(db: Path, case_id: str) -> str:
    with Register(db) as reg:
        return reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type="通知", year=2026,
                           case_id=case_id, doc_date=date(2026, 11, 23)).number


def test_the_demo_store_is_apart_and_reset_safely_first():
    printed = subprocess.run(["make", "-n", "-s", "demo"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.splitlines()
    recipe = [x for x in printed if "toolkit.demo reset" in x or re.search(r"policykit\b", x)]
    assert "-m toolkit.demo reset out/demo/policykit.db" in recipe[0]
    assert all("--db out/demo/policykit.db" in x for x in recipe[1:]), recipe
    assert not any(re.search(r"\brm\b", x) for x in printed)


def test_a_store_without_register_or_with_only_demo_numbers_is_removed(tmp_path):
    db = tmp_path / "demo" / "policykit.db"
    assert reset_store(db).endswith("no demo store yet") and db.parent.is_dir()
    _reserve(db, DEMO_CASE + "refusal")
    assert foreign_numbers(db) == []
    assert "removed" in reset_store(db)
    assert not db.exists()


def test_a_store_holding_other_numbers_is_moved_aside_never_deleted(tmp_path):
    db = tmp_path / "policykit.db"
    _reserve(db, DEMO_CASE + "refusal")
    clerk = _reserve(db, "JY-2026-0007")
    message = reset_store(db, now="20261204-090000")
    kept = tmp_path / "policykit-20261204-090000.db"
    assert message == (f"{db}: its 发文登记簿 holds 1 number(s) the demo did not issue ({clerk}); "
                       f"not deleted: moved to {kept}")
    assert not db.exists()
    with Register(kept) as reg:
        assert [e.case_id for e in reg.entries()] == [DEMO_CASE + "refusal", "JY-2026-0007"]


def test_reset_from_the_command_line(tmp_path):
    db = tmp_path / "x" / "policykit.db"
    done = subprocess.run([sys.executable, "-m", "toolkit.demo", "reset", str(db)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"{db}: no demo store yet"
