"""``make clean`` removes generated reports and drafts, never a store (out/demo/, stores set aside
as policykit-*.db), a file a 发文登记簿 records, or the TEST certificate's keys; a store it cannot
read stops it with nothing removed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from toolkit.issuing.register import Register

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _write(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def make_clean(out: Path, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(["make", "-s", "-C", str(ROOT), "clean", f"OUT={out}"],
                          capture_output=True, text=True, env=os.environ | env, timeout=120)


@pytest.fixture
def out(tmp_path) -> Path:
    """An out/ as the demo and a clerk leave it: the demo store whose register records two
    issued files, a store set aside, reports, drafts, decisions and the TEST certificate."""
    out = tmp_path / "out"
    pdf = _write(out / "issued" / "揭医保-2026-1.pdf", b"%PDF-1.7 issued")
    docx = _write(out / "issued" / "揭医保-2026-1.docx", b"PK issued")
    store = out / "demo" / "policykit.db"
    store.parent.mkdir(parents=True)
    with Register(store) as reg:
        entry = reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type="不予受理通知书", year=2026)
        reg.mark_issued(entry.number, {"docx": docx, "pdf": pdf})
    shutil.copyfile(store, out / "demo" / "policykit-20261201-101010.db")
    for name in ("compare.html", "compare.docx", "index.html", "notices/refusal_草稿.docx",
                 "notices/suspension_草稿.docx", "decisions/application.json",
                 "versions/对照表.html", "my-notices/refusal_草稿-2.docx"):
        _write(out / name)
    _write(out / "test-certificate" / "ca.pem", b"-----BEGIN CERTIFICATE-----")
    _write(out / "test-certificate" / "signer.p12", b"\x30\x82")
    return out


def test_clean_keeps_stores_registered_files_and_keys(out):
    stores = [p for p in _files(out) if p.startswith("demo/")]
    result = make_clean(out)
    assert result.returncode == 0, result.stderr
    kept = _files(out)
    assert kept == sorted(stores + ["issued/揭医保-2026-1.docx", "issued/揭医保-2026-1.pdf",
                                    "test-certificate/ca.pem", "test-certificate/signer.p12"])
    assert "demo/policykit.db" in kept and "demo/policykit-20261201-101010.db" in kept
    assert (out / "issued" / "揭医保-2026-1.pdf").read_bytes() == b"%PDF-1.7 issued"
    assert not (out / "notices").exists() and not (out / "decisions").exists()  # emptied: gone
    assert f"{out}: removed 8 generated file(s); kept 2 store(s), 2 file(s) a 发文登记簿 records, " \
           "2 key file(s)" in result.stdout
    with Register(out / "demo" / "policykit.db") as reg:  # the register itself is untouched
        assert [(e.number, e.status) for e in reg.entries()] == [("揭医保〔2026〕1号", "issued")]


def test_files_recorded_by_a_store_outside_the_folder_are_kept(out, tmp_path):
    elsewhere = tmp_path / "clerk.db"
    letter = _write(out / "my-issued" / "揭医保-2026-2.pdf", b"%PDF-1.7 clerk")
    with Register(elsewhere) as reg:
        entry = reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type="不予受理通知书", year=2026)
        reg.mark_issued(entry.number, {"pdf": letter})
    result = make_clean(out, POLICYKIT_DB=str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert letter.read_bytes() == b"%PDF-1.7 clerk"


def test_an_unreadable_store_stops_clean_with_nothing_removed(out):
    _write(out / "policykit-old.db", b"SQLite format 3\x00" + b"\xff" * 4000)
    before = _files(out)
    result = make_clean(out)
    assert result.returncode != 0
    assert f"make clean: {out / 'policykit-old.db'}:" in result.stderr
    assert "nothing was removed" in result.stderr
    assert _files(out) == before


def test_a_register_on_a_server_stops_clean(out):
    before = _files(out)
    result = make_clean(out, POLICYKIT_DB="postgresql://clerk:secret@db.example/policykit")
    assert result.returncode != 0
    assert "db.example/policykit: a register on a database server cannot be read" in result.stderr
    assert "secret" not in result.stderr
    assert _files(out) == before
