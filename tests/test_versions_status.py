"""Validity on a date (尚未施行 / 现行有效 / 已失效) with evidence, works and versions, and the
manifest's work / version / events."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from versions_corpus import build_store

from toolkit.manifest import ManifestError, load_manifest
from toolkit.model import LifecycleEvent
from toolkit.store import Store
from toolkit.versions.status import document_status, refers_to, with_lifecycle_facts
from toolkit.versions.validity import status
from toolkit.versions.works import (
    apply_manifest_events,
    caption_points,
    succession_events,
    version_of,
    versions,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = build_store(tmp_path_factory.mktemp("versions") / "pk.db")
    with Store(path) as s:
        yield s


def state(store, doc_id, day):
    return document_status(store, doc_id, date.fromisoformat(day))


# --- the Guangdong measure: 3 years from 2021-06-01, extended to 2027-06-01 --------------------

@pytest.mark.parametrize("day,label", [
    ("2021-05-31", "尚未施行"),
    ("2021-06-01", "现行有效"),
    ("2024-05-31", "现行有效"),
    ("2024-06-01", "现行有效"),  # only because of the extension
    ("2026-11-23", "现行有效"),
    ("2027-06-01", "现行有效"),  # the extension's day is included
    ("2027-06-02", "已失效"),
])
def test_gd_measure_boundaries(store, day, label):
    st = state(store, "gd-measure", day)
    assert st.label == label
    assert (st.effective, st.last_day) == (date(2021, 6, 1), date(2027, 6, 1))


def test_gd_measure_evidence_names_the_clauses_and_the_notice(store):
    st = state(store, "gd-measure", "2026-11-23")
    ev = {e.what: e for e in st.evidence}
    assert ev["effective"].quote == "自2021年6月1日起施行" and ev["effective"].doc_id == "gd-measure"
    assert ev["effective"].eid == store.article("gd-measure", 53).children[0].eid
    assert ev["expires"].date == date(2024, 5, 31) and ev["expires"].inferred
    assert ev["expires"].quote == "有效期3年"
    ext = ev["validity_extended"]
    assert ext.date == date(2027, 6, 1) and ext.doc_id == "gd-notice-2024-4"
    assert ext.quote == "有效期延长至2027年6月1日"
    notice = store.document("gd-notice-2024-4")
    assert ext.quote in notice.node(ext.eid).text
    assert st.to_json()["label"] == "现行有效"


def test_gd_measure_without_the_extension_expired_on_2024_06_01(store):
    doc = with_lifecycle_facts(store.document("gd-measure"))
    doc.events = [e for e in doc.events if e.type != "validity_extended"]
    st = status(doc, date(2024, 6, 1))
    assert st.label == "已失效" and st.last_day == date(2024, 5, 31)
    assert status(doc, date(2024, 5, 31)).label == "现行有效"


# --- the other rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("day,label", [
    ("2023-12-31", "尚未施行"), ("2024-01-01", "现行有效"), ("2099-12-31", "现行有效")])
def test_js_rules_no_expiry(store, day, label):
    st = state(store, "js-rules", day)
    assert st.label == label and st.effective == date(2024, 1, 1) and st.last_day is None


def test_cx_rules_effective_on_publication_is_inferred(store):
    signed = store.document("cx-notice-2022-10").signed.value
    before = signed.fromordinal(signed.toordinal() - 1)
    assert state(store, "cx-rules", before.isoformat()).label == "尚未施行"
    st = state(store, "cx-rules", signed.isoformat())
    assert st.label == "现行有效" and st.effective == signed and st.last_day is None
    [eff] = [e for e in st.evidence if e.what == "effective"]
    assert eff.inferred and eff.quote == "自发布之日起施行" and "cx-notice-2022-10" in eff.note


@pytest.mark.parametrize("day,label", [
    ("2025-05-20", "尚未施行"), ("2025-05-21", "现行有效"), ("2028-05-20", "现行有效"),
    ("2028-05-21", "已失效")])
def test_gd_staff_three_years(store, day, label):
    st = state(store, "gd-staff", day)
    assert st.label == label and st.last_day == date(2028, 5, 20)


def test_a_clause_repealing_another_document_does_not_end_this_one(store):
    # 《互联网上网服务营业场所管理办法》同时废止 is about the 2001 办法, not the regulation
    st = state(store, "internet-cafe-2022", "2026-11-23")
    assert st.label == "现行有效" and st.last_day is None


# --- works and versions --------------------------------------------------------------------

def test_versions_of_the_internet_cafe_work(store):
    hist = versions(store, "internet-cafe-2022")
    assert [(v.doc_id, v.date) for v in hist] == [
        ("internet-cafe-2016", date(2016, 2, 6)), ("internet-cafe-2022", date(2022, 3, 29))]
    assert hist[1].dated_by.startswith("2022年3月29日") and hist[1].dated_by.endswith("第四次修订")
    assert [v.doc_id for v in versions(store, "internet-cafe-2016")] == [v.doc_id for v in hist]
    assert [v.doc_id for v in versions(store, "gd-measure")] == ["gd-measure"]
    assert version_of(store.document("gd-measure")).work == "gd-designation-measure"


def test_older_version_superseded_by_the_next(store):
    sup = succession_events(versions(store, "internet-cafe-2016"))
    assert list(sup) == ["internet-cafe-2016"]
    assert sup["internet-cafe-2016"].date == date(2022, 3, 29) and sup["internet-cafe-2016"].inferred


def test_older_version_superseded_by_a_revision_the_next_one_lists(store):
    """#14: the bundled 2016 text is not current in 2020: the 2022 text's 题注 lists the third
    revision of 2019-03-24, whose text is not bundled."""
    hist = versions(store, "internet-cafe-2016")
    sup = succession_events(hist, caption_points(store, hist))["internet-cafe-2016"]
    assert sup.date == date(2019, 3, 24) and sup.source_doc == "internet-cafe-2022"
    assert sup.quote == "2019年3月24日《国务院关于修改部分行政法规的决定》第三次修订"
    assert state(store, "internet-cafe-2016", "2019-03-23").label == "现行有效"
    st = state(store, "internet-cafe-2016", "2020-01-01")
    assert st.label == "已失效"
    assert [e.doc_id for e in st.evidence if e.what == "superseded"] == ["internet-cafe-2022"]


def test_refers_to_by_id_number_and_title(store):
    notice = store.document("gd-notice-2021-1")
    assert refers_to("gd-notice-2021-1", notice)
    assert refers_to("粤医保规 〔2021〕 1号", notice)
    assert refers_to(f"《{notice.title}》（粤医保规〔2021〕1号）", notice)
    assert not refers_to("粤医保规〔2021〕2号", notice)
    assert not refers_to(None, notice)


# --- manifest: work, version, events -----------------------------------------------------------

MANIFEST = """
regions:
  national: {code: "100000", name: 全国, level: national}
sources:
  - file: sources/reg-internet-cafe-2016.md
    id: cafe-a
    documents:
      - match: {position: 0}
        id: internet-cafe-2016
        work: cafe
        version: 2019-03-24
        implements: some-order
        events:
          - {type: repealed, date: 2030-01-01, by: cafe-b, note: a test repeal}
"""


def test_manifest_work_version_events(tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    m = load_manifest(path)
    de = m.document("internet-cafe-2016")
    assert (de.work, de.version) == ("cafe", date(2019, 3, 24))
    assert [(e.type, e.date, e.by, e.note) for e in de.events] == [
        ("repealed", date(2030, 1, 1), "cafe-b", "a test repeal")]
    assert de.extra == {}


def test_apply_manifest_events_is_idempotent(tmp_path):
    from versions_corpus import document

    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    m = load_manifest(path)
    doc = document("internet-cafe-2016")
    doc = dataclasses.replace(doc, events=list(doc.events), meta=dict(doc.meta))
    for _ in range(2):
        apply_manifest_events([doc], m.sources[0])
    added = [e for e in doc.events if (e.note or "").startswith("manifest")]
    assert [(e.type, e.date, e.source_doc) for e in added] == [
        ("repealed", date(2030, 1, 1), "cafe-b"), ("derivation", None, "some-order")]
    assert doc.meta["work"] == "cafe" and doc.meta["version"] == date(2019, 3, 24)
    v = version_of(doc)
    assert (v.date, v.dated_by) == (date(2019, 3, 24), "manifest version")
    st = status(with_lifecycle_facts(doc), date(2030, 1, 1))
    assert st.label == "已失效" and st.last_day == date(2029, 12, 31)


@pytest.mark.parametrize("bad,message", [
    ("          - {type: vanished, date: 2030-01-01}", "events[0].type: 'vanished' is not one of"),
    ("          - {type: repealed, date: soon}", "events[0].date: not a date"),
    ("          - {type: repealed, when: 2030-01-01}", "events[0]: unknown field 'when'"),
    ("          - repealed", "events[0]: must be a mapping"),
])
def test_manifest_bad_event_is_one_clear_error(tmp_path, bad, message):
    text = MANIFEST.replace("          - {type: repealed, date: 2030-01-01, by: cafe-b, note: a test repeal}", bad)
    path = tmp_path / "manifest.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert str(err.value).startswith(f"{path}: sources[0].documents[0].")
    assert message in str(err.value)


def test_manifest_bad_version_date(tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST.replace("version: 2019-03-24", "version: 2019-13-01"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"manifest.yaml: cannot read manifest: month must be in 1..12"):
        load_manifest(path)
    path.write_text(MANIFEST.replace("version: 2019-03-24", "version: soon"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"documents\[0\]\.version: not a date"):
        load_manifest(path)


def test_bundled_manifest_names_the_work_of_both_versions():
    m = load_manifest()
    assert m.document("internet-cafe-2016").work == m.document("internet-cafe-2022").work
    assert m.document("gd-measure").work == "gd-designation-measure"
    assert m.document("nope") is None


def test_events_other_documents_state_reach_the_rule(store):
    gd = store.document("gd-measure")
    from toolkit.versions.status import related_events

    evs = related_events(store, gd)
    assert [(e.type, e.date, e.source_doc) for e in evs if e.type == "validity_extended"] == [
        ("validity_extended", date(2027, 6, 1), "gd-notice-2024-4")]
    assert all(isinstance(e, LifecycleEvent) and e.target == "gd-measure" for e in evs)
