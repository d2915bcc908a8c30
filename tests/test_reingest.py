"""#11 §2: re-ingest of one file redoes only that file's work.

An unchanged file is known by its bytes and its reading key before any parse; a changed one is
parsed alone and only the documents its change can touch are relinked, with the same stored
rows as relinking the whole store. On the bundled corpus, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from click.testing import CliRunner
from conftest import DATA, STEMS, parsed, source_path
from sqlalchemy import select

from toolkit.cli import corpus as corpus_cli
from toolkit.cli.main import cli
from toolkit.db.store_tables import spans
from toolkit.ingest import admit, parse_source, reading_key
from toolkit.linking import Change, Relinked, relink, save
from toolkit.manifest import load_manifest
from toolkit.store import Store

ENV = {"COLUMNS": "250", "POLICYKIT_DEBUG": None}
GD = "000_b3443c26a488e755"
ORIGINAL = "(五)因违法违规被解除协议未满3年或已满3年但未完全履行行政处罚责任的；"
ALTERED = "(五)因曾向本局工作人员提出投诉未满3年的；"
MD = "reg-internet-cafe-2016.md"


def run(*args: str, db=None):
    return CliRunner(env=ENV).invoke(cli, (["--db", str(db)] if db else []) + list(args))


def status_of(result, name: str) -> str:
    row = next(line for line in result.stdout.splitlines() if name in line)
    return row.split("│")[-2].strip()


def span_rows(db) -> list[tuple]:
    with Store(db) as s, s._read() as conn:
        return [tuple(r) for r in conn.execute(select(spans).order_by(spans.c.doc_id, spans.c.ordinal))]


def ingested_at(db) -> dict[str, str]:
    with Store(db) as s:
        return {src.id: src.ingested_at for src in s.sources()}


def no_parsing(*_a, **_k):
    raise AssertionError("an unchanged file was parsed")


@pytest.fixture
def store_copy(corpus_store, tmp_path):
    db = tmp_path / "kit.db"
    shutil.copy(corpus_store, db)
    return db


# --- 1. an unchanged file: known before any parse ---------------------------------------------

def test_unchanged_file_is_not_parsed_or_written(store_copy, monkeypatch):
    before_rows, before_at = span_rows(store_copy), ingested_at(store_copy)
    monkeypatch.setattr(corpus_cli, "_results", no_parsing)
    result = run("ingest", str(source_path("000")), db=store_copy)
    assert result.exit_code == 0, result.output
    assert status_of(result, GD) == "unchanged"
    row = next(line for line in result.stdout.splitlines() if GD in line)
    assert [c.strip() for c in row.split("│")[2:5]] == ["4", "53", "24"]
    assert "the file stored as gd-designation (sha256 a0703b098005…), read by this parser: not parsed" \
        in result.stderr
    assert "cross-references" not in result.stderr  # nothing changed: no relink
    assert ingested_at(store_copy) == before_at and span_rows(store_copy) == before_rows


def test_unchanged_file_loads_no_language_model(store_copy):
    """In a process of its own, as a user runs it: the language model is never imported."""
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys\nfrom toolkit.cli.main import cli\ntry:\n    cli(sys.argv[1:])\n"
            "except SystemExit as e:\n    code = e.code\n"
            "print('exit', code, 'spacy' in sys.modules, 'jieba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, "--db", str(store_copy), "ingest", str(source_path("000"))],
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "COLUMNS": "250",
                                                              "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "exit 0 False False", done.stdout + done.stderr
    assert "unchanged" in done.stdout


def test_a_file_read_by_another_parser_is_parsed_again(store_copy, monkeypatch):
    """The same bytes under another parser may read differently (``re-read``): the skip needs
    the parser's fingerprint too."""
    import toolkit.ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "parser_fingerprint", lambda: "another parser")
    result = run("ingest", str(source_path("000")), db=store_copy)
    assert result.exit_code == 0, result.output
    assert status_of(result, GD) == "ok"  # parsed: the same text, stored again
    monkeypatch.setattr(corpus_cli, "_results", no_parsing)
    again = run("ingest", str(source_path("000")), db=store_copy)
    assert status_of(again, GD) == "unchanged"  # now stored by that parser


def test_reading_key_follows_the_manifest_facts_of_the_file():
    m = load_manifest()
    path = source_path("000")
    entry = m.source_for(path)
    key = reading_key(path, m)
    assert key == reading_key(path, load_manifest())
    assert key != reading_key(path, None)
    moved = dataclasses.replace(m, sources=[dataclasses.replace(entry, region="js") if s is entry else s
                                            for s in m.sources])
    assert reading_key(path, moved) != key
    assert reading_key(source_path("001"), moved) == reading_key(source_path("001"), m)


def test_unchanged_file_on_both_engines(db_url, monkeypatch):
    path = source_path("000").parent / MD
    first = run("ingest", str(path), db=db_url)
    assert first.exit_code == 0 and status_of(first, MD) == "ok", first.output
    monkeypatch.setattr(corpus_cli, "_results", no_parsing)
    again = run("ingest", str(path), db=db_url)
    assert again.exit_code == 0, again.output
    assert status_of(again, MD) == "unchanged"


# --- 2. a changed file: its own work and the documents linked to it ---------------------------

def altered_copy(folder):
    text = (DATA / "clean" / f"{GD}.txt").read_text(encoding="utf-8")
    assert text.count(ORIGINAL) == 1
    path = folder / f"{GD}.txt"
    path.write_text(text.replace(ORIGINAL, ALTERED), encoding="utf-8")
    return path


def _store_all(db, keys, manifest) -> Relinked:
    change = Change()
    with Store(db) as s:
        for key in keys:
            save(s, parsed(key), change)
        return relink(s, manifest, change)



def test_relink_of_the_affected_equals_relink_of_all_whatever_the_order(db_url, tmp_path):
    """The Guangdong measure stored after the staff rules that cite it: the staff rules are
    relinked (their reference names it), and the rows are those of one batch of every file."""
    m = load_manifest()
    rest = [k for k in STEMS if k != "000"]
    _store_all(db_url, rest, m)
    with Store(db_url) as s:
        staff = s.document("gd-staff")
        total = len(s.documents()) + 4
    cites = [sp for sp in staff.spans if sp.label == "REF" and sp.data.get("target_title") == "广东省医疗机构医疗保障定点管理暂行办法"]
    assert cites and not any(sp.data["resolved"] for sp in cites)  # not stored yet
    second = _store_all(db_url, ["000"], m)
    assert second.gained.get("gd-staff") == len(cites)
    assert second.checked < total
    with Store(db_url) as s:
        staff = s.document("gd-staff")
    assert all(sp.data["target_doc"] == "gd-measure" for sp in staff.spans
               if sp.label == "REF" and sp.data.get("target_title") == "广东省医疗机构医疗保障定点管理暂行办法")
    rows = span_rows(db_url)
    one_batch = tmp_path / "batch.db"
    _store_all(one_batch, list(STEMS), m)
    assert span_rows(one_batch) == rows
    with Store(db_url) as s:
        assert not relink(s, m)  # relinking every document changes nothing
    assert span_rows(db_url) == rows


def test_new_version_relinks_what_it_touches_same_rows_as_relink_all(db_url, tmp_path):
    m = load_manifest()
    _store_all(db_url, list(STEMS), m)
    changed = parse_source(altered_copy(tmp_path), manifest=m)
    change = Change()
    with Store(db_url) as s:
        documents = len(s.documents())
        decision = admit(changed, s, m, new_version=True)
        assert decision.action == "new_version"
        save(s, changed, change)
        done = relink(s, m, change)
        # the new version's documents, and those citing the Guangdong measure by its title
        assert "gd-staff" not in done.lost and done.checked < documents
        rows = span_rows(db_url)
        assert not relink(s, m)
        staff = s.document("gd-staff")
    assert span_rows(db_url) == rows
    # the title names the old text and its new version: it still means the text cited
    assert any(sp.data.get("target_doc") == "gd-measure" and sp.data["resolved"] for sp in staff.spans
               if sp.label == "REF")


def test_changed_file_does_not_read_the_whole_store(store_copy, tmp_path, monkeypatch):
    """Admission and relink ask for the file's own source and the documents citing it, never
    for every stored source or document."""
    def whole_store(*_a, **_k):
        raise AssertionError("read every stored source or document")

    monkeypatch.setattr(Store, "sources", whole_store)
    monkeypatch.setattr(Store, "documents", whole_store)
    refused = run("ingest", str(altered_copy(tmp_path)), db=store_copy)
    assert refused.exit_code == 1 and "第九条（文字修改）" in refused.stderr, refused.output
    stored = run("ingest", "--new-version", str(tmp_path / f"{GD}.txt"), db=store_copy)
    assert stored.exit_code == 0, stored.output
    assert status_of(stored, GD) == "new version"


# --- the count of references resolved ------------------------------------------------------

def test_concatenated_file_keeps_its_own_links_and_counts_gains_and_losses(store_copy, tmp_path):
    """One text file holding the Guangdong measure and the staff rules, into the store that holds
    both already: the staff copy's reference stays on the measure of its own file (it was lost
    to the ambiguity of two equal titles), and the count is of references gained, never gains
    minus losses (it printed -12 on a big concatenated PDF)."""
    big = tmp_path / "big-concat.txt"
    big.write_text("".join((DATA / "clean" / f"{STEMS[k]}.txt").read_text(encoding="utf-8")
                           for k in ("000", "001")), encoding="utf-8")
    result = run("ingest", str(big), db=store_copy)
    assert result.exit_code == 0, result.output
    with Store(store_copy) as s:
        rule = next(d for d in s.documents_of("big-concat") if d.title == "广东省医疗机构医疗保障定点管理暂行办法")
        staff = s.document("big-concat-6")
    own = [sp.data for sp in staff.spans if sp.label == "REF"
           and sp.data.get("target_title") == "广东省医疗机构医疗保障定点管理暂行办法"]
    assert own and all(d["resolved"] and d["target_doc"] == rule.id for d in own)
    gained = sum(1 for sp in staff.spans if sp.label == "REF" and sp.data.get("target_doc") == "order-735")
    assert f"cross-references resolved across files: {gained} in 1 documents" in result.stderr
    # gd-staff's citation by title now names two equal texts: said, not hidden in the count
    assert "cross-references no longer resolved" in result.stderr and "1 in gd-staff" in result.stderr
