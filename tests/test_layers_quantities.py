"""Quantities and dates on strings: values, normalised units, exact offsets, and what is not one."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.layers.quantities import find_dates, find_quantities, parse_date, parse_number


def q(text: str) -> list[tuple[str, str, object, str]]:
    return [(x.label, x.text, x.value, x.unit) for x in find_quantities(text)]


def test_dates_to_iso_with_producer_blanks_kept_in_the_quote():
    text = "本办法由广东省医疗保障局负责解释，自 2021 年 6 月 1 日起施行，有效期 3 年。"
    (d,) = find_dates(text)
    assert d.text == "2021 年 6 月 1 日"
    assert text[d.start : d.end] == d.text
    assert d.data == {"iso": "2021-06-01"}
    assert parse_date("有效期延长至2027年6月1日") == date(2027, 6, 1)
    assert find_dates("二〇二一年六月一日")[0].data == {"iso": "2021-06-01"}
    assert find_dates("2023年2月30日")[0].data == {"iso": None, "invalid": True}


def test_durations_keep_working_days_apart_from_days():
    assert q("自收到材料之日起5个工作日内一次性告知") == [("DURATION", "5个工作日", 5, "工作日")]
    assert q("公示期为 7 个工作日") == [("DURATION", "7 个工作日", 7, "工作日")]
    assert q("原则上不得超过180日") == [("DURATION", "180日", 180, "日")]
    assert q("应当在3个月内完成") == [("DURATION", "3个月", 3, "个月")]
    assert q("协议期限一般为1年。") == [("DURATION", "1年", 1, "年")]
    assert q("禁止从事，为期三年") == [("DURATION", "三年", 3, "年")]
    assert q("60天内") == [("DURATION", "60天", 60, "日")]


def test_ratios_amounts_counts():
    assert q("支付不超过造成损失金额20%的违约金") == [("RATIO", "20%", 20, "%")]
    assert q("不低于百分之二十") == [("RATIO", "百分之二十", 20, "%")]
    assert q("百分之二点五") == [("RATIO", "百分之二点五", 2.5, "%")]
    assert q("处骗取金额2倍以上5倍以下的罚款") == [("RATIO", "2倍", 2, "倍"), ("RATIO", "5倍", 5, "倍")]
    assert q("处1万元以上5万元以下的罚款") == [("AMOUNT", "1万元", 10000, "元"), ("AMOUNT", "5万元", 50000, "元")]
    assert q("100张床位以上的医疗机构") == [("COUNT", "100张床位", 100, "张")]
    assert q("至少有1名取得医师执业证书") == [("COUNT", "1名", 1, "名")]
    assert q("监督检查人员不得少于2人") == [("COUNT", "2人", 2, "人")]
    assert find_quantities("100张床位")[0].data["noun"] == "床位"


def test_ranges_keep_both_bounds():
    (r,) = find_quantities("每次记 1—3 分。")
    assert (r.text, r.data) == ("1—3 分", {"value": 1, "unit": "分", "min": 1, "max": 3})
    (r,) = find_quantities("暂停其医疗费用联网结算3个月至12个月：")
    assert (r.text, r.data) == ("3个月至12个月", {"value": 3, "unit": "个月", "min": 3, "max": 12})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("经2022 年州医疗保障局第 5 次党组会议审议通过", []),  # a year and an ordinal
        ("5个工作日内一次性告知", ["5个工作日"]),  # 一次性 is not a count
        ("一次记分的分值档次", []),  # 一次 = in one go
        ("自2021年6月1日起施行", []),  # the 2021年 of a date is not a period
        ("同一年度内", []),  # a numeral inside a word
        ("每年 12 月开展", []),  # a month of the year, not a period
    ],
)
def test_not_quantities(text, expected):
    assert [x.text for x in find_quantities(text)] == expected


def test_parse_number():
    assert [parse_number(s) for s in ("12", "2.5", "十五", "两", "一百零二", "三万")] == [12, 2.5, 15, 2, 102, 30000]
