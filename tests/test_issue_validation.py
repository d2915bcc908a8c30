"""Validation before a 文号 is taken (issue #15 points 4, 5, 7, 9; #14 error messages): every
case-file loader gives a field error for an impossible date written either way, every reason of
a bad batch row is listed, hidden characters and over-long fields are refused with the field
named, `item: true` is not item 1, the office and the region must agree — and none of these
takes a number."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from batch_samples import EXAMPLES, make_examples, store_copy
from click.testing import CliRunner

from toolkit.cli.main import cli
from toolkit.documents.cases import CaseError, load_case, parse_case, shown
from toolkit.issuing.batch_table import parse_rows, read_sheet, schema_for, write_case_table
from toolkit.issuing.notice_issue import OfficeError, check_office_region, prepare_notice
from toolkit.issuing.numbering import load_offices
from toolkit.issuing.register import Register

REFUSAL = (EXAMPLES / "refusal.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(CaseError) as err:
        load_case(path)
    return err.value.problems


def _example() -> dict:
    return yaml.safe_load(REFUSAL)


# ----------------------------------------------------------------------------- #15.4 dates


@pytest.mark.parametrize("field,written,reason", [
    ("date", "2026-02-30", "成文日期（date）：2026-02-30 不存在（2026年2月只有28天）"),
    ("received_on", "2026-11-31", "收到申请日期（received_on）：2026-11-31 不存在（2026年11月只有30天）"),
])
@pytest.mark.parametrize("quoted", [False, True])
def test_an_impossible_date_is_a_field_error_quoted_or_not(tmp_path, field, written, reason,
                                                           quoted):
    value = f'"{written}"' if quoted else written
    lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line
             for line in REFUSAL.splitlines()]
    assert f"{field}: {value}" in lines
    problems = _problems(_write(tmp_path, "\n".join(lines)))
    assert reason in problems


def test_the_cli_gives_the_field_error_not_a_traceback(tmp_path, corpus_store):
    path = _write(tmp_path, REFUSAL.replace("date: 2026-11-23", "date: 2026-02-30"))
    result = CliRunner().invoke(cli, ["--db", str(corpus_store), "notice", "refusal",
                                      "--case", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "成文日期（date）：2026-02-30 不存在（2026年2月只有28天）" in result.stderr
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert not (tmp_path / "out").exists()


def test_messages_never_show_python_reprs():
    data = _example() | {"applicant": {"name": "康宁诊所", "kind": "2026-11-25"}}
    import datetime as dt

    data["applicant"]["credit_code"] = dt.date(2026, 11, 25)  # a date where a text belongs
    with pytest.raises(CaseError) as err:
        parse_case(data, "case.yaml")
    text = str(err.value)
    assert "datetime.date" not in text and "'" not in text
    assert "机构类别（applicant.kind）：应为以下之一：医疗机构、零售药店（现为：“2026-11-25”）" in text
    assert "统一社会信用代码（applicant.credit_code）：应为文字（现为：2026-11-25）" in text
    assert shown(True) == "true" and shown(dt.date(2026, 1, 2)) == "2026-01-02"


# ----------------------------------------------------------------------------- #15.9, #15.7


def test_item_true_is_refused_not_taken_as_item_1():
    data = _example()
    data["grounds"] = [{"item": True, "facts": "经核查。"}]
    with pytest.raises(CaseError) as err:
        parse_case(data, "case.yaml")
    assert err.value.problems == ["理由（条款项号和事实） › 第1项 › 条款项号（grounds.[1].item）："
                                  "应为整数，不是 true"]


@pytest.mark.parametrize("char,kind,name", [
    ("\x1b", "不可见的控制字符", "ESC"),
    ("\u202e", "改变文字方向的字符", "RIGHT-TO-LEFT OVERRIDE"),
    ("\u2066", "改变文字方向的字符", "LEFT-TO-RIGHT ISOLATE"),
    ("\u200b", "不可见的控制字符", "ZERO WIDTH SPACE"),
])
def test_hidden_characters_are_refused_with_the_field_named(char, kind, name):
    data = _example()
    data["applicant"]["name"] = f"康宁{char}[31m诊所"
    with pytest.raises(CaseError) as err:
        parse_case(data, "case.yaml")
    (problem,) = err.value.problems
    assert problem.startswith("申请单位 › 单位名称（applicant.name）：含有")
    assert f"{kind} U+{ord(char):04X}（{name}，第3个字符）" in problem
    assert char not in str(err.value)  # the message itself prints plainly


@pytest.mark.parametrize("field,size,reason", [
    ("addressee", 100_000, "主送机关（addressee）：太长：最多200个字符（现有100000个字符）"),
    ("facts", 1_000_000, "理由（条款项号和事实） › 第1项 › 事实描述（grounds.[1].facts）："
                         "太长：最多2000个字符（现有1000000个字符）"),
    ("case_id", 300, "案件编号（case_id）：太长：最多64个字符（现有300个字符）"),
])
def test_over_long_fields_are_refused_without_echoing_them(field, size, reason):
    data = _example()
    if field == "facts":
        data["grounds"][0]["facts"] = "查" * size
    else:
        data[field] = "查" * size
    with pytest.raises(CaseError) as err:
        parse_case(data, "case.yaml")
    assert err.value.problems == [reason]
    assert len(str(err.value)) < 300


def test_a_masthead_that_does_not_fit_one_line_is_refused():
    data = _example()
    data["issuer"]["mark"] = "揭阳市医疗保障局" * 2 + "文件"  # 18 characters at 26 pt
    with pytest.raises(CaseError) as err:
        parse_case(data, "case.yaml")
    (problem,) = err.value.problems
    assert problem.startswith("发文机关 › 发文机关标志（红头）（issuer.mark）：太长，26磅字一行排不下")
    data["issuer"]["mark"] = "揭阳市医疗保障局文件"
    assert parse_case(data, "case.yaml").issuer.mark == "揭阳市医疗保障局文件"


def test_a_long_case_id_draft_is_refused_cleanly(tmp_path, corpus_store):
    path = _write(tmp_path, REFUSAL.replace("doc_number: 揭医保〔2026〕101号\n", "")
                  + "case_id: " + "案" * 200 + "\n")
    result = CliRunner().invoke(cli, ["--db", str(corpus_store), "notice", "refusal",
                                      "--case", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "案件编号（case_id）：太长：最多64个字符（现有200个字符）" in result.stderr
    assert "OSError" not in result.output


# ----------------------------------------------------------------------------- office × region


def test_the_office_and_the_region_must_agree():
    offices = load_offices()
    check_office_region(offices.get("jieyang-ybj"), "guangdong")  # 揭阳 applies Guangdong's
    check_office_region(offices.get("chuxiong-ybj"), "chuxiong")
    with pytest.raises(OfficeError, match="发文机关“楚雄州医疗保障局”属于楚雄彝族自治州，不能依照广东省"
                                          "的规定（region: guangdong）发文"):
        check_office_region(offices.get("chuxiong-ybj"), "guangdong")
    with pytest.raises(OfficeError, match="不能依照江苏省"):
        check_office_region(offices.get("zhanjiang-ybj"), "jiangsu")


def test_a_chuxiong_office_issuing_under_guangdong_rules_takes_no_number(tmp_path,
                                                                          corpus_store):
    db = store_copy(corpus_store, tmp_path / "policykit.db")
    path = _write(tmp_path, REFUSAL.replace("name: 揭阳市医疗保障局", "name: 楚雄州医疗保障局"))
    result = CliRunner().invoke(cli, ["--db", str(db), "notice", "refusal", "--case", str(path),
                                      "-o", str(tmp_path / "out"), "--pdf"])
    assert result.exit_code == 2, result.output
    assert "发文机关与地区不一致，未分配文号" in result.stderr
    with Register(db) as reg:
        assert reg.entries() == []


def test_prepare_notice_refuses_before_building_anything(corpus_store):
    from toolkit.corpus import Corpus

    case = parse_case(_example() | {"issuer": {"name": "楚雄州医疗保障局"}}, "case.yaml")
    corpus = Corpus.open(corpus_store)
    try:
        with pytest.raises(OfficeError, match="不一致"):
            prepare_notice("refusal", case, corpus, load_offices())
    finally:
        corpus.store.close()


# ----------------------------------------------------------------------------- #15.5 batch rows


def test_a_batch_row_lists_every_reason(tmp_path):
    good = make_examples().example_rows()
    bad = dict(good[0]) | {"applicant.name": "", "region": "atlantis",
                           "grounds.item": "TRUE", "addressee": "康宁\u202e诊所"}
    table = write_case_table(tmp_path / "cases.csv", schema_for("refusal"), [good[0], bad])
    rows = parse_rows(schema_for("refusal"), read_sheet(table))
    assert rows[0].ok
    problems = rows[1].problems
    assert any(p.startswith("地区（region）：应为以下之一：guangdong、jiangsu、chuxiong") for p in problems)
    assert "申请单位 › 单位名称（applicant.name）：缺少此项（必填）" in problems
    assert any(p.startswith("主送机关（addressee）：含有改变文字方向的字符 U+202E") for p in problems)
    assert any(p.startswith("理由（条款项号和事实） › 第1项 › 条款项号（grounds.[1].item）：应为整数")
               for p in problems)
    assert len(problems) == 4, problems


def test_a_notice_that_cannot_be_rendered_takes_no_number(tmp_path, corpus_store, monkeypatch):
    from toolkit.issuing import notice_issue

    db = store_copy(corpus_store, tmp_path / "policykit.db")
    seen = []

    def broken(template, context):
        seen.append(context["doc_number"])
        raise KeyError("applicant_name")

    monkeypatch.setattr(notice_issue, "render_bytes", broken)
    result = CliRunner().invoke(cli, ["--db", str(db), "notice", "refusal", "--case",
                                      str(EXAMPLES / "refusal.yaml"), "-o", str(tmp_path / "out"),
                                      "--pdf"])
    assert result.exit_code == 2, result.output
    assert "不予受理通知书无法生成（KeyError: 'applicant_name'），未分配文号" in result.stderr
    assert seen == ["揭医保〔2026〕99999号"]  # the stand-in of the office's series
    with Register(db) as reg:
        assert reg.entries() == []


def test_names_and_lines_stay_on_one_line_paragraphs_may_break():
    data = _example()
    data["applicant"]["name"] = "康宁\n诊所"
    data["grounds"][0]["facts"] = "经核查，\n你单位因违法违规被解除医保协议。"
    with pytest.raises(CaseError) as err:
        parse_case(data, "case.yaml")
    assert err.value.problems == ["申请单位 › 单位名称（applicant.name）：含有换行（第3个字符）：此项只能写一行"
                                  "（现为：“康宁<U+000A>诊所”）"]
