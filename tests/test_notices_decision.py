"""Decisions feeding notices (issue #14): `decide --explain` says what was tested, and
`notice --from-decision` refuses a decision about another party or of another date; `--date`
checks the case against the given date."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from toolkit.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DECIDE = EXAMPLES / "decide" / "application_guangdong.yaml"


def run(store, *args):
    return CliRunner().invoke(cli, ["--db", str(store), *map(str, args)])


def test_explain_states_the_comparison_the_facts_satisfy(corpus_store):
    # 120 beds against the 100-bed threshold of 第六条第（三）项: 不少于 100, so the exemption
    # ("少于 100") does not apply and the department is required.
    out = run(corpus_store, "decide", "application", "--case", DECIDE, "--explain").output
    line = next(x.strip() for x in out.splitlines() if x.strip().startswith("facts.beds"))
    assert line.startswith("facts.beds = 120；不少于 100，“少于 100”不成立 → 否；")
    assert "120；少于 100" not in out
    assert "facts.physicians_first_registered = 3；不少于 1 → 是" in out


def test_explain_below_the_threshold(corpus_store, tmp_path):
    data = yaml.safe_load(DECIDE.read_text(encoding="utf-8"))
    data["facts"] |= {"beds": 80, "physicians_first_registered": 0}
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = run(corpus_store, "decide", "application", "--case", case, "--explain").output
    assert "facts.beds = 80；少于 100 → 是" in out
    assert "facts.physicians_first_registered = 0；少于 1，“不少于 1”不成立 → 否" in out


def _decision(corpus_store, tmp_path) -> Path:
    decided = run(corpus_store, "decide", "application", "--case", DECIDE, "--json")
    assert decided.exit_code == 0, decided.output
    path = tmp_path / "decision.json"
    path.write_text(decided.output, encoding="utf-8")
    return path


def _case(tmp_path, **changes) -> Path:
    data = yaml.safe_load((EXAMPLES / "refusal.yaml").read_text(encoding="utf-8"))
    data.pop("grounds")
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data | changes, allow_unicode=True), encoding="utf-8")
    return path


def test_decision_about_another_applicant_and_date_is_refused(corpus_store, tmp_path):
    # The decision is about 揭阳市某某医院 on 2027-03-01; the case is 康宁诊所's of 2026-11-23.
    out = tmp_path / "out"
    result = run(corpus_store, "notice", "refusal", "--case", _case(tmp_path),
                 "--from-decision", _decision(corpus_store, tmp_path), "-o", out)
    assert result.exit_code == 2
    assert "决定文件是对“揭阳市某某医院”作出的，本文书的对象是“揭阳市榕城区康宁诊所”" in result.output
    assert "决定文件的判断日期是2027年3月1日，本文书的成文日期是2026年11月23日" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []


def test_matching_decision_with_date_option(corpus_store, tmp_path):
    # Same applicant; the file says 2026-11-23 but --date gives the decision's date.
    case = _case(tmp_path, applicant={"name": "揭阳市某某医院"}, received_on="2027-02-20")
    decision = _decision(corpus_store, tmp_path)
    ok = run(corpus_store, "notice", "refusal", "--case", case, "--from-decision", decision,
             "--date", "2027-03-01", "-o", tmp_path / "out")
    assert ok.exit_code == 0, ok.output
    stale = run(corpus_store, "notice", "refusal", "--case", case, "--from-decision", decision,
                "--date", "2027-03-02", "-o", tmp_path / "out2")
    assert stale.exit_code == 2 and "--date 2027-03-02" in stale.output


def test_date_option_is_what_the_case_is_checked_against(corpus_store, tmp_path):
    # Received 2026-11-25: after the file's own date (2026-11-23), before the --date given.
    data = yaml.safe_load((EXAMPLES / "refusal.yaml").read_text(encoding="utf-8"))
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data | {"received_on": "2026-11-25"}, allow_unicode=True),
                    encoding="utf-8")
    plain = run(corpus_store, "notice", "refusal", "--case", case, "-o", tmp_path / "a")
    assert plain.exit_code == 2
    given = run(corpus_store, "notice", "refusal", "--case", case, "--date", "2026-11-30",
                "-o", tmp_path / "b")
    assert given.exit_code == 0, given.output
    from docx import Document

    texts = [p.text for p in Document(given.output.strip().splitlines()[-1]).paragraphs]
    assert "2026年11月30日" in texts


def test_engine_json_names_the_party(corpus_store, tmp_path):
    data = json.loads(_decision(corpus_store, tmp_path).read_text(encoding="utf-8"))
    assert data["applicant"]["name"] == "揭阳市某某医院" and data["date"] == "2027-03-01"
