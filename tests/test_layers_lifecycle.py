"""Lifecycle clauses on strings and on the real texts; expiry arithmetic."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import DATA, parsed

from extractors.layers.lifecycle import document_events, expiry, find_lifecycle, lifecycle_spans
from toolkit.ingest import parse_source


def docs(key: str) -> dict:
    return {d.id: d for d in parsed(key, "clean", layers=False).documents}


def clauses(text: str):
    return [(c.type, c.quote, c.date, c.validity, c.target) for c in find_lifecycle(text)]


def test_effective_with_date_and_validity():
    text = "本细则自2025年5月21日起实施，有效期3年。"
    assert clauses(text) == [
        ("effective", "自2025年5月21日起实施", date(2025, 5, 21), None, None),
        ("validity", "有效期3年", None, "3年", None),
    ]
    c = find_lifecycle(text)[1]
    assert (c.start, c.end, c.years) == (18, 23, 3) and text[c.start : c.end] == c.quote


def test_effective_on_publication_has_no_date_of_its_own():
    assert clauses("本实施细则由楚雄州医疗保障局负责解释，自发布之日起施行。") == [
        ("effective_on_publication", "自发布之日起施行", None, None, None)]


def test_extension_continuation_and_repeal():
    text = ("经评估，《广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知》（粤医保规〔2021〕1号）继续施行，"
            "有效期延长至2027年6月1日。在继续施行期间，该文件如有修改或废止，以新修改文件的公布或废止的通知为准。")
    target = "《广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知》（粤医保规〔2021〕1号）"
    assert clauses(text) == [
        ("continued", target + "继续施行", None, None, target),
        ("validity_extended", "有效期延长至2027年6月1日", date(2027, 6, 1), None, None),
    ]  # 继续施行期间 and 修改或废止 are not clauses
    assert clauses("有效期至2027年6月1日") == [("expires", "有效期至2027年6月1日", date(2027, 6, 1), None, None)]
    assert clauses("《互联网上网服务营业场所管理办法》同时废止。") == [
        ("repealed", "《互联网上网服务营业场所管理办法》同时废止", None, None, "《互联网上网服务营业场所管理办法》")]


@pytest.mark.parametrize(
    ("effective", "years", "last"),
    [
        (date(2021, 6, 1), 3, date(2024, 5, 31)),  # NOTES.md
        (date(2025, 5, 21), 3, date(2028, 5, 20)),
        (date(2020, 3, 1), 1, date(2021, 2, 28)),  # no 2021-02-29: the month's last day
        (date(2024, 1, 1), 1, date(2024, 12, 31)),
    ],
)
def test_expiry(effective, years, last):
    assert expiry(effective, years) == last


def test_expiry_in_months():
    assert expiry(date(2021, 6, 1), months=6) == date(2021, 11, 30)


def test_gd_measure_in_force_until_2024_05_31_then_extended_to_2027_06_01_inclusive():
    d = docs("000")
    (effective, expires) = document_events(d["gd-measure"])
    assert (effective.type, effective.date, effective.eid, effective.quote) == (
        "effective", date(2021, 6, 1), "chp_7__art_53__para_1", "自2021年6月1日起施行")
    assert (expires.type, expires.date, expires.inferred, expires.quote) == ("expires", date(2024, 5, 31), True, "有效期3年")
    (ext,) = document_events(d["gd-notice-2024-4"])
    assert (ext.type, ext.date, ext.eid, ext.inferred) == ("validity_extended", date(2027, 6, 1), "para_1", False)
    assert ext.target == "《广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知》（粤医保规〔2021〕1号）"
    assert ext.quote == "有效期延长至2027年6月1日"


def test_cx_rules_effective_on_publication_takes_the_notice_date_and_says_so():
    d = docs("004")
    (ev,) = document_events(d["cx-rules"], publisher=d["cx-notice-2022-10"])
    assert (ev.type, ev.date, ev.inferred, ev.eid, ev.quote) == (
        "effective", date(2022, 4, 28), True, "chp_8__art_39__para_1", "自发布之日起施行")
    assert ev.note == "自发布之日起施行: date of publication taken from the 成文日期 of cx-notice-2022-10 (2022年4月28日)"
    (alone,) = document_events(d["cx-rules"])  # no publisher: no date, still inferred-marked
    assert alone.date is None and alone.note == "自发布之日起施行: no 成文日期 or 印发日期 found"


def test_spans_on_the_corpus():
    spans = lifecycle_spans(docs("001")["gd-staff"])
    assert [(s.eid, s.text, s.data) for s in spans] == [
        ("art_30__para_1", "自2025年5月21日起实施", {"type": "effective", "date": "2025-05-21"}),
        ("art_30__para_1", "有效期3年", {"type": "validity", "date": None, "validity": "3年", "years": 3}),
    ]


def test_repeal_on_the_effective_date():
    doc = parse_source(DATA / "versions" / "reg-internet-cafe-2019.md", layers=False).documents[0]
    events = document_events(doc)
    assert [(e.type, e.date, e.target, e.inferred) for e in events] == [
        ("effective", date(2002, 11, 15), doc.id, False),
        ("repealed", date(2002, 11, 15), "《互联网上网服务营业场所管理办法》", True),
    ]
