"""``policykit compare``: documents named by id, short name, 文号 or title; outputs; errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from compare_samples import CX, GD, JS, build_store

from toolkit.cli.main import cli


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory)


def run(store_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(store_path), "compare", *args])
    return result


def test_terminal_view(store_path):
    result = run(store_path, GD, JS, CX)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "关键参数差异" in out and "条文对照" in out and "仅一方规定的条文" in out
    assert "评估期限" in out and "20个工作日" in out


def test_terminal_view_fits_80_columns_and_cites_as_printed(store_path):
    from rich.cells import cell_len

    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--db", str(store_path), "compare", GD, JS, CX])
    assert result.exit_code == 0, result.output
    out = result.output
    assert max(cell_len(line) for line in out.splitlines()) <= 80
    assert "不满3年" in out and "未规定" in out
    wide = CliRunner(env={"COLUMNS": "250"}).invoke(cli, ["--db", str(store_path), "compare", GD, JS, CX]).output
    assert "第十三条第（一）项第4目" in wide and "部分未规定" in wide and "弱匹配" in wide and "未规定" in wide
    for internal in ("chp_", "agreement_term", "evaluation_period", "3年 <", "之后", "shared key terms"):
        assert internal not in out and internal not in wide, internal


def test_unknown_document_suggests_the_near_one(store_path):
    result = run(store_path, "gd-measur", JS)
    assert result.exit_code == 2
    assert result.output.strip() == ("policykit: no document 'gd-measur' in the store; did you mean gd-measure? "
                                     "(`policykit list` shows them all)")


def test_json_to_stdout_with_names_and_document_numbers(store_path):
    # a short name, the 文号 of the notice publishing the rule, and a title
    result = run(store_path, "广东办法", "苏医保规〔2023〕3号", "楚雄州医疗保障定点管理经办规程实施细则（试行）", "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["documents"] == [GD, JS, CX]
    assert data["baseline"] is None


def test_files_and_baseline(store_path, tmp_path):
    paths = {ext: tmp_path / f"r.{ext}" for ext in ("html", "docx", "csv", "json")}
    result = run(store_path, GD, JS, "--baseline", "条例", *[x for ext, p in paths.items() for x in (f"--{ext}", str(p))])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"wrote {p}" for p in paths.values()]
    data = json.loads(paths["json"].read_text("utf-8"))
    assert data["baseline"] == "order-735" and data["documents"] == [GD, JS]
    assert any(r.get("baseline") for r in data["rows"])
    assert paths["html"].read_text("utf-8").startswith("<!DOCTYPE html>")
    assert paths["docx"].read_bytes()[:2] == b"PK"


def test_unknown_document_is_one_line_exit_2(store_path, tmp_path):
    out = tmp_path / "x.json"
    result = run(store_path, GD, "no-such-rule", "--json", str(out))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["policykit: no document 'no-such-rule' in the store (try `policykit list`)"]
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    ((GD,), "compare needs at least two documents"),
    ((GD, "广东办法"), "the same document is given twice: gd-measure, gd-measure"),
    ((GD, JS, "--baseline", GD), "gd-measure is both compared and the baseline"),
])
def test_wrong_arguments(store_path, args, message):
    result = run(store_path, *args)
    assert result.exit_code == 2
    assert result.output.strip() == f"policykit: {message}"


def test_missing_output_folder_writes_nothing(store_path, tmp_path):
    good = tmp_path / "ok.html"
    result = run(store_path, GD, JS, "--html", str(good), "--docx", str(tmp_path / "missing" / "x.docx"))
    assert result.exit_code == 2
    assert "folder" in result.output and "missing" in result.output
    assert not good.exists()


def test_no_store(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "compare", GD, JS])
    assert result.exit_code == 2
    assert result.output.strip().endswith("no store here (run `policykit ingest` first)")


def test_the_implemented_work_is_the_default_baseline(tmp_path):
    """The three rules implement 国家医疗保障局令第2号, which is not bundled: no baseline. A store
    where they implement 国务院令第735号 compares them against it without being asked."""
    import copy

    from conftest import parsed

    from toolkit.store import Store

    db = tmp_path / "pk.db"
    with Store(db) as store:
        for key in ("000", "002", "735"):
            source = copy.deepcopy(parsed(key, "clean"))
            for d in source.documents:
                if d.id in (GD, JS):
                    assert d.meta["implements"] == "nhsa-order-2"
                    d.meta["implements"] = "order-735"
            store.save(source)
    result = CliRunner().invoke(cli, ["--db", str(db), "compare", GD, JS, "--json", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["baseline"] == "order-735"


def test_no_baseline_when_the_implemented_work_is_not_stored(store_path):
    data = json.loads(run(store_path, GD, JS, "--json", "-").output)
    assert data["baseline"] is None and "baseline" not in data["rows"][0]


def test_output_is_the_same_in_another_process(store_path, tmp_path):
    """Byte-identical reports from two processes with different hash seeds."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        code = ("import sys; from toolkit.cli.main import cli; sys.argv = ['policykit'] + sys.argv[1:]; cli()")
        subprocess.run([sys.executable, "-c", code, "--db", str(store_path), "compare", GD, JS, CX,
                        "--json", str(out / "c.json"), "--html", str(out / "c.html"), "--docx", str(out / "c.docx")],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        outs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outs[0] == outs[1] and len(outs[0]) == 3
