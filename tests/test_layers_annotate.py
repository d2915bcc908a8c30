"""``annotate_source``: what the pipeline gets from the layers — spans, events, lifecycle facts."""

from __future__ import annotations

from datetime import date

from conftest import STEMS, parsed

from extractors.layers.annotate import refresh_refs
from extractors.layers.refs import corpus_resolver
from toolkit.manifest import load_manifest


def docs(key: str) -> dict:
    return {d.id: d for d in parsed(key, "clean", layers=True).documents}


def test_no_warnings_on_the_bundled_corpus():
    assert {k: parsed(k, "clean", layers=True).warnings for k in STEMS} == {k: [] for k in STEMS}


def test_gd_measure_dates_from_its_own_clauses():
    gd = docs("000")
    m = gd["gd-measure"]
    assert (m.effective.value, m.effective.quote, m.effective.eid, m.effective.inferred) == (
        date(2021, 6, 1), "自2021年6月1日起施行", "chp_7__art_53__para_1", False)
    # doc.expires is what the rule says of itself — computed, so marked inferred; the extension
    # stated elsewhere stays an event, and validity weighs the two.
    assert (m.expires.value, m.expires.inferred, m.expires.quote, m.validity) == (
        date(2024, 5, 31), True, "有效期3年", "3年")
    (exp,) = [e for e in m.events if e.type == "expires"]
    assert (exp.date, exp.inferred, exp.target, exp.quote) == (date(2024, 5, 31), True, "gd-measure", "有效期3年")
    assert exp.note == "有效期3年 from 2021-06-01: last day in force 2024-05-31"
    # 粤医保规〔2024〕4号 extends 粤医保规〔2021〕1号, which publishes the measure: the event reaches both.
    (ext,) = [e for e in m.events if e.type == "validity_extended"]
    assert (ext.date, ext.target, ext.source_doc, ext.eid, ext.quote) == (
        date(2027, 6, 1), "gd-measure", "gd-notice-2024-4", "para_1", "有效期延长至2027年6月1日")
    assert ext.note == ("stated in gd-notice-2024-4 about 《广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知》"
                        "（粤医保规〔2021〕1号）; gd-measure is published by gd-notice-2021-1")
    assert gd["gd-notice-2021-1"].events == []  # the store reads events about a publisher from their source
    # The 2024 notice's own dates stay empty: its clause is about another document.
    n = gd["gd-notice-2024-4"]
    assert (n.effective, n.expires, n.validity) == (None, None, None)
    assert [(e.type, e.date, e.target) for e in n.events] == [
        ("validity_extended", date(2027, 6, 1),
         "《广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知》（粤医保规〔2021〕1号）")]


def test_cx_rules_effective_on_publication_from_the_publishing_notice():
    cx = docs("004")["cx-rules"]
    assert (cx.effective.value, cx.effective.inferred, cx.effective.quote) == (date(2022, 4, 28), True, "自发布之日起施行")
    assert "cx-notice-2022-10" in cx.effective.note
    assert cx.expires is None and cx.validity is None  # the text sets no term


def test_no_duplicate_events_where_the_chain_already_dated_the_document():
    order = docs("735")["order-735"]
    assert [(e.type, e.date) for e in order.events if e.type == "effective"] == [("effective", date(2021, 5, 1))]


def test_cross_source_references_are_pending_until_the_corpus_is_known():
    staff = docs("001")["gd-staff"]
    refs = {s.text: s.data for s in staff.spans if s.label == "REF"}
    assert refs["2号令第三十八条第（四）款"]["external_work"] == "nhsa-order-2"
    assert refs["2号令第三十八条第（四）款"]["reason"] == "not in corpus: 《医疗机构医疗保障定点管理暂行办法》"
    assert refs["《条例》第四十条"]["pending"] is True
    assert refs["《条例》第四十条"]["reason"] == (
        "not in this source: 《医疗保障基金使用监督管理条例》 (resolve against the corpus after ingest)")
    corpus = [d for k in STEMS for d in parsed(k, "clean", layers=True).documents]
    fresh = refresh_refs(staff, corpus_resolver(corpus), manifest=load_manifest())
    after = {s.text: s.data for s in fresh if s.label == "REF"}
    assert (after["《条例》第四十条"]["resolved"], after["《条例》第四十条"]["target_eid"]) == (True, "chp_4__art_40")
    assert after["2号令第三十八条第（四）款"]["external_work"] == "nhsa-order-2"
    assert "pending" not in after["《广东省零售药店医疗保障定点管理暂行办法》第三十三条第（三）款"]
    assert [s for s in fresh if s.label != "REF"] == [s for s in staff.spans if s.label != "REF"]
