"""The desk's leftovers (TestClient, the bundled corpus, LibreOffice, a TEST certificate):
refusals name the office by its name; a clerk reissues an issued case with a reason (recorded
as a reissue in the register and the audit log, as the CLI's --reissue does); agreement drafts
as a form → preview, DOCX, PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.web_support import client_for, make_app, make_web_db, token

CASE_ID = "JY-2026-017"


@pytest.fixture(scope="module")
def app(corpus_store, tmp_path_factory):
    db = make_web_db(corpus_store, tmp_path_factory.mktemp("reissue"))
    return make_app(db, test_cert=db.parent / "cert")


@pytest.fixture(scope="module")
def clerk(app):
    return client_for(app, "clerk")


def _form(**extra: str) -> dict[str, str]:
    from toolkit.documents.cases import read_data
    from toolkit.web.forms import data_to_form

    values = data_to_form(read_data(Path("examples/refusal.yaml")))
    values.pop("doc_number")
    values.pop("type")
    return values | {"office": "jieyang-ybj", "case_id": CASE_ID} | extra


def _rows(app) -> list[tuple[str, str, str | None]]:
    from toolkit.issuing.register import Register

    with Register(app.state.settings.db) as reg:
        return [(e.number, e.status, e.reissue_of) for e in reg.entries()]


@pytest.fixture(scope="module")
def first(app, clerk) -> str:
    r = clerk.post("/desk/refusal/issue", data=_form(csrf=token(clerk)))
    assert r.status_code == 200, r.text
    return re.search(r'id="number">([^<]+)<', r.text).group(1)


def test_refusals_name_the_office_not_its_id(app, first):
    other = client_for(app, "clerk2")
    for url in ("/register?office=jieyang-ybj", f"/register/{quote(first)}"):
        r = other.get(url)
        assert r.status_code == 403
        reason = re.search(r'<p class="reason">([^<]+)</p>', r.text).group(1)
        assert "揭阳市医疗保障局" in reason and "jieyang-ybj" not in reason, reason
    r = other.post("/desk/refusal/issue", data=_form(csrf=token(other)))
    reason = re.search(r'<p class="reason">([^<]+)</p>', r.text).group(1)
    assert r.status_code == 403 and reason == "您不是“揭阳市医疗保障局”的经办人员，不能以该机关名义签发"
    r = other.post(f"/register/{quote(first)}/void", data={"csrf": token(other), "reason": "x"})
    assert r.status_code == 403 and f"{first} 属于“揭阳市医疗保障局”，您不是该机关的经办人员" in r.text
    # an id the offices table does not know is shown as typed, escaped
    r = client_for(app, "clerk").get("/register?office=%3Cb%3Ex")
    assert r.status_code == 403 and "“&lt;b&gt;x”" in r.text and "<b>x" not in r.text
    # the entry page and the list name the office too
    page = client_for(app, "clerk").get(f"/register/{quote(first)}").text
    assert "<dd>揭阳市医疗保障局</dd>" in page
    listed = client_for(app, "clerk").get("/register").text
    assert "<td>揭阳市医疗保障局</td>" in listed and "<td>jieyang-ybj</td>" not in listed


def test_a_second_issue_is_refused_and_offers_a_reissue(app, clerk, first):
    before = _rows(app)
    r = clerk.post("/desk/refusal/issue", data=_form(csrf=token(clerk)))
    assert r.status_code == 409
    assert f"案件 {CASE_ID} 已签发过 {first}（2026-11-23）：未再次签发、未占用文号" in r.text
    assert "--reissue" not in r.text and 'id="reissue"' in r.text
    assert 'name="reissue_reason"' in r.text
    assert _rows(app) == before


def test_a_reissue_needs_a_reason_beside_its_field(app, clerk, first):
    before = _rows(app)
    r = clerk.post("/desk/refusal/issue", data=_form(csrf=token(clerk), reissue="1",
                                                     reissue_reason="  "))
    assert r.status_code == 422
    messages = dict(re.findall(r'data-for="([^"]+)">([^<]+)<', r.text))
    assert messages["reissue_reason"] == "重新签发须写明理由（记入发文登记簿和审计日志）"
    assert _rows(app) == before
    # a case never issued cannot be reissued
    r = clerk.post("/desk/refusal/issue", data=_form(csrf=token(clerk), case_id="JY-NEW",
                                                     reissue="1", reissue_reason="改正地址"))
    assert r.status_code == 422
    messages = dict(re.findall(r'data-for="([^"]+)">([^<]+)<', r.text))
    assert messages["reissue"] == "案件 JY-NEW 没有已签发的不予受理通知书，无可重新签发，未占用文号"
    assert _rows(app) == before


def test_another_offices_clerk_cannot_reissue_its_number(app, first):
    """湛江's clerk, issuing for 湛江 with the case id of 揭阳's notice, may not void 揭阳's number."""
    other = client_for(app, "clerk2")
    before = _rows(app)
    form = _form(csrf=token(other), office="zhanjiang-ybj", reissue="1", reissue_reason="误发")
    form["issuer.name"] = "湛江市医疗保障局"
    r = other.post("/desk/refusal/issue", data=form)
    assert r.status_code == 403, r.text
    assert f"{first} 属于“揭阳市医疗保障局”，您不是该机关的经办人员，不能重新签发" in r.text
    assert _rows(app) == before


def test_reissue_with_a_reason_is_recorded_as_one(app, clerk, first):
    reason = "送达地址有误 <script>alert(1)</script>"
    r = clerk.post("/desk/refusal/issue", data=_form(csrf=token(clerk), reissue="1",
                                                     reissue_reason=reason))
    assert r.status_code == 200, r.text
    new = re.search(r'id="number">([^<]+)<', r.text).group(1)
    assert new != first
    note = re.search(r'<p id="reissue-note"[^>]*>(.+?)</p>', r.text).group(1)
    assert first in note and "原文号已作废" in note
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note and "<script>" not in r.text
    rows = {n: (s, o) for n, s, o in _rows(app)}
    assert rows[first] == ("voided", None)
    assert rows[new] == ("issued", first)
    from toolkit.issuing.register import Register

    with Register(app.state.settings.db) as reg:
        old, fresh = reg.get(first), reg.get(new)
    assert old.void_reason == f"reissued as {new}: {reason}"
    assert old.reissued_as == new
    assert ("reissue-reason", reason) in [(e.event, e.detail) for e in fresh.events]
    audit = app.state.accounts.audit_entries(action="reissue")
    assert [e.detail for e in audit] == [f"{new} reissues {first} refusal case={CASE_ID}: {reason}"]
    assert audit[0].username == "clerk"
    page = clerk.get(f"/register/{quote(new)}").text
    assert f'id="reissue-of" href="/register/{quote(first)}"' in page
    assert "重新签发理由：送达地址有误 &lt;script&gt;" in page
    page = clerk.get(f"/register/{quote(first)}").text
    assert f'id="reissued-as" href="/register/{quote(new)}"' in page
    # and the PDF of the reissue verifies like any issued notice
    pdf = clerk.get(f"/register/{quote(new)}/file/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


# -- agreement drafts ------------------------------------------------------------------------------


def _agreement(**extra: str) -> dict[str, str]:
    from toolkit.documents.cases import read_data
    from toolkit.web.forms import data_to_form

    values = data_to_form(read_data(Path("examples/service_agreement.yaml")))
    values.pop("type")
    return values | extra


def _docx_text(data: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_the_desk_lists_agreements_and_builds_their_form(clerk):
    home = clerk.get("/desk").text
    assert 'href="/desk/agreement/service_agreement"' in home and "医疗保障服务协议（草案）" in home
    page = clerk.get("/desk/agreement/service_agreement?example=1").text
    for name in ("agreement_no", "party_a.name", "party_b.name", "party_b.credit_code",
                 "term.start_on", "term.kind", "scope", "deposit.percent"):
        assert f'name="{name}"' in page, name
    assert 'value="南通市崇川区安泰门诊部"' in page
    assert clerk.get("/desk/agreement/refusal").status_code == 404  # a notice is not an agreement


def test_a_wrong_agreement_field_gets_its_message_beside_it(app, clerk):
    r = clerk.post("/desk/agreement/service_agreement/download",
                   data=_agreement(csrf=token(clerk), format="docx", **{
                       "party_b.name": "", "term.start_on": "2027-02-30"}))
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    messages = dict(re.findall(r'data-for="([^"]+)">([^<]+)<', r.text))
    assert messages["party_b.name"] == "缺少此项（必填）"
    assert messages["term.start_on"].startswith("2027-02-30 不存在")
    assert 'value="南通市崇川区人民中路18号"' in r.text  # what was typed stays


def test_agreement_docx_is_the_clis_draft(app, clerk, corpus_store, tmp_path):
    """The desk's DOCX has the same text as `policykit agreement` writes for the same case."""
    from click.testing import CliRunner

    from toolkit.cli.main import cli

    r = clerk.post("/desk/agreement/service_agreement/download",
                   data=_agreement(csrf=token(clerk), format="docx"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "service_agreement_NTYB-2027-0001.docx" in r.headers["content-disposition"]
    run = CliRunner().invoke(cli, ["--db", str(corpus_store), "agreement", "service_agreement",
                                   "--case", "examples/service_agreement.yaml",
                                   "-o", str(tmp_path)])
    assert run.exit_code == 0, run.output
    cli_docx = Path(run.stdout.strip().splitlines()[-1]).read_bytes()
    assert _docx_text(r.content) == _docx_text(cli_docx)
    assert any("南通市崇川区安泰门诊部" in p for p in _docx_text(r.content))
    assert any(e.detail == "service_agreement NTYB-2027-0001 jiangsu docx"
               for e in app.state.accounts.audit_entries(action="agreement_draft"))


def test_agreement_pdf_and_preview(clerk):
    import pypdfium2

    r = clerk.post("/desk/agreement/service_agreement/download",
                   data=_agreement(csrf=token(clerk), format="pdf"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(r.content)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    document.close()
    assert "南通市崇川区安泰门诊部" in text.replace("\r\n", "").replace(" ", "")
    r = clerk.post("/desk/agreement/service_agreement/preview", data=_agreement(csrf=token(clerk)))
    assert r.status_code == 200
    assert re.findall(r'<img class="page" src="data:image/png;base64,', r.text)


def test_agreement_input_is_escaped_and_printed_as_typed(clerk):
    hostile = "<script>alert(1)</script>{{ 7*7 }}"
    r = clerk.post("/desk/agreement/service_agreement/download",
                   data=_agreement(csrf=token(clerk), format="docx",
                                   **{"party_b.representative": hostile}))
    assert r.status_code == 200, r.text
    text = "\n".join(_docx_text(r.content))
    assert hostile in text and "49" not in text.replace("2027", "")
    r = clerk.post("/desk/agreement/service_agreement/download",
                   data=_agreement(csrf=token(clerk), format="docx",
                                   **{"party_b.representative": hostile, "party_b.name": ""}))
    assert r.status_code == 422
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in r.text and "<script>alert" not in r.text


def test_agreement_forms_need_csrf_and_a_login(app, clerk):
    r = clerk.post("/desk/agreement/service_agreement/download", data=_agreement(format="docx"))
    assert r.status_code == 403 and "CSRF" in r.text
    anonymous = client_for(app)
    assert anonymous.get("/desk/agreement/service_agreement").status_code == 303
