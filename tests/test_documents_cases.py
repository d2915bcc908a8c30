"""Case validation, escaping, strict templates, decisions, in-force refusal and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from docx import Document

from toolkit.cli.main import cli
from toolkit.documents.basis import DocumentError
from toolkit.documents.cases import CASE_MODELS, CaseError, load_case, parse_case
from toolkit.documents.decision import load_decision
from toolkit.documents.doctypes import TYPES
from toolkit.documents.render import generate, render_bytes

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_data(doc_type: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{doc_type}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus(corpus_store):
    from toolkit.corpus import Corpus

    c = Corpus.open(corpus_store)
    yield c
    c.store.close()


def paras(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


# ----------------------------------------------------------------------------- validation


def test_every_type_has_a_valid_example_and_a_template():
    assert set(TYPES) == set(CASE_MODELS)
    for key, t in TYPES.items():
        assert load_case(t.example).type == key
        assert t.template.exists()


def test_every_bad_field_is_named_with_a_reason(tmp_path):
    data = example_data("refusal")
    data["doc_number"] = "揭医保[2026]012号"
    data["date"] = "2026-13-01"
    del data["received_on"]
    data["applicant"] = {"name": "  ", "kind": "药店"}
    data["grounds"] = [{"item": 0, "facts": "x"}]
    data["colour"] = "red"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CaseError) as err:
        load_case(path)
    problems = err.value.problems
    assert len(problems) == 7
    text = str(err.value)
    assert text.startswith(f"{path}: 案件数据有 7 处错误")
    for expected in ("发文字号（doc_number）：应形如“揭医保〔2026〕12号”",
                     "成文日期（date）：2026-13-01 不存在（没有13月）",
                     "收到申请日期（received_on）：缺少此项（必填）",
                     "申请单位 › 单位名称（applicant.name）：不能为空",
                     "申请单位 › 机构类别（applicant.kind）：应为以下之一：医疗机构、零售药店（现为：“药店”）",
                     "理由（条款项号和事实） › 第1项 › 条款项号（grounds.[1].item）：不能小于 1",
                     "colour（colour）：不认识的字段"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)


def test_cross_field_check_names_the_fields():
    data = example_data("refusal") | {"received_on": "2026-12-01"}
    with pytest.raises(CaseError, match="收到申请日期（received_on）不能晚于成文日期（date）"):
        parse_case(data, "case.yaml")


def test_type_on_the_command_line_must_match_the_file():
    with pytest.raises(CaseError, match="文件写的是 “refusal”，命令要求 “termination”"):
        parse_case(example_data("refusal"), "case.yaml", "termination")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("type: refusal\nregion: [guangdong\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"(?s)broken.yaml: .*第3行：文件格式错误"):
        load_case(path)


# ----------------------------------------------------------------------------- rendering


def test_case_text_is_printed_literally_never_evaluated(corpus, tmp_path):
    nasty = "<b>A&B</b> {{ doc_number }} {% if true %}X{% endif %} {{ 7*7 }}"
    data = example_data("refusal") | {"addressee": nasty}
    data["grounds"] = [{"item": 5, "facts": nasty}]
    doc = generate("refusal", parse_case(data), corpus, tmp_path)
    texts = paras(doc.path)
    assert f"{nasty}：" in texts
    assert f"1.{nasty}" in texts
    assert not any("49" in t for t in texts)


def test_missing_template_field_is_an_error_not_a_blank(tmp_path):
    template = TYPES["interview"].template
    with pytest.raises(DocumentError, match="字段缺失.*place"):
        render_bytes(template, {"issuer_mark": "x", "doc_number": "x〔2026〕1号",
                                "addressee": "x", "issues": [], "basis": [], "at_cn": "x"})


def test_not_in_force_on_the_document_date_is_refused(corpus, tmp_path):
    # The Guangdong measure's validity was extended to 2027-06-01 (粤医保规〔2024〕4号).
    case = parse_case(example_data("refusal") | {"date": "2027-06-02", "received_on": "2027-06-01"})
    with pytest.raises(DocumentError) as err:
        generate("refusal", case, corpus, tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("不能引用《广东省医疗机构医疗保障定点管理暂行办法》（gd-measure）作为依据")
    assert "2027年6月2日" in message
    assert list(tmp_path.iterdir()) == []
    on_last_day = parse_case(example_data("refusal") | {"date": "2027-06-01",
                                                        "received_on": "2027-05-31"})
    assert generate("refusal", on_last_day, corpus, tmp_path).path.exists()


def test_jiangsu_rules_before_they_took_effect(corpus, tmp_path):
    case = parse_case(example_data("refusal") | {"region": "jiangsu", "date": "2023-12-29",
                                                 "received_on": "2023-12-20"})
    with pytest.raises(DocumentError, match="不能引用《江苏省医疗机构医疗保障定点管理实施细则》"):
        generate("refusal", case, corpus, tmp_path)


def test_date_override_revalidates_the_case(corpus, tmp_path):
    case = parse_case(example_data("refusal"))
    out = generate("refusal", case, corpus, tmp_path, on=date(2026, 11, 24))
    assert "2026年11月24日" in paras(out.path)
    with pytest.raises(CaseError, match="不能晚于成文日期"):
        generate("refusal", case, corpus, tmp_path, on=date(2026, 11, 1))


def test_deposit_above_the_jiangsu_cap_is_refused(corpus, tmp_path):
    data = example_data("service_agreement")
    data["deposit"] = {"percent": 6}
    with pytest.raises(DocumentError, match="不得高于5%"):
        generate("service_agreement", parse_case(data), corpus, tmp_path)


def test_fixed_agreement_only_where_the_rules_allow_it(corpus, tmp_path):
    data = example_data("service_agreement") | {"region": "guangdong"}
    data.pop("deposit")
    data["term"] = {"start_on": "2027-01-01", "kind": "固定", "years": 3}
    texts = paras(generate("service_agreement", parse_case(data), corpus, tmp_path).path)
    assert any("固定协议期限3年，自2027年1月1日起至2029年12月31日止" in t for t in texts)
    data["term"]["years"] = 1
    with pytest.raises(DocumentError, match="固定协议不少于2年"):
        generate("service_agreement", parse_case(data), corpus, tmp_path)
    data["region"] = "jiangsu"
    data["term"]["years"] = 3
    with pytest.raises(DocumentError, match="只能签订年度协议"):
        generate("service_agreement", parse_case(data), corpus, tmp_path)


# ----------------------------------------------------------------------------- decisions


def decision_file(tmp_path: Path, grounds: list[dict], **extra) -> Path:
    path = tmp_path / "decision.json"
    path.write_text(json.dumps({"grounds": grounds, **extra}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def test_from_decision_quotes_the_engines_citations(corpus, tmp_path):
    data = example_data("refusal")
    data.pop("grounds")
    path = decision_file(tmp_path, [
        {"key": "refusal.fraud", "label": "以弄虚作假手段申请定点，自发现之日起未满3年",
         "citations": [{"doc_id": "gd-measure", "eid": "chp_2__art_9__para_1__point_4"}]}],
        region="guangdong", type="refusal", engine="rules 0.1")
    out = generate("refusal", parse_case(data), corpus, tmp_path / "out",
                   decision=load_decision(path))
    texts = paras(out.path)
    i = texts.index("1.以弄虚作假手段申请定点，自发现之日起未满3年")
    cite = corpus.cite_node("gd-measure", "chp_2__art_9__para_1__point_4", date(2026, 11, 23))
    assert texts[i + 2] == cite.text


def test_decision_must_cite_the_cases_region(corpus, tmp_path):
    data = example_data("refusal")
    data.pop("grounds")
    path = decision_file(tmp_path, [{"key": "k", "label": "l", "citations": [
        {"doc_id": "js-rules", "eid": "chp_2__art_9__para_1__point_4"}]}])
    with pytest.raises(DocumentError, match="js-rules 不是 guangdong 的规定"):
        generate("refusal", parse_case(data), corpus, tmp_path / "o", decision=load_decision(path))


def test_decision_and_case_grounds_together_are_refused(corpus, tmp_path):
    path = decision_file(tmp_path, [{"key": "k", "label": "l", "citations": [
        {"doc_id": "gd-measure", "eid": "chp_2__art_9__para_1__point_4"}]}])
    with pytest.raises(DocumentError, match="不能同时给出"):
        generate("refusal", parse_case(example_data("refusal")), corpus, tmp_path / "o",
                 decision=load_decision(path))


def test_malformed_decision_names_its_fields(tmp_path):
    path = decision_file(tmp_path, [{"key": "k", "citations": []}])
    with pytest.raises(CaseError) as err:
        load_decision(path)
    assert any(p.startswith("理由 › 第1项 › 理由（grounds.[1].label）：缺少此项")
               for p in err.value.problems)
    assert any(p.startswith("理由 › 第1项 › 引用（grounds.[1].citations）：至少要有一项")
               for p in err.value.problems)


# ----------------------------------------------------------------------------- CLI


def test_cli_notice_writes_the_docx(corpus_store, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--db", str(corpus_store), "notice", "refusal", "--case",
                                      str(EXAMPLES / "refusal.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = Path(result.output.strip())
    assert written.parent == out and written.exists()
    check = CliRunner().invoke(cli, ["check", str(written)])
    assert check.exit_code == 0 and "OK" in check.output


def test_cli_invalid_case_exits_2_and_writes_nothing(corpus_store, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(example_data("termination") | {"effective_on": "明天"},
                                  allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--db", str(corpus_store), "notice", "termination",
                                      "--case", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "解除生效日期（effective_on）：日期格式应为 YYYY-MM-DD" in result.output
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_agreement_and_unknown_type(corpus_store, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["--db", str(corpus_store), "agreement", "internet_plus", "--case",
                             str(EXAMPLES / "internet_plus.yaml"), "-o", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["--db", str(corpus_store), "agreement", "refusal", "--case",
                              str(EXAMPLES / "refusal.yaml"), "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "未知的类型 'refusal'" in bad.output


def test_cli_templates_lists_every_type_with_fields_and_example():
    result = CliRunner().invoke(cli, ["templates"])
    assert result.exit_code == 0
    for key, t in TYPES.items():
        assert f"{key} — {t.name}" in result.output
        assert f"examples/{key}.yaml" in result.output
    assert "received_on: 收到申请日期（必填）" in result.output


def test_cli_check_rejects_other_files(tmp_path):
    other = tmp_path / "x.txt"
    other.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(other)])
    assert result.exit_code == 2 and "只能检查 .docx 或 .pdf" in result.output


def test_decision_engine_output_feeds_the_notice(corpus, corpus_store, tmp_path):
    """The contract with toolkit.rules: `policykit decide --json` → `notice --from-decision`."""
    runner = CliRunner()
    decided = runner.invoke(cli, ["--db", str(corpus_store), "decide", "application", "--case",
                                  str(EXAMPLES / "decide" / "application_guangdong.yaml"),
                                  "--json"])
    assert decided.exit_code == 0, decided.output
    decision_path = tmp_path / "decision.json"
    decision_path.write_text(decided.output, encoding="utf-8")
    engine = json.loads(decided.output)
    data = example_data("refusal") | {"date": engine["date"], "received_on": engine["date"],
                                      "applicant": engine["applicant"] | {"kind": "医疗机构"}}
    data["applicant"].pop("type")
    data.pop("grounds")
    case_path = tmp_path / "case.yaml"
    case_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(corpus_store), "notice", "refusal", "--case",
                                 str(case_path), "--from-decision", str(decision_path), "-o",
                                 str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    texts = paras(Path(result.output.strip().splitlines()[-1]))
    on = date.fromisoformat(engine["date"])
    for g in engine["grounds"]:
        assert f"{engine['grounds'].index(g) + 1}.{g['label']}" in texts
        for c in g["citations"]:
            node = corpus.cite_node(c["doc_id"], c["eid"], on)
            i = texts.index(node.text)
            assert texts[i - 1].endswith(f"{node.label}规定：")


def test_cli_check_dispatches_pdfs_to_the_issuing_checker():
    pdf = Path(__file__).resolve().parent.parent / "corpus" / "sources" / \
        "000_b3443c26a488e755.pdf"
    result = CliRunner().invoke(cli, ["check", str(pdf)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert all(line.startswith(str(pdf)) for line in result.output.splitlines())
