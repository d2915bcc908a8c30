"""``policykit decide``'s normal printout (not --json, not --explain) shows every result the
deciders give: 第四十五条's offsets, the "no 违约金 under these lists" statement, the appeal route
(extra.remedies) and a status without a last day."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from toolkit.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "decide"
JS = "《江苏省医疗机构医疗保障定点管理实施细则》"
GD_STAFF = "《广东省定点医药机构相关人员医保支付资格管理实施细则（试行）》"


def printout(store, kind: str, case: Path) -> str:
    result = CliRunner().invoke(cli, ["--db", str(store), "decide", kind, "--case", str(case)])
    assert result.exit_code == 0, result.output
    return result.stdout


def section(out: str, title: str) -> list[str]:
    """The lines of one printed section, up to the next blank line."""
    lines = out.splitlines()
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start + 1:end]


def test_article_45_offsets_are_printed_with_what_remains_due(corpus_store):
    out = printout(corpus_store, "agreement", EXAMPLES / "agreement_jiangsu_offsets.yaml")
    assert section(out, "折抵") == [
        "- 违约金不折抵罚款",
        f"    {JS}第四十五条：“经办机构按照协议约定,要求医疗机构支付的违约金,不折抵罚款”",
        "    罚款 50000.00 元；已支付违约金 25000.00 元不折抵罚款：应缴罚款 50000.00 元",
        "- 中止一日折抵暂停一日",
        f"    {JS}第四十五条：“经办机构中止相关责任人员或者所在部门涉及医疗保障基金使用的医疗服务"
        "以及中止医疗机构协议的,中止一日折抵暂停一日”",
        "    责令暂停 90 日；经办机构已中止 30 日，中止一日折抵暂停一日：尚需暂停 60 日",
        "  折抵结果：应缴罚款 50000.00 元；尚需暂停 60 日",
    ]


def test_a_breach_without_offsets_states_the_rule_for_reference(corpus_store):
    out = printout(corpus_store, "agreement", EXAMPLES / "agreement_jiangsu_breach.yaml")
    lines = section(out, "折抵")
    assert lines[0] == "- 违约金不折抵罚款；中止一日折抵暂停一日"
    assert lines[1].startswith(f"    {JS}第四十五条：“要求医疗机构支付的违约金,不折抵罚款;")
    assert lines[2:] == ["    供作出行政处罚时参照"]  # no amounts: the case states none


def test_no_listed_penalty_is_said_in_the_penalty_line(corpus_store):
    out = printout(corpus_store, "agreement", EXAMPLES / "agreement_jiangsu_article_42.yaml")
    assert "违约金：不属于第四十三条、第四十四条所列违约行为：不依这两条支付违约金，按协议约定处理" \
        in out.splitlines()


def test_staff_decisions_print_the_appeal_route(corpus_store):
    out = printout(corpus_store, "staff", EXAMPLES / "staff_guangdong_institution.yaml")
    assert section(out, "救济途径") == [
        "- 对记分结果、登记备案状态有异议的，可以提出陈述、申辩",
        f"    {GD_STAFF}第二十四条：“受理定点医药机构及其相关人员对记分结果、登记备案状态动态维护"
        "异议提出的陈述、申辩”",
    ]
    assert "当前状态：暂停（所在机构被中止医保协议，登记备案状态调整为暂停）：2026-07-01 至 2026-08-31" \
        in out.splitlines()


def test_a_status_without_a_last_day_is_printed_as_open(corpus_store, tmp_path):
    case = tmp_path / "staff_open.yaml"
    text = (EXAMPLES / "staff_guangdong_institution.yaml").read_text(encoding="utf-8")
    case.write_text(text.replace(", end: 2026-08-31}", "}"), encoding="utf-8")
    out = printout(corpus_store, "staff", case)
    assert out.startswith("暂停医保支付资格（2026-07-01起，随所在机构中止期）")
    assert ("当前状态：暂停（所在机构被中止医保协议，登记备案状态调整为暂停）：自 2026-07-01 起，"
            "期限未定（没有截止日期）；恢复申请、修复申请的起算日待期限确定后计算") in out.splitlines()
    assert "救济途径" in out.splitlines()


def test_an_impossible_date_is_named_as_such(corpus_store):
    result = CliRunner().invoke(cli, ["--db", str(corpus_store), "decide", "staff", "--case",
                                      str(EXAMPLES / "staff_guangdong.yaml"), "--date", "2026-02-30"])
    assert result.exit_code == 2
    assert result.stderr.strip() == \
        "policykit decide: --date: 2026-02-30 does not exist (2026年2月只有28天)"
