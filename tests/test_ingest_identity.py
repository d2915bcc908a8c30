"""#16.1: a source is known by its content as well as its name; a changed text never replaces
the stored law silently. Run on the real Guangdong source (its clean text copy, altered in one
item of 第九条 as in the issue) and the bundled PDFs."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import DATA, SOURCES, source_path

from toolkit.cli.main import cli
from toolkit.ingest import admit, parse_source, source_problems
from toolkit.manifest import load_manifest
from toolkit.store import Store

ENV = {"COLUMNS": "250", "POLICYKIT_DEBUG": None}
STEM = "000_b3443c26a488e755"
ORIGINAL = "(五)因违法违规被解除协议未满3年或已满3年但未完全履行行政处罚责任的；"
ALTERED = "(五)因曾向本局工作人员提出投诉未满3年的；"


def run(*args: str, db=None):
    return CliRunner(env=ENV).invoke(cli, (["--db", str(db)] if db else []) + list(args))


def altered_copy(folder):
    """The Guangdong source's text under the bundled file's name, one item of 第九条 changed."""
    text = (DATA / "clean" / f"{STEM}.txt").read_text(encoding="utf-8")
    assert text.count(ORIGINAL) == 1
    path = folder / f"{STEM}.txt"
    path.write_text(text.replace(ORIGINAL, ALTERED), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gd_store(tmp_path_factory):
    """A store holding the bundled Guangdong PDF."""
    db = tmp_path_factory.mktemp("identity") / "kit.db"
    result = run("ingest", str(source_path("000")), db=db)
    assert result.exit_code == 0, result.output
    return db


def _point5(db, doc_id="gd-measure"):
    with Store(db) as s:
        return s.document(doc_id).node("chp_2__art_9__para_1__point_5").text


def test_manifest_hashes_are_those_of_the_bundled_files():
    m = load_manifest()
    for entry in m.sources:
        path = m.path.parent / entry.file
        assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest(), entry.id
        assert entry.text_sha256 == parse_source(path, manifest=m, layers=False).meta["text_sha256"], entry.id


def test_every_format_of_a_source_has_the_same_text_hash():
    m = load_manifest()
    want = m.source_by_id("gd-designation").text_sha256
    for fmt in ("docx", "clean", "seed"):
        assert parse_source(source_path("000", fmt), manifest=m, layers=False).meta["text_sha256"] == want


def test_altered_copy_under_the_bundled_name_is_refused_with_what_changed(gd_store, tmp_path):
    db = tmp_path / "kit.db"
    shutil.copy(gd_store, db)
    result = run("ingest", str(altered_copy(tmp_path)), db=db)
    assert result.exit_code == 1
    assert f"  {tmp_path / (STEM + '.txt')}: refused: the text differs from the stored text" in result.stderr
    assert "gd-measure: 修改1条（涉及文字修改1条）；未修改52条：第九条（文字修改）" in result.stderr
    assert "--new-version" in result.stderr and "Traceback" not in result.output
    assert _point5(db) == ORIGINAL[3:]  # the law as stored is untouched


def test_altered_copy_is_refused_into_an_empty_store_too(tmp_path):
    """The manifest's expected hash identifies the bundled source before anything is stored."""
    db = tmp_path / "kit.db"
    result = run("ingest", str(altered_copy(tmp_path)), db=db)
    assert result.exit_code == 1 and "the bundled text the manifest expects" in result.stderr
    assert "第九条（文字修改）" in result.stderr
    with Store(db) as s:
        assert s.documents() == []


def test_another_format_of_the_same_text_is_the_same_source(gd_store, tmp_path):
    db = tmp_path / "kit.db"
    shutil.copy(gd_store, db)
    result = run("ingest", str(source_path("000", "docx")), db=db)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if STEM in line)
    assert row.split("│")[-2].strip() == "ok"


def test_new_version_keeps_the_old_text_citable(gd_store, tmp_path):
    db = tmp_path / "kit.db"
    shutil.copy(gd_store, db)
    result = run("ingest", "--new-version", str(altered_copy(tmp_path)), db=db)
    assert result.exit_code == 0, result.output
    assert "new version" in result.stdout
    with Store(db) as s:
        ids = {d.id for d in s.documents()}
        new_id = next(i for i in ids if i.startswith("gd-measure@"))
        assert {"gd-measure", "gd-notice-2024-4", "jy-notice-2024-21", "gd-notice-2021-1"} <= ids
        assert len(ids) == 8
        new = s.document(new_id)
        assert new.meta["version_of"] == "gd-measure" and new.meta["work"] == "gd-designation-measure"
    assert _point5(db) == ORIGINAL[3:]
    assert _point5(db, new_id) == ALTERED[3:]
    # both are versions of one work
    from toolkit.versions.works import versions
    with Store(db) as s:
        assert {v.doc_id for v in versions(s, "gd-measure")} == {"gd-measure", new_id}
    again = run("ingest", "--new-version", str(tmp_path / f"{STEM}.txt"), db=db)
    assert again.exit_code == 0
    with Store(db) as s:
        assert len(s.documents()) == 8  # the same new text is not stored twice


def test_manifest_may_declare_a_new_version(tmp_path):
    m = load_manifest()
    copy = altered_copy(tmp_path)
    text = (SOURCES.parent / "manifest.yaml").read_text(encoding="utf-8")
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    text = text.replace("    id: gd-designation\n", "    id: gd-designation\n    new_versions:\n"
                        f"      - {{sha256: {digest}, version: 2026-12-01, note: test}}\n", 1)
    man = tmp_path / "corpus" / "manifest.yaml"
    man.parent.mkdir()
    man.write_text(text, encoding="utf-8")
    (man.parent / "sources").symlink_to(SOURCES)
    declared = load_manifest(man)
    parsed = parse_source(copy, manifest=declared, layers=False)
    with Store(tmp_path / "kit.db") as s:
        decision = admit(parsed, s, declared)
    assert decision.action == "new_version" and "declared in the manifest" in decision.reason
    rule = next(d for d in parsed.documents if d.id.startswith("gd-measure@"))
    assert str(rule.meta["version"]) == "2026-12-01"
    assert m.source_by_id("gd-designation").new_versions == []


def test_source_problems_finds_a_row_changed_in_the_database(gd_store, tmp_path):
    db = tmp_path / "kit.db"
    shutil.copy(gd_store, db)
    with Store(db) as s:
        assert source_problems(s, load_manifest()) == []
    con = sqlite3.connect(db)
    con.execute("UPDATE nodes SET text = ? WHERE doc_id = 'gd-measure' AND eid = ?",
                (ALTERED[3:], "chp_2__art_9__para_1__point_5"))
    con.commit()
    con.close()
    with Store(db) as s:
        problems = source_problems(s, load_manifest())
    assert [(p.source_id, p.doc_id) for p in problems][:1] == [("gd-designation", "gd-measure")]
    assert "no longer matches the hash recorded at ingest" in str(problems[0])
    assert any("the manifest expects" in p.problem for p in problems)
