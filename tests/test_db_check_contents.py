"""``policykit db check`` as one report on the store's contents: the stored law against its
content hashes, and the 发文登记簿 (every number explained, issued files and the passages each
notice quoted still what the store holds); an issued notice records what it quotes (document id,
eId, hashes), ``register show`` prints it, and schema revision 0003 brings existing stores along."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from batch_samples import EXAMPLES, store_copy
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from extractors.identity import text_sha256
from toolkit.cli.main import cli
from toolkit.corpus import Corpus
from toolkit.db.schema import head, include_name
from toolkit.db.tables import load_all_tables
from toolkit.documents.basis import DocumentError
from toolkit.documents.cases import parse_case, read_data
from toolkit.issuing.issue import IssueOptions
from toolkit.issuing.notice_issue import issue_notices, prepare_notice
from toolkit.issuing.numbering import load_offices
from toolkit.issuing.register import Register
from toolkit.store import Store

CASE = EXAMPLES / "refusal.yaml"
LEGACY = Path(__file__).parent / "data" / "legacy"
NUMBER = "揭医保〔2026〕1号"
QUOTED = ("gd-measure", "chp_2__art_9__para_1__point_5")  # the example's ground: 第九条第（五）项


def run(db: Path | str, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def _prepare(db: Path):
    corpus = Corpus.open(db)
    try:
        case = parse_case(read_data(CASE), str(CASE), "refusal")
        return prepare_notice("refusal", case, corpus, load_offices(), case_id="refusal")
    finally:
        corpus.store.close()


def _issue(db: Path, out: Path) -> str:
    """The example refusal issued as a sealed DOCX (no LibreOffice needed)."""
    prepared = _prepare(db)
    with Register(db) as reg:
        (outcome,) = issue_notices([prepared], register=reg, out_dir=out, offices=load_offices(),
                                   options=IssueOptions(pdf=False))
    assert outcome.status == "issued", outcome.error
    return outcome.number


@pytest.fixture(scope="module")
def issued_store(corpus_store, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("issued")
    db = store_copy(corpus_store, root / "policykit.db")
    assert _issue(db, root / "out") == NUMBER
    return db


@pytest.fixture
def store(issued_store, tmp_path) -> Path:
    db = tmp_path / "policykit.db"
    src, dst = sqlite3.connect(issued_store), sqlite3.connect(db)
    try:
        src.backup(dst)  # WAL contents included
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, as a backup is
    finally:
        src.close()
        dst.close()
    return db


def _tamper(db: Path) -> None:
    """The quoted item of 第九条 altered in the store's own rows (issue 16's 未满3年 → 未满1年)."""
    with sqlite3.connect(db) as cx:
        changed = cx.execute(
            "UPDATE nodes SET text = replace(text, '未满3年', '未满1年') WHERE doc_id = ? AND eid = ?",
            QUOTED).rowcount
    assert changed == 1


def test_an_issued_notice_records_each_quoted_passage_with_its_source_hashes(store):
    with Register(store) as reg:
        (quote,) = reg.get(NUMBER).quotes
    with Store(store, create=False) as st:
        doc = st.document(QUOTED[0])
        source = {s.id: s for s in st.sources()}[doc.source]
    assert (quote.doc_id, quote.eid, quote.source_id) == (*QUOTED, "gd-designation")
    # the stored file's sha256 is the bundled PDF's, the text hash the one ingest recorded
    bundled = Path(__file__).resolve().parent.parent / "corpus" / "sources" / Path(source.path).name
    assert quote.source_sha256 == hashlib.sha256(bundled.read_bytes()).hexdigest()
    assert quote.text_sha256 == doc.meta["text_sha256"] == text_sha256(doc)
    assert len(quote.passage_sha256) == 64
    shown = run(store, "register", "show", NUMBER)
    assert shown.exit_code == 0, shown.output
    data = json.loads(run(store, "register", "show", NUMBER, "--json").stdout)
    assert data["quotes"] == [{"doc_id": QUOTED[0], "eid": QUOTED[1], "source_id": "gd-designation",
                               "source_sha256": quote.source_sha256, "text_sha256": quote.text_sha256,
                               "passage_sha256": quote.passage_sha256, "state": "ok"}]
    line = next(x for x in shown.stdout.splitlines() if x.startswith("  quotes: "))
    assert line == (f"  quotes: gd-measure chp_2__art_9__para_1__point_5  source gd-designation "
                    f"sha256 {quote.source_sha256[:16]}  text {quote.text_sha256[:16]}  "
                    f"passage {quote.passage_sha256[:16]}  [ok]")


def test_db_check_of_a_sound_store_is_one_clean_report(store):
    result = run(store, "db", "check")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"{store}: quick check ok" == lines[0]
    assert "sources: 6 checked against their content hashes: ok" in lines
    assert ("register: 1 number(s) checked (gaps, numbers left reserved, issued files, quoted "
            "sources): ok") in lines


def test_a_tampered_source_row_is_reported_as_source_and_register_problems(store):
    _tamper(store)
    result = run(store, "db", "check")
    assert result.exit_code == 2
    problems = [x for x in result.stdout.splitlines() if x.startswith("  PROBLEM ")]
    assert problems[0].startswith("  PROBLEM gd-measure: stored text no longer matches the hash "
                                  "recorded at ingest (")
    assert any(p.startswith("  PROBLEM gd-designation: text differs from the bundled source the "
                            "manifest expects") for p in problems)
    assert problems[-1].startswith(f"  PROBLEM {NUMBER}: quotes gd-measure "
                                   "chp_2__art_9__para_1__point_5, whose quoted passage changed "
                                   "since issue (")
    assert len(problems) == 3
    assert result.stderr.startswith(f"policykit: {store}: 3 problem(s) found: ")
    assert "Traceback" not in result.output
    shown = run(store, "register", "show", NUMBER)
    assert "[changed: whose quoted passage changed since issue" in shown.stdout


def test_a_notice_quoting_a_tampered_text_is_refused_before_a_number(store):
    _tamper(store)
    with pytest.raises(DocumentError, match=r"（gd-measure）在库中的文本与入库时记录的哈希不符.*未分配文号"):
        _prepare(store)
    with Register(store) as reg:
        assert [e.number for e in reg.entries()] == [NUMBER]


def test_a_byte_damaged_copy_is_reported_damaged_in_one_line(store):
    data = bytearray(store.read_bytes())
    size = int.from_bytes(data[16:18], "big") or 65536
    rng = random.Random(16)
    for page in rng.sample(range(1, len(data) // size), 10):
        data[page * size + 100:page * size + 612] = rng.randbytes(512)
    store.write_bytes(bytes(data))
    result = run(store, "db", "check")
    assert result.exit_code == 2
    assert f"{store}: the store is damaged" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def _dead_owner() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}"


def test_a_number_left_reserved_by_a_dead_run_is_a_register_problem(store):
    with Register(store) as reg:
        left = reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type="不予受理通知书", year=2026)
    with sqlite3.connect(store) as cx:
        cx.execute("UPDATE reg_numbers SET owner = ? WHERE number = ?", (_dead_owner(), left.number))
    result = run(store, "db", "check")
    assert result.exit_code == 2
    assert (f"  PROBLEM 1 number(s) reserved and never issued by a process that is gone: "
            f"{left.number} — they stay gaps in the register until `policykit register recover` "
            "voids them") in result.stdout.splitlines()
    assert run(store, "register", "recover").exit_code == 0
    assert run(store, "db", "check").exit_code == 0  # voided with the reason: explained


def test_a_changed_issued_file_is_a_register_problem(store):
    with Register(store) as reg:
        (docx,) = [f for f in reg.get(NUMBER).files if f.role == "docx"]
    original = Path(docx.path).read_bytes()
    try:
        Path(docx.path).write_bytes(original + b"\0")
        result = run(store, "db", "check")
        assert result.exit_code == 2
        assert (f"  PROBLEM {NUMBER}: issued docx {docx.path} was changed after it was registered "
                "(sha256 differs)") in result.stdout.splitlines()
    finally:
        Path(docx.path).write_bytes(original)


def test_legacy_store_upgraded_gets_the_quotes_table_and_checks_clean(tmp_path):
    legacy = tmp_path / "legacy.db"
    shutil.copyfile(LEGACY / "store.db", legacy)
    with sqlite3.connect(legacy) as cx:  # the pre-Alembic store has no record of quotes
        assert not cx.execute("SELECT 1 FROM sqlite_master WHERE name = 'reg_quotes'").fetchall()
    upgraded = run(legacy, "db", "upgrade")
    assert upgraded.exit_code == 0 and f"to {head()}" in upgraded.output
    assert head() == "0004"
    with sqlite3.connect(legacy) as cx:
        cols = [r[1] for r in cx.execute("PRAGMA table_info(reg_quotes)")]
    assert cols == ["number", "position", "doc_id", "eid", "source_id", "source_sha256",
                    "text_sha256", "passage_sha256"]
    result = run(legacy, "db", "check")
    assert result.exit_code == 0, result.output
    notes = [x for x in result.stdout.splitlines() if x.startswith("note: ")]
    assert notes[0].startswith("note: 3 source(s) stored before content hashes were kept "
                            "(cannot be checked; re-ingest them to record one): cx-designation, "
                            "gd-designation, order-735")
    assert "note: 2 issued number(s) with no quoted sources recorded (issued before the register " \
           "kept them, or quoting nothing)" in notes
    shown = run(legacy, "register", "show", "揭医保〔2026〕1号")
    assert shown.exit_code == 0 and "quotes:" not in shown.stdout


def test_revision_0003_upgrades_a_store_at_0002_on_both_engines(db_url):
    with Store(db_url) as st:
        url = st.engine.url.render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as conn:  # the store as revision 0002 left it: no reg_quotes
        conn.execute(text("DROP TABLE reg_quotes"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    engine.dispose()
    assert run(db_url, "db", "check").exit_code == 2  # older: refused until upgraded
    result = run(db_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "upgraded from 0002 to 0004" in result.output
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        assert compare_metadata(context, load_all_tables()) == []
    engine.dispose()


def test_damage_in_the_schema_pages_is_reported_as_damage_not_as_a_foreign_file(store):
    data = bytearray(store.read_bytes())
    size = int.from_bytes(data[16:18], "big") or 65536
    # page 1 holds sqlite_master's root: everything after the 100-byte file header
    data[100:size] = random.Random(3).randbytes(size - 100)
    store.write_bytes(bytes(data))
    before = store.read_bytes()
    result = run(store, "db", "check")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"policykit: {store}: the store is damaged (quick check: ")
    assert "restore it from a backup" in result.stderr and "not a policykit store" not in result.output
    assert store.read_bytes() == before  # read only


def test_db_check_reports_a_tampered_source_row_on_both_engines(db_url):
    from conftest import parsed

    with Store(db_url) as st:
        st.save(parsed("000"))
        url = st.engine.url.render_as_string(hide_password=False)
    clean = run(db_url, "db", "check")
    assert clean.exit_code == 0, clean.output
    assert "sources: 1 checked against their content hashes: ok" in clean.stdout.splitlines()
    engine = create_engine(url)
    with engine.begin() as conn:
        doc_id, eid = conn.execute(text(
            "SELECT doc_id, eid FROM nodes WHERE kind = 'article' ORDER BY doc_id, ordinal LIMIT 1")).one()
        conn.execute(text("UPDATE nodes SET text = text || '（改）' WHERE doc_id = :d AND eid = :e"),
                     {"d": doc_id, "e": eid})
    engine.dispose()
    result = run(db_url, "db", "check")
    assert result.exit_code == 2
    assert f"  PROBLEM {doc_id}: stored text no longer matches the hash recorded at ingest (" in \
        result.stdout
    assert "Traceback" not in result.output


def test_a_table_an_area_makes_on_first_use_is_a_note_not_damage(store):
    with sqlite3.connect(store) as cx:  # a store from before the web's job table was declared
        cx.execute("DROP TABLE jobs")
    result = run(store, "db", "check")
    assert result.exit_code == 0, result.output
    assert "note: table(s) not created yet (made on first use): jobs" in result.stdout.splitlines()
    assert "damaged" not in result.output
