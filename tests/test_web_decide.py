"""Decide pages: a form generated from each kind's case model (fields, choices, dates, lists,
typed rows), messages beside the fields, the outcome with every rule checked and cited nodes
linked, the YAML case as an advanced option, and a notice drafted from the decision."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.web_support import client_for, make_app, make_web_db, token

CASE = Path("examples/decide/application_guangdong.yaml")


@pytest.fixture(scope="module")
def app(corpus_store, tmp_path_factory):
    return make_app(make_web_db(corpus_store, tmp_path_factory.mktemp("decide")))


def _inputs(page: str) -> dict[str, str]:
    """What a browser would post for the page's case form (text inputs, textareas, selects,
    checked boxes), as name → value (one value per line for a repeated name)."""
    form = page.split('id="case-form"', 1)[1].split("</form>", 1)[0]
    out: dict[str, str] = {}

    def add(name: str, value: str) -> None:
        value = html.unescape(value)
        out[name] = f"{out[name]}\n{value}" if name in out and value else (value or out.get(name, ""))

    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        add(html.unescape(name.group(1)), value.group(1) if value else "")
    for name, body in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        add(html.unescape(name), body)
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        add(html.unescape(name), chosen.group(1) if chosen else "")
    return out


def _errors(page: str) -> list[str]:
    """The messages a page shows (for an assertion's explanation)."""
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', page) + re.findall(
        r'<div class="field-error" role="alert" id="general"><p>[^<]*</p><ul>(.*?)</ul>', page, re.S)


def _post(c, kind: str, values: dict[str, str]):
    return c.post(f"/decide/{kind}", data={**values, "csrf": token(c), "mode": "form"})


def test_the_form_follows_the_case_model(app):
    c = client_for(app, "reader")
    page = c.get("/decide/application").text
    # a date, a Literal as a select with its names, a bool | None as 是/否/未说明, a count
    assert 'name="date"' in page and 'placeholder="YYYY-MM-DD"' in page
    assert re.search(r'<select id="f-applicant_type" name="applicant.type">.*?'
                     r'<option value="pharmacy" >零售药店</option>', page, re.S)
    assert re.search(r'name="facts.information_system">\s*<option value="">未说明', page)
    assert 'name="facts.beds" value="" inputmode="numeric"' in page
    # the region is a choice of the regions whose table decides applications, by their names
    regions = re.search(r'name="region">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"', regions) == ["chuxiong", "guangdong", "jiangsu"]
    # lists the rule tables enumerate are offered by their labels: materials, management systems
    assert 'name="materials" value="forecast_report"' in page
    assert "使用医疗保障基金的预测性分析报告" in page
    assert 'name="facts.management_systems.list" value="quality_core"' in page
    # a list of models is rows: the pharmacists with their contract terms
    assert 'name="facts.pharmacists.[1].contract.start"' in page
    staff = c.get("/decide/staff").text
    # the discriminated events are typed rows, each type with its own fields
    assert 'name="events.[1].type"' in staff
    assert 'name="events.[1].scoring.situations" value="impersonation"' in staff
    assert 'name="events.[1].institution.action"' in staff and "解除医保协议" in staff
    agreement = c.get("/decide/agreement").text
    # a mapping of facts: key rows offered from the agreement tables, values 是/否/存疑
    assert 'name="facts.[1].key"' in agreement and '<option value="fraud_confirmed">' in agreement
    assert "存疑（待核实）" in agreement


def test_an_example_fills_the_form_and_the_form_decides_it(app):
    c = client_for(app, "reader")
    page = c.get("/decide/application?example=application_guangdong").text
    values = _inputs(page)
    assert values["region"] == "guangdong" and values["date"] == "2027-03-01"
    assert values["applicant.name"] == "揭阳市某某医院"
    assert values["history.terminated_for_violation.date"] == "2024-03-01"
    r = _post(c, "application", values)
    assert r.status_code == 200, r.text
    assert re.search(r'id="outcome">不予受理定点申请', r.text)
    assert 'href="/doc/gd-measure/chp_2__art_9__para_1__point_5"' in r.text
    assert "《广东省医疗机构医疗保障定点管理暂行办法》第九条第（五）项" in r.text
    checks = re.findall(r'<tr class="r-(True|False|None)">', r.text)
    assert len(checks) > 10 and "False" in checks
    # one day later the 3 years are 满: that ground no longer applies
    later = _post(c, "application", values | {"date": "2027-03-02"})
    assert 'id="outcome"' in later.text
    assert "chp_2__art_9__para_1__point_5" not in later.text.split("逐条检查")[0]
    # the page keeps what was entered, and shows the same case as YAML for the CLI
    assert 'value="2027-03-02"' in later.text
    yaml_box = html.unescape(re.search(r'<textarea id="case"[^>]*>(.*?)</textarea>',
                                       later.text, re.S).group(1))
    assert "date: '2027-03-02'" in yaml_box and "name: 揭阳市某某医院" in yaml_box


def test_management_systems_as_checked_boxes(app):
    """江苏 第六条第（四）项 names only the systems matching the insurance policy: two are enough;
    the same boxes under 广东 (four systems named) leave the condition unmet."""
    c = client_for(app, "reader")
    values = _inputs(c.get("/decide/application?example=application_jiangsu_systems").text)
    assert values["facts.management_systems.list"] == "insurance_management\nfinancial"
    r = _post(c, "application", values)
    assert r.status_code == 200
    row = re.search(r'<tr class="r-(\w+)"><td>[^<]*</td><td>[^<]*内部管理制度', r.text)
    assert row and row.group(1) == "True"
    gd = _post(c, "application", values | {"region": "guangdong"})
    assert re.search(r'<tr class="r-False"><td>否</td><td>具有符合医保协议管理要求的医保管理、财务、'
                     r'统计信息管理、医疗质量安全核心制度', gd.text)


def test_messages_beside_their_fields_and_nothing_decided(app):
    c = client_for(app, "reader")
    values = _inputs(c.get("/decide/application?example=application_guangdong").text)
    r = _post(c, "application", values | {"date": "2027-02-30", "facts.beds": "many",
                                          "applicant.name": ""})
    assert r.status_code == 422 and 'id="outcome"' not in r.text
    beside = dict(re.findall(r'<span class="field-error" data-for="([^"]+)">([^<]+)</span>', r.text))
    assert beside["date"] == "2027-02-30 不存在（2027年2月只有28天）"
    assert beside["facts.beds"] == "应为整数（现为：“many”）"
    assert beside["applicant.name"] == "缺少此项（必填）"
    assert "有 3 处需要改正" in r.text
    # what was typed stays in the form
    assert 'value="2027-02-30"' in r.text and 'value="many"' in r.text


def test_typed_rows_decide_staff_points(app):
    c = client_for(app, "reader")
    page = c.get("/decide/staff?example=staff_guangdong").text
    values = _inputs(page)
    assert values["events.[1].type"] == "scoring"
    r = _post(c, "staff", values)
    assert r.status_code == 200 and 'id="outcome"' in r.text, _errors(r.text)
    # the same case through the YAML box gives the same outcome
    text = Path("examples/decide/staff_guangdong.yaml").read_text(encoding="utf-8")
    y = c.post("/decide/staff", data={"csrf": token(c), "mode": "yaml", "case": text})
    assert y.status_code == 200, _errors(y.text)
    outcome = re.search(r'id="outcome">([^<]+)<', r.text).group(1)
    assert re.search(r'id="outcome">([^<]+)<', y.text).group(1) == outcome
    # a scoring row with its date missing: the message is beside that row's date
    bad = {k: v for k, v in values.items() if k != "events.[1].scoring.date"}
    r = _post(c, "staff", bad)
    assert r.status_code == 422
    assert '<span class="field-error" data-for="events.[1].scoring.date">缺少此项（必填）</span>' in r.text


def test_agreement_fact_rows(app):
    c = client_for(app, "reader")
    values = _inputs(c.get("/decide/agreement?example=agreement_guangdong").text)
    r = _post(c, "agreement", values)
    assert r.status_code == 200 and 'id="outcome"' in r.text
    bad = _post(c, "agreement", values | {"agreement.start": "2026-12-31", "agreement.end": "2026-01-01"})
    assert bad.status_code == 422
    assert re.search(r'data-for="agreement">end 2026-01-01 is before start 2026-12-31<', bad.text)


def test_yaml_paste_is_kept_as_an_advanced_option(app):
    c = client_for(app, "reader")
    r = c.post("/decide/application", data={"csrf": token(c), "mode": "yaml",
                                            "case": CASE.read_text(encoding="utf-8")})
    assert r.status_code == 200 and re.search(r'id="outcome">不予受理定点申请', r.text)
    assert "<details class=\"advanced\" open>" in r.text
    # a bad date in the YAML is put beside the form's field too
    r = c.post("/decide/application", data={"csrf": token(c), "mode": "yaml", "case":
                                            CASE.read_text(encoding="utf-8").replace(
                                                "date: 2027-03-01", "date: 2027-02-30")})
    assert r.status_code == 422 and 'data-for="date">2027-02-30 不存在' in r.text
    r = c.post("/decide/application", data={"csrf": token(c), "mode": "yaml",
                                            "case": "region: [unclosed"})
    assert r.status_code == 422 and "YAML 格式错误" in r.text
    r = c.post("/decide/application", data={"csrf": token(c), "mode": "yaml",
                                            "case": CASE.read_text(encoding="utf-8") + "colour: red\n"})
    assert r.status_code == 422 and "不认识的字段" in r.text
    assert client_for(app, "reader").post("/decide/application", data={"case": "x"}).status_code == 403


def test_hostile_text_in_a_field_is_shown_as_typed(app):
    c = client_for(app, "reader")
    values = _inputs(c.get("/decide/application?example=application_guangdong").text)
    r = _post(c, "application", values | {"applicant.name": "<script>alert(1)</script>{{ 7*7 }}"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in r.text


def test_staffing_from_beds(app):
    c = client_for(app, "reader")
    r = c.post("/decide/staffing", data={"csrf": token(c), "beds": "120", "region": "shenzhen"})
    assert r.status_code == 200 and "120张床位" in r.text
    r = c.post("/decide/staffing", data={"csrf": token(c), "beds": "abc", "region": "shenzhen"})
    assert r.status_code == 422 and "床位数应为整数" in r.text


def test_a_notice_drafted_from_the_decision_quotes_its_grounds(app):
    from toolkit.web.desk import _doc_type, _prepare

    c = client_for(app, "clerk")
    values = _inputs(c.get("/decide/application?example=application_guangdong").text)
    r = _post(c, "application", values)
    decision = html.unescape(re.search(r'name="decision" value="([^"]+)"', r.text).group(1))
    form = c.post("/desk/from-decision", data={"csrf": token(c), "decision": decision,
                                               "doc_type": "refusal"})
    assert form.status_code == 200 and 'name="decision"' in form.text
    assert 'value="guangdong"' in form.text and 'value="揭阳市某某医院"' in form.text
    values = {"decision": decision, "region": "guangdong", "date": "2027-03-01",
              "issuer.name": "揭阳市医疗保障局", "addressee": "揭阳市某某医院",
              "applicant.name": "揭阳市某某医院", "received_on": "2027-02-20"}
    prepared, errors, general = _prepare(_doc_type("refusal"), values, "jieyang-ybj",
                                         app.state.settings)
    assert not errors and not general
    assert "因违法违规被解除协议未满3年或已满3年但未完全履行行政处罚责任的" in str(prepared.context)


def test_add_a_row_without_deciding(app):
    c = client_for(app, "reader")
    values = _inputs(c.get("/decide/staff?example=staff_guangdong").text)
    shown = max(int(n) for n in re.findall(r'name="events\.\[(\d+)\]\.type"',
                                           c.get("/decide/staff?example=staff_guangdong").text))
    r = _post(c, "staff", values | {"add": "events"})
    assert r.status_code == 200 and 'id="outcome"' not in r.text
    assert f'name="events.[{shown + 1}].type"' in r.text
    again = _inputs(r.text)
    assert again["events.[1].scoring.date"] == values["events.[1].scoring.date"]
    # the new row left empty is not read: the case decides as before
    assert 'id="outcome"' in _post(c, "staff", again).text


@pytest.mark.parametrize("example", sorted(p.stem for p in Path("examples/decide").glob("*.yaml")
                                           if not p.stem.startswith("staffing")))
def test_every_example_decides_the_same_through_the_form_as_through_its_file(app, example):
    """Each bundled case, shown in its form and posted back as a browser would, is decided
    exactly as its YAML file is (the case file ``policykit decide --case`` takes)."""
    c = client_for(app, "reader")
    kind = example.split("_", 1)[0]
    page = c.get(f"/decide/{kind}?example={example}")
    assert page.status_code == 200
    by_form = _post(c, kind, _inputs(page.text))
    text = Path(f"examples/decide/{example}.yaml").read_text(encoding="utf-8")
    by_file = c.post(f"/decide/{kind}", data={"csrf": token(c), "mode": "yaml", "case": text})
    assert by_form.status_code == by_file.status_code == 200, _errors(by_form.text)

    def outcome(r):
        checks = re.findall(r'<tr class="r-(True|False|None)"><td>[^<]*</td><td>([^<]*)', r.text)
        return re.search(r'id="outcome">([^<]+)<', r.text).group(1), checks

    assert outcome(by_form) == outcome(by_file)
