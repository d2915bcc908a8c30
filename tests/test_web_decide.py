"""Decide pages: outcome with every rule checked and cited nodes linked, case errors, and a
notice drafted from the decision carrying its grounds and citations."""

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


def _decide(c, text: str):
    return c.post("/decide/application", data={"csrf": token(c), "case": text})


def test_application_outcome_with_checks_and_linked_citations(app):
    c = client_for(app, "reader")
    assert CASE.read_text(encoding="utf-8") in html.unescape(
        c.get("/decide/application?example=application_guangdong").text)
    r = _decide(c, CASE.read_text(encoding="utf-8"))
    assert r.status_code == 200
    assert re.search(r'id="outcome">不予受理定点申请', r.text)
    assert 'href="/doc/gd-measure/chp_2__art_9__para_1__point_5"' in r.text
    assert "《广东省医疗机构医疗保障定点管理暂行办法》第九条第（五）项" in r.text
    checks = re.findall(r'<tr class="r-(True|False|None)">', r.text)
    assert len(checks) > 10 and "False" in checks
    # one day later the 3 years are 满: that ground no longer applies
    later = _decide(c, CASE.read_text(encoding="utf-8").replace("date: 2027-03-01",
                                                              "date: 2027-03-02"))
    assert "chp_2__art_9__para_1__point_5" not in later.text.split("逐条检查")[0]


def test_bad_case_is_listed_and_not_decided(app):
    c = client_for(app, "reader")
    r = _decide(c, CASE.read_text(encoding="utf-8").replace("date: 2027-03-01", "date: 2027-02-30"))
    assert r.status_code == 422 and "date:" in r.text and 'id="outcome"' not in r.text
    r = _decide(c, "region: [unclosed")
    assert r.status_code == 422 and "YAML 格式错误" in r.text
    assert client_for(app, "reader").post("/decide/application", data={"case": "x"}).status_code == 403


def test_staffing_from_beds(app):
    c = client_for(app, "reader")
    r = c.post("/decide/staffing", data={"csrf": token(c), "beds": "120"})
    assert r.status_code == 200 and "120张床位" in r.text


def test_a_notice_drafted_from_the_decision_quotes_its_grounds(app):
    from toolkit.web.desk import _doc_type, _prepare

    c = client_for(app, "clerk")
    r = _decide(c, CASE.read_text(encoding="utf-8"))
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
