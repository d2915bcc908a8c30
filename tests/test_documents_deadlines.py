"""Deadlines printed in notices, checked against dates worked out by hand on the 2026 calendar
(国务院办公厅关于2026年部分节假日安排的通知): 春节 2026-02-15…02-23 off, Saturdays 02-14 and 02-28
worked; 国庆节 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 worked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from docx import Document

from toolkit.documents.basis import DocumentError
from toolkit.documents.cases import parse_case
from toolkit.documents.render import generate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(doc_type: str, **changes):
    data = yaml.safe_load((EXAMPLES / f"{doc_type}.yaml").read_text(encoding="utf-8"))
    return parse_case(data | changes)


@pytest.fixture(scope="module")
def corpus(corpus_store):
    from toolkit.corpus import Corpus

    c = Corpus.open(corpus_store)
    yield c
    c.store.close()


def text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


@pytest.mark.parametrize("received, served, due", [
    # Fri 02-13 → Sat 02-14 (make-up), [02-15…02-23 off], Tue 02-24, 25, 26, 27.
    (date(2026, 2, 12), date(2026, 2, 13), "2026年2月27日"),
    # Thu 02-26 → Fri 02-27, Sat 02-28 (make-up), Mon 03-02, 03, 04.
    (date(2026, 2, 25), date(2026, 2, 26), "2026年3月4日"),
    # Wed 09-30 → [10-01…10-07 off], Thu 10-08, Fri 10-09, Sat 10-10 (make-up), Mon 10-12, 13.
    (date(2026, 9, 29), date(2026, 9, 30), "2026年10月13日"),
    # Fri 09-18 → Sun 09-20 (make-up), Mon 09-21, 22, 23, 24 (before 中秋 09-25).
    (date(2026, 9, 17), date(2026, 9, 18), "2026年9月24日"),
])
def test_chuxiong_applicant_deadline_across_holidays(corpus, tmp_path, received, served, due):
    case = example("supplement", received_on=received, date=served, served_on=served)
    body = text(generate("supplement", case, corpus, tmp_path).path)
    assert f"请你单位自收到本告知书之日起5个工作日内（期限届满日为{due}，含当日）提交上述补正材料" in body


@pytest.mark.parametrize("region", ["guangdong", "jiangsu"])
def test_no_applicant_deadline_where_the_rules_set_none(corpus, tmp_path, region):
    case = example("supplement", region=region, applicant={"name": "某诊所"})
    body = text(generate("supplement", case, corpus, tmp_path).path)
    assert "个工作日内（期限届满日为" not in body
    assert "请你单位补齐上述材料后一并提交。" in body


def test_late_supplement_notice_warns_with_the_legal_deadline(corpus, tmp_path):
    # Received Thu 02-12: 02-13, Sat 02-14 (make-up), 02-24, 25, 26 → due 2026-02-26.
    case = example("supplement", region="guangdong", applicant={"name": "某诊所"},
                   received_on=date(2026, 2, 12), date=date(2026, 2, 27), served_on=None)
    result = generate("supplement", case, corpus, tmp_path)
    assert result.warnings == ["成文日期 2026年2月27日 晚于告知期限：应自收到材料之日起5个工作日内"
                               "（期限届满日为2026年2月26日，含当日）一次性告知"]
    on_time = example("supplement", region="guangdong", applicant={"name": "某诊所"},
                      received_on=date(2026, 2, 12), date=date(2026, 2, 26), served_on=None)
    assert generate("supplement", on_time, corpus, tmp_path / "b").warnings == []


def test_deadline_in_a_year_without_an_official_calendar_is_refused(corpus, tmp_path):
    # Tue 12-29, 30, 31, then 2027: no holiday arrangement is known for 2027.
    case = example("supplement", received_on=date(2026, 12, 28), date=date(2026, 12, 28),
                   served_on=date(2026, 12, 28))
    with pytest.raises(DocumentError, match="无法计算期限.*2027"):
        generate("supplement", case, corpus, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_re_evaluation_date_is_three_months_after_delivery(corpus, tmp_path):
    case = example("evaluation_failed")  # served 2026-11-25 (Jiangsu: 3 months)
    body = text(generate("evaluation_failed", case, corpus, tmp_path).path)
    assert "整改满3个月（即2027年2月25日）后" in body


def test_staff_suspension_and_ban_periods(corpus, tmp_path):
    # 3 months from 2026-12-01, the first day counting: last day 2027-02-28.
    body = text(generate("staff_suspension", example("staff_suspension"), corpus, tmp_path).path)
    assert "暂停你的医保支付资格3个月，自2026年12月1日起至2027年2月28日止" in body
    # 3 years from 2026-12-01: last day 2029-11-30.
    body = text(generate("staff_termination", example("staff_termination"), corpus,
                         tmp_path).path)
    assert "3年内（至2029年11月30日）不得再次登记备案" in body


def test_agreement_term_ends_the_day_before_the_anniversary(corpus, tmp_path):
    body = text(generate("service_agreement", example("service_agreement"), corpus,
                         tmp_path).path)
    assert "本协议期限1年，自2027年1月1日起至2027年12月31日止。" in body
