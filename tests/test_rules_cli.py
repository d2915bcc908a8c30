"""``policykit decide`` through click's CliRunner on the session store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "decide"


def run(store, *args):
    return CliRunner().invoke(cli, ["--db", str(store), "decide", *map(str, args)])


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_decides(corpus_store, path):
    kind = path.stem.split("_")[0]
    result = run(corpus_store, kind, "--case", path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == kind and data["outcome"] and data["errors"] == []


def test_application_json_for_the_notice_generator(corpus_store):
    result = run(corpus_store, "application", "--case", EXAMPLES / "application_guangdong.yaml", "--json")
    data = json.loads(result.stdout)
    assert (data["region"], data["date"], data["outcome"]) == ("guangdong", "2027-03-01", "refused")
    (ground,) = data["grounds"]
    assert (ground["key"], ground["item"], ground["concept"]) == ("terminated_for_violation", 5, "refusal_grounds")
    cite = ground["citations"][0]
    assert (cite["doc_id"], cite["eid"], cite["label"]) == ("gd-measure", "chp_2__art_9__para_1__point_5", "第九条第（五）项")
    assert cite["text"].startswith("（五）因违法违规被解除协议未满3年")
    assert [c["key"] for c in data["unmet_conditions"]] == ["insurance_department"]


def test_date_option_overrides_the_case(corpus_store):
    # 2027-03-02: 满3年 and the penalty fully performed: the refusal ground no longer applies.
    result = run(corpus_store, "application", "--case", EXAMPLES / "application_guangdong.yaml",
                 "--date", "2027-03-02", "--json")
    assert json.loads(result.stdout)["outcome"] == "conditions_unmet"


def test_explain_lists_every_rule(corpus_store):
    result = run(corpus_store, "application", "--case", EXAMPLES / "application_guangdong.yaml", "--explain")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("不予受理定点申请")
    assert "逐条检查" in out
    assert out.count("- [") == 9 + 8 + 5
    assert "[是] refusal terminated_for_violation" in out
    assert "2027-03-01 未满3年" in out


def test_bad_case_lists_file_fields_and_reasons(corpus_store, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: guangdong\ndate: 2026-02-30\napplicant: {name: x, type: clinic}\nfacts: {bedz: 1}\n",
                   encoding="utf-8")
    result = run(corpus_store, "application", "--case", bad)
    assert result.exit_code == 2
    err = result.stderr
    assert f"{bad}: 3 problem(s)" in err
    for field in ("date:", "applicant.type:", "facts.bedz:"):
        assert field in err
    assert result.stdout == ""


def test_unreadable_case(corpus_store, tmp_path):
    result = run(corpus_store, "staff", "--case", tmp_path / "missing.yaml")
    assert result.exit_code == 2 and "missing.yaml" in result.stderr and "cannot read" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("region: [guangdong\n", encoding="utf-8")
    result = run(corpus_store, "staff", "--case", broken)
    assert result.exit_code == 2 and "not valid YAML" in result.stderr


def test_unknown_year_exits_non_zero(corpus_store, tmp_path):
    case = tmp_path / "t.yaml"
    case.write_text("region: guangdong\nreceived: 2026-11-20\n", encoding="utf-8")
    result = run(corpus_store, "timeline", "--case", case, "--json")
    assert result.exit_code == 2
    assert "2027" in result.stderr and "holidays.yaml" in result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == "incomplete" and data["deadlines"][0]["end"] == "2026-11-27"


def test_decision_errors_are_one_line(corpus_store, tmp_path):
    case = tmp_path / "a.yaml"
    case.write_text("region: hunan\ndate: 2026-06-01\napplicant: {name: x}\n", encoding="utf-8")
    result = run(corpus_store, "application", "--case", case)
    assert result.exit_code == 2 and "no rule table for region 'hunan'" in result.stderr


def test_staffing(corpus_store):
    result = run(corpus_store, "staffing", "--beds", 250, "--date", "2026-11-20")
    assert result.exit_code == 0 and result.stdout.startswith("250张床位：配备4名以上专职医保管理人员")
    result = run(corpus_store, "staffing", "--outpatient-only", "--json", "--date", "2026-11-20")
    assert json.loads(result.stdout)["minimum_staff"] == 1
    assert run(corpus_store, "staffing").exit_code == 2


def test_case_is_required(corpus_store):
    result = run(corpus_store, "agreement")
    assert result.exit_code == 2 and "agreement needs --case FILE" in result.stderr


def test_no_store(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "decide", "staffing", "--beds", "10"])
    assert result.exit_code == 2 and "policykit ingest" in result.stderr
