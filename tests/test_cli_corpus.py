"""The corpus commands (ingest, list, show, export, search) through click's CliRunner.

A module-wide store is made by `policykit ingest` on the six bundled PDFs (so with the process
pool); the expected values are read back from the store and the parsed corpus.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from click.testing import CliRunner
from lxml import etree
from store_samples import CORPUS_PDFS, DATA, ROOT, SampleSource
from test_export import A, assert_valid_akn, json_validator

from toolkit.cli import corpus as corpus_cli
from toolkit.cli.main import cli
from toolkit.store import MARK_CLOSE, MARK_OPEN, Store

ENV = {"COLUMNS": "250", "POLICYKIT_DEBUG": None}


def run(*args: str, db=None, **kw):
    argv = (["--db", str(db)] if db else []) + list(args)
    return CliRunner(env=ENV).invoke(cli, argv, **kw)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "kit.db"  # a missing folder is refused (test_db_refusals)
    result = run("ingest", *map(str, CORPUS_PDFS), db=db)
    return db, result


@pytest.fixture
def db(ingested):
    return ingested[0]


# --- ingest ----------------------------------------------------------------------------------

def test_ingest_corpus_summary(ingested):
    db, result = ingested
    assert result.exit_code == 0, result.output
    for pdf in CORPUS_PDFS:
        row = next(line for line in result.stdout.splitlines() if pdf.name in line)
        assert row.split("│")[-2].strip() == "ok"
    with Store(db) as s:
        sources = {src.id: src for src in s.sources()}
        docs = s.documents()
    assert sorted(sources) == ["cx-designation", "gd-designation", "gd-staff-points",
                               "js-designation", "order-735", "sz-guide"]
    assert sources["gd-designation"].pages == 24 and sources["gd-designation"].format == "pdf"
    assert len(docs) == 14
    arts = {d.id: d.articles for d in docs if d.articles}
    assert arts == {"gd-measure": 53, "gd-staff": 30, "js-rules": 53, "cx-rules": 39,
                    "order-735": 50}
    row = next(line for line in result.stdout.splitlines() if "000_b3443c26a488e755" in line)
    assert [c.strip() for c in row.split("│")[2:5]] == ["4", "53", "24"]


def _settled(spans):
    """Spans with the references that were pending at parse time left out."""
    return [sp for sp in spans if not (sp.label == "REF" and sp.data.get("pending"))]


def test_ingested_documents_equal_the_parse(db):
    """What is stored is what was parsed, except that references to other files, pending at
    parse time, are resolved once the whole ingest is stored."""
    import dataclasses

    from store_samples import parsed_corpus

    with Store(db) as s:
        for parsed in parsed_corpus():
            for doc in parsed.documents:
                stored = s.document(doc.id)
                assert dataclasses.replace(stored, spans=[]) == dataclasses.replace(doc, spans=[]), doc.id
                assert _settled(doc.spans) == [sp for sp in stored.spans if sp in _settled(doc.spans)], doc.id
                pending = [sp for sp in doc.spans if sp.label == "REF" and sp.data.get("pending")]
                relinked = [sp for sp in stored.spans if sp.label == "REF" and sp not in doc.spans]
                assert len(relinked) == len(pending), doc.id
                assert not any(sp.data.get("pending") for sp in stored.spans), doc.id
    with Store(db) as s:
        staff = s.document("gd-staff")
    cited = [sp.data for sp in staff.spans if sp.label == "REF" and sp.data.get("target_doc") == "gd-measure"]
    assert any(d["resolved"] and d["target_eid"] == "chp_4__art_37__para_1__point_4" for d in cited)
    assert any(sp.data.get("target_doc") == "order-735" and sp.data["resolved"] for sp in staff.spans
               if sp.label == "REF")


def test_reingest_replaces_and_keeps_counts(db, tmp_path):
    copy = tmp_path / "kit.db"
    shutil.copy(db, copy)
    result = run("ingest", str(CORPUS_PDFS[0]), db=copy)
    assert result.exit_code == 0, result.output
    with Store(copy) as s:
        assert len(s.documents()) == 14 and len(s.sources()) == 6


def test_ingest_bad_files_one_line_each_and_exit_1(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "clean" / "004_928757f12460cdce.txt", folder / "good.txt")
    (folder / "fake.pdf").write_text("not a pdf at all")
    (folder / "empty.docx").write_bytes(b"")
    (folder / "ignored.csv").write_text("a,b")  # not a supported type: not discovered
    db = tmp_path / "kit.db"
    result = run("ingest", str(folder), db=db)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    err = result.stderr.splitlines()
    for bad in ("fake.pdf", "empty.docx"):  # once, in the final list (#14: not twice)
        assert sum(str(folder / bad) in line for line in result.output.splitlines()) == 1, err
        assert any(line.startswith(f"  {folder / bad}: ") for line in err)
    assert "2 of 3 files failed:" in err
    table = result.stdout
    assert "good.txt" in table and "fake.pdf" not in table and "failed" not in table
    only_bad = run("ingest", str(folder / "fake.pdf"), db=tmp_path / "other.db")
    assert only_bad.exit_code == 1 and "ingested into" not in only_bad.output
    with Store(db) as s:
        assert [src.path for src in s.sources()] == [str(folder / "good.txt")]
        assert [d.articles for d in s.documents() if d.kind == "rule"] == [39]


def test_ingest_missing_file_and_nothing_to_ingest(tmp_path):
    result = run("ingest", str(tmp_path / "absent.pdf"), db=tmp_path / "kit.db")
    assert result.exit_code == 1
    assert f"{tmp_path / 'absent.pdf'}: file not found" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run("ingest", str(tmp_path / "empty"), db=tmp_path / "kit.db")
    assert result.exit_code == 2 and "no .pdf, .docx, .txt or .md files" in result.stderr


def test_ingest_into_a_file_that_is_not_a_store(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("hello" * 200)
    result = run("ingest", str(CORPUS_PDFS[0]), db=bad)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("policykit:") and "not a policykit store" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_ingest_store_failure_reported_and_others_kept(tmp_path, monkeypatch):
    from toolkit import store as store_module

    real = store_module._insert_events

    def failing(conn, doc):
        if doc.kind == "regulation":
            raise store_module.StoreError("simulated failure")
        return real(conn, doc)

    monkeypatch.setattr(store_module, "_insert_events", failing)
    files = [DATA / "clean" / "004_928757f12460cdce.txt", DATA / "clean" / "state-council-order-735.txt"]
    db = tmp_path / "kit.db"
    result = run("ingest", *map(str, files), db=db)
    assert result.exit_code == 1
    assert f"{files[1]}: not stored: simulated failure" in result.stderr
    with Store(db) as s:
        assert [src.id for src in s.sources()] == ["cx-designation"]  # nothing of the other


def _slow_parse(path, *, manifest=None):
    time.sleep(0.3)  # long enough that the second worker gets work too
    return SampleSource(source_id=str(os.getpid()), path=str(path), sha256="", format="text",
                        pages=None, documents=[])


def test_ingest_parses_in_two_processes(tmp_path, monkeypatch):
    # The pool is forked, so the workers see this replacement of the parser.
    import toolkit.ingest

    monkeypatch.setattr(toolkit.ingest, "parse_source", _slow_parse)
    files = [tmp_path / f"{i}.txt" for i in range(6)]
    results = list(corpus_cli._results(files, None))
    pids = {parsed.source_id for _, parsed, _ in results}
    assert len(results) == 6 and len(pids) == 2 and str(os.getpid()) not in pids


# --- list ------------------------------------------------------------------------------------

def test_list_json(db):
    result = run("list", "--json", db=db)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert len(rows) == 14
    with Store(db) as s:
        for summary in s.documents():
            row = rows[summary.id]
            assert (row["title"], row["doc_number"], row["kind"]) == (
                summary.title, summary.doc_number, summary.kind)
    assert rows["gd-measure"]["region_name"] == "广东省"
    assert rows["cx-rules"]["aliases"] == ["楚雄细则"]
    assert rows["order-735"]["effective"] == "2021-05-01"


def test_list_table_and_env_db(db):
    result = CliRunner(env={**ENV, "POLICYKIT_DB": str(db)}).invoke(cli, ["list"])
    assert result.exit_code == 0, result.output
    with Store(db) as s:
        for summary in s.documents():
            assert summary.id in result.stdout
            if summary.doc_number:
                assert summary.doc_number in result.stdout


def test_list_without_store(tmp_path):
    result = run("list", db=tmp_path / "none.db")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"policykit: {tmp_path / 'none.db'}: no store here (run `policykit ingest` first)"
    assert not (tmp_path / "none.db").exists()


# --- show ------------------------------------------------------------------------------------

def test_show_outline(db):
    result = run("show", "广东办法", db=db)
    assert result.exit_code == 0, result.output
    with Store(db) as s:
        doc = s.document("gd-measure")
    assert result.stdout.splitlines()[0] == f"《{doc.title}》  [gd-measure]"
    chain = next(line for line in result.stdout.splitlines() if line.startswith("chain: "))
    assert chain.split(" → ")[:3] == ["chain: 揭医保〔2024〕21号", "粤医保规〔2024〕4号", "粤医保规〔2021〕1号"]
    assert chain.endswith(f"▶ {doc.doc_number or doc.title}")
    lines = result.stdout.splitlines()
    for chapter in doc.chapters():
        assert f"{chapter.num} {chapter.heading}" in lines
    starts = [line.strip().split(" ")[0] for line in lines if line.startswith("  第")]
    assert starts == [a.num for a in doc.articles()]


@pytest.mark.parametrize("ref", ["9", "第九条", "chp_2__art_9"])
def test_show_article_as_printed(db, ref):
    result = run("show", "gd-measure", ref, db=db)
    assert result.exit_code == 0, result.output
    with Store(db) as s:
        node = s.article("gd-measure", 9)
        title = s.document("gd-measure").title
    lines = result.stdout.splitlines()
    assert lines[0] == f"《{title}》 第九条  [chp_2__art_9]"
    assert "\n".join(lines[1:-1]) == node.full_text()
    assert lines[1].startswith("第九条 ")
    assert len(lines) == 2 + 1 + len(node.children[0].children)  # head, 第九条 line, 9 items, source
    assert lines[-1] == f"source: {node.source.file}, page {node.source.page}"


def test_show_point_by_eid_and_titles(db):
    result = run("show", "cx-rules", "1", db=db)
    assert result.exit_code == 0
    with Store(db) as s:
        art = s.article("cx-rules", 1)
    assert result.stdout.splitlines()[1].startswith(f"第一条【{art.heading}】")
    point = "chp_2__art_9__para_1__point_5"
    result = run("show", "gd-measure", point, db=db)
    assert result.exit_code == 0
    assert "第九条第（五）项" in result.stdout.splitlines()[0]


@pytest.mark.parametrize("args", [("nope",), ("gd-measure", "99"), ("gd-measure", "第九十九条"),
                                  ("gd-measure", "chp_99")])
def test_show_unknown_is_one_line_exit_2(db, args):
    result = run("show", *args, db=db)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# --- export ----------------------------------------------------------------------------------

def test_export_json_to_file_atomic_and_valid(db, tmp_path):
    out = tmp_path / "gd.json"
    result = run("export", "gd-measure", "--format", "json", "-o", str(out), db=db)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text("utf-8"))
    json_validator().validate(data)
    assert data["id"] == "gd-measure"
    assert [p.name for p in tmp_path.iterdir()] == ["gd.json"]  # no temporary file left
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)
    stdout = run("export", "广东办法", db=db)  # json is the default, stdout when no -o
    assert json.loads(stdout.stdout) == data


def test_export_every_document_in_every_format(db, tmp_path):
    with Store(db) as s:
        ids = [d.id for d in s.documents()]
    for doc_id in ids:
        for fmt in ("json", "md", "akn"):
            result = run("export", doc_id, "--format", fmt, db=db)
            assert result.exit_code == 0, (doc_id, fmt, result.output)
            if fmt == "json":
                json_validator().validate(json.loads(result.stdout))
            elif fmt == "akn":
                root = etree.fromstring(result.stdout_bytes)
                assert_valid_akn(root)
                assert root.findtext(f".//{A}docTitle") is not None
            else:
                assert result.stdout.startswith("# ")


def test_export_failure_leaves_no_file(db, tmp_path):
    target = tmp_path / "missing-dir" / "x.md"
    result = run("export", "gd-measure", "--format", "md", "-o", str(target), db=db)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not target.parent.exists()
    existing = tmp_path / "keep.md"
    existing.write_text("old")
    result = run("export", "nope", "--format", "md", "-o", str(existing), db=db)
    assert result.exit_code == 2 and existing.read_text() == "old"


# --- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["中止", "基金", "医保协议", "评估"])
def test_search_json_matches_store(db, query):
    result = run("search", query, "--json", "--limit", "500", db=db)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    with Store(db) as s:
        want = {(d.id, n.eid) for d in map(s.document, (x.id for x in s.documents()))
                for n in d.root.walk() if query in n.text or query in (n.heading or "")}
    assert {(h["doc_id"], h["eid"]) for h in hits} == want and want
    assert all(f"{MARK_OPEN}{query}{MARK_CLOSE}" in h["snippet"] for h in hits)


def test_search_doc_limit_and_table(db):
    result = run("search", "中止", "--doc", "江苏细则", "--json", db=db)
    hits = json.loads(result.stdout)
    assert hits and {h["doc_id"] for h in hits} == {"js-rules"}
    assert len(json.loads(run("search", "基金", "--limit", "3", "--json", db=db).stdout)) == 3
    table = run("search", "中止", "--doc", "js-rules", db=db)
    assert table.exit_code == 0
    for h in hits:
        assert h["label"] in table.stdout


@pytest.mark.parametrize("query", ['"', "*", "AND", '中止" OR *', "没有这样的词语"])
def test_search_odd_queries(db, query):
    result = run("search", query, db=db)
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_search_unknown_doc(db):
    result = run("search", "中止", "--doc", "nope", db=db)
    assert result.exit_code == 2 and "no document 'nope'" in result.stderr


def test_commands_are_listed():
    result = run("--help")
    for name in ("ingest", "list", "show", "export", "search"):
        assert name in result.stdout
    assert ROOT.exists()


# --- one item, validity, counts, narrow terminals, near names (issue #14, #13.5) -------------

@pytest.mark.parametrize("ref", ["第九条第（五）项", "第九条第(五)项", "第九条第五项", "9.5",
                                 "chp_2__art_9__para_1__point_5"])
def test_show_one_item(db, ref):
    result = run("show", "gd-measure", ref, db=db)
    assert result.exit_code == 0, result.output
    with Store(db) as s:
        item = s.node("gd-measure", "chp_2__art_9__para_1__point_5")
    lines = result.stdout.splitlines()
    assert lines[0].endswith(" 第九条第（五）项  [chp_2__art_9__para_1__point_5]")
    assert lines[1:-1] == [item.full_text()] and lines[1].startswith("（五）因违法违规被解除协议未满3年")
    assert lines[-1] == f"source: {item.source.file}, page {item.source.page}"


def test_show_a_paragraph_and_a_sub_item(db):
    result = run("show", "gd-measure", "第十二条第二款", db=db)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("第十二条第二款  [chp_2__art_12__para_2]")
    assert "公示期为7个工作日" in result.stdout
    result = run("show", "cx-rules", "第十三条第（一）项第4目", db=db)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("第十三条第（一）项第4目  [chp_2__art_13__para_1__point_1__point_4]")


def test_show_an_item_that_is_not_there_says_what_to_type(db):
    result = run("show", "gd-measure", "第九条第（十五）项", db=db)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == ("policykit: gd-measure has no '第九条第（十五）项' (try 9, 第九条, 第九条第（五）项, "
                                     "9.5 or an eId; `policykit show gd-measure` lists the articles)")


def _rows(stdout: str) -> dict[str, str]:
    """The metadata table of `show` as field → value (folded cells joined)."""
    rows: dict[str, str] = {}
    key = None
    for line in stdout.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            key = cells[0]
            rows[key] = cells[1]
        elif key:
            rows[key] += cells[1]
    return rows


def test_show_says_what_superseded_an_inferred_last_day(db):
    result = run("show", "gd-measure", db=db)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert "2024-05-31（推定）" != rows.get("有效期至")
    assert rows["有效期至"] == "2027-06-01（粤医保规〔2024〕4号：“有效期延长至2027年6月1日”）"
    assert rows["原定有效期至"] == "2024-05-31（推定：有效期3年，自施行之日起算；已由粤医保规〔2024〕4号延长至2027-06-01）"
    assert rows["施行日期"] == "2021-06-01" and rows["有效期"] == "3年"
    assert rows["上级文件"] == "粤医保规〔2021〕1号（gd-notice-2021-1）"  # by 文号, not only an id


def test_markdown_export_says_what_superseded_an_inferred_last_day(db):
    result = run("export", "gd-measure", "--format", "md", db=db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "| 有效期至 | 2027-06-01（粤医保规〔2024〕4号：“有效期延长至2027年6月1日”） |" in lines
    assert "| 原定有效期至 | 2024-05-31（推定：有效期3年，自施行之日起算；已由粤医保规〔2024〕4号延长至2027-06-01） |" in lines
    assert "| 有效期至 | 2024-05-31（推定） |" not in lines


def test_markdown_of_a_document_whose_own_date_stands():
    from datetime import date

    from toolkit.export.markdown import document_to_markdown
    from toolkit.versions.status import with_lifecycle_facts
    from toolkit.versions.validity import status

    doc = with_lifecycle_facts(next(d for d in _parsed_staff() if d.id == "gd-staff"))
    text = document_to_markdown(doc, status(doc, date(2026, 1, 1)))
    assert "| 有效期至 | 2028-05-20（推定：有效期3年，自施行之日起算） |" in text.splitlines()
    assert "原定有效期至" not in text


def _parsed_staff():
    from conftest import parsed

    return parsed("001").documents


def test_search_says_how_many_and_how_to_see_more(db):
    with Store(db) as s:
        total = len(s.search("定点", limit=10**6))
    assert total > 20
    result = run("search", "定点", db=db)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (f"20 of {total} hits for '定点' (best first); --limit {total} or --all "
                                     f"shows them all, --doc ID narrows to one document")
    everything = run("search", "定点", "--all", "--json", db=db)
    assert len(json.loads(everything.stdout)) == total
    few = run("search", "中止", "--doc", "js-rules", db=db)
    assert few.stderr.strip().endswith("hits for '中止' in js-rules")


def _table_rows(stdout: str) -> list[dict[str, str]]:
    """A rich table's body rows as {header: cell text}, folded lines joined (blanks dropped)."""
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("┃"))
    names = [c.strip() for c in header.strip("┃").split("┃")]
    rows: list[dict[str, str]] = []
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [c.replace(" ", "") for c in line.strip("│").split("│")]
        if cells[0] or not rows:
            rows.append(dict.fromkeys(names, ""))
        for name, cell in zip(names, cells, strict=True):
            rows[-1][name] += cell
    return rows


def _widest(text: str) -> int:
    from rich.cells import cell_len

    return max(cell_len(line) for line in text.splitlines())


@pytest.mark.parametrize("width", [80, 60])
def test_list_stays_readable_in_a_narrow_terminal(db, width):
    result = CliRunner(env={**ENV, "COLUMNS": str(width)}).invoke(cli, ["--db", str(db), "list"])
    assert result.exit_code == 0, result.output
    assert _widest(result.stdout) <= width
    header = next(line for line in result.stdout.splitlines() if "编号" in line)
    cells = [c.strip() for c in header.strip("┃").split("┃")]
    assert cells[:1] == ["编号"] and "标题" in cells and all(len(c) >= 2 for c in cells)
    table = _table_rows(result.stdout)
    with Store(db) as s:
        docs = s.documents()
    assert [r["编号"] for r in table] == [d.id for d in docs]  # ids are never cut
    for d, r in zip(docs, table, strict=True):
        assert r["标题"].startswith(d.title.replace(" ", ""))  # titles fold, whole
    assert "--wide" in result.stdout


def test_list_wide_shows_every_column_on_one_line(db):
    result = CliRunner(env={**ENV, "COLUMNS": "80"}).invoke(cli, ["--db", str(db), "list", "--wide"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "编号" in line)
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "编号", "类型", "文号", "标题", "地区", "施行日期", "有效期至", "今日状态"]
    with Store(db) as s:
        titles = [d.title for d in s.documents()]
    assert all(any(t in line for line in result.stdout.splitlines()) for t in titles)  # one line each


def test_search_table_fits_80_columns(db):
    result = CliRunner(env={**ENV, "COLUMNS": "80"}).invoke(cli, ["--db", str(db), "search", "定点"])
    assert result.exit_code == 0 and _widest(result.stdout) <= 80
    assert "第十七条第（一）项第1目" in result.stdout.replace("│", "").replace(" ", "").replace("\n", "") or \
        "第十七条" in result.stdout


@pytest.mark.parametrize("args", [("show", "gd-measur"), ("export", "gd-measur"), ("search", "中止", "--doc", "gd-measur")])
def test_unknown_document_suggests_the_near_one(db, args):
    result = run(*args, db=db)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == ("policykit: no document 'gd-measur' in the store; did you mean gd-measure? "
                                     "(`policykit list` shows them all)")


def test_an_alias_typo_suggests_the_alias(db):
    result = run("show", "广东办", db=db)
    assert result.exit_code == 2 and "did you mean 广东办法 (gd-measure)?" in result.stderr
    far = run("show", "xyz", db=db)
    assert far.stderr.strip() == "policykit: no document 'xyz' in the store (try `policykit list`)"
