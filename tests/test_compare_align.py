"""Content alignment of the three 定点管理 rules (Guangdong measure, Jiangsu rules, Chuxiong rules).

The rows checked here are the sample pairs legal officers ask about: the same article under
different numbers, an article split in two (gd 12 ↔ js 12 + 13, and Chuxiong's whole 组织评估
chapter), an article whose two paragraphs are two articles elsewhere (js 15 ↔ gd 14 + 22),
reordered articles (gd 11 ↔ js 25), Chuxiong's pharmacy provisions and Jiangsu's penalty scale
(topics only one region has), and the concept map's nodes landing in one row.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from compare_samples import CX, GD, JS, NAT, build_store, doc, row_with, three_way

from toolkit.compare.align import align, short_label
from toolkit.compare.export import json_bytes
from toolkit.compare.provisions import provisions
from toolkit.corpus import load_concepts


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory)


@pytest.fixture(scope="module")
def al(store_path):
    return three_way(store_path)


def eids(row, doc_id):
    return row.eids(doc_id)


# --- provisions ------------------------------------------------------------------------------

def test_provisions_cut_only_articles_that_bundle_lists(store_path):
    gd, js, cx = (provisions(doc(store_path, d)) for d in (GD, JS, CX))
    assert len(gd) == 53 and len(js) == 53  # articles stay whole
    assert all("__" not in p.eid.split("art_", 1)[1] for p in gd + js)
    # Chuxiong: 39 articles; 7, 8, 13, 17, 18, 35 are lists of lists → their items
    cut = Counter(p.article for p in cx if "__point_" in p.eid)
    assert cut == {7: 3, 8: 2, 13: 2, 17: 2, 18: 3, 35: 2}
    assert len(cx) == 39 - 6 + sum(cut.values())
    first = next(p for p in cx if p.eid == "chp_2__art_13__para_1__point_1")
    assert first.lead_eid == "chp_2__art_13" and first.label == "第十三条第（一）项"
    assert first.text.startswith("第十三条【不予受理】 不予受理情形的核查评估形式以卫健、市场监管、公安等政府部门信息联查为主")
    assert len(first.items) == 9
    last = next(p for p in cx if p.eid == "chp_2__art_7__para_1__point_3")
    assert last.tail_eids == ("chp_2__art_7__para_2",)
    assert last.text.endswith("\n以上材料均应加盖医疗机构公章。")
    assert last.holds("chp_2__art_7__para_2") and not last.holds("chp_2__art_7__para_1__point_2")


# --- the sample pairs ------------------------------------------------------------------------

def test_refusal_grounds_same_article_under_three_numbers(al):
    row = row_with(al, GD, "chp_2__art_9")
    assert eids(row, JS) == ["chp_2__art_9"]
    assert eids(row, CX) == ["chp_2__art_13__para_1__point_1"]
    assert row.kind == "match" and row.score > 0.8
    assert "same structure: 9 items" in row.reason
    assert row.reason.startswith("gd 9 ↔ js 9 0.9")
    assert "gd 9 ↔ cx 13(一) 0.7" in row.reason
    # the nine grounds aligned one by one, in order, across the three rules
    assert len(row.items) == 9
    assert [link.members[GD] for link in row.items] == [f"chp_2__art_9__para_1__point_{k}" for k in range(1, 10)]
    assert [link.members[CX] for link in row.items] == [
        f"chp_2__art_13__para_1__point_1__point_{k}" for k in range(1, 10)]


def test_evaluation_article_split_in_jiangsu_and_a_chapter_in_chuxiong(al):
    row = row_with(al, GD, "chp_2__art_12")
    assert eids(row, JS) == ["chp_3__art_12", "chp_3__art_13"]
    assert eids(row, CX) == ["chp_3__art_15", "chp_3__art_16", "chp_3__art_17__para_1__point_1",
                             "chp_3__art_17__para_1__point_2", "chp_3__art_18__para_1__point_1",
                             "chp_3__art_18__para_1__point_2", "chp_3__art_18__para_1__point_3", "chp_3__art_19"]
    assert row.kind == "split"
    m = re.search(r"split: js 12 \+ js 13 together match gd 12 \((0\.\d\d) vs (0\.\d\d) alone\)", row.reason)
    assert m and float(m[1]) > float(m[2]) + 0.1
    assert "js 13 restates “评估结果分为合格和不合格”" in row.reason


def test_one_article_two_paragraphs_two_articles_elsewhere(al):
    row = row_with(al, JS, "chp_3__art_15")
    assert eids(row, GD) == ["chp_2__art_14", "chp_3__art_22"]  # not adjacent: 22 is in chapter 3
    assert "merged: gd 14 + gd 22" in row.reason


def test_acceptance_split_over_two_chuxiong_articles(al):
    row = row_with(al, GD, "chp_2__art_10")
    assert eids(row, JS) == ["chp_3__art_11"]
    assert eids(row, CX) == ["chp_2__art_11", "chp_2__art_12"]
    assert "cx 11 restates “医疗机构提出定点申请统筹地区…”" in row.reason


def test_reordered_articles_found_by_content(al):
    row = row_with(al, GD, "chp_2__art_11")  # 申请指引: Jiangsu moved it to chapter 5
    assert eids(row, JS) == ["chp_5__art_25"] and eids(row, CX) == ["chp_2__art_10"]
    row = row_with(al, GD, "chp_2__art_4")  # 资源配置: Jiangsu art. 10
    assert eids(row, JS) == ["chp_3__art_10"]


def test_chuxiong_pharmacy_provisions_are_chuxiong_only(al):
    parallels = {"chp_2__art_8__para_1__point_1": "cx 7(二) (0.38)", "chp_2__art_8__para_1__point_2": "cx 7(三) (0.50)",
                 "chp_2__art_13__para_1__point_2": "cx 13(一) (0.69)", "chp_7__art_35__para_1__point_2": "cx 35(一) (0.52)"}
    for eid, sibling in parallels.items():
        row = row_with(al, CX, eid)
        assert not row.aligned and row.docs == [CX], eid
        assert row in al.only_rows(CX)
        assert row.reason == f"only in cx: parallel to {sibling}: the same kind of rule for another subject"
    # …while the hospital list beside each is aligned
    assert row_with(al, CX, "chp_7__art_35__para_1__point_1").eids(GD) == ["chp_5__art_42"]


def test_jiangsu_penalty_scale_is_jiangsu_only(al):
    for n in (42, 43, 44, 45):
        row = row_with(al, JS, f"chp_7__art_{n}")
        assert row.docs == [JS] and row.kind == "only" and row.score == 0.0
        assert row.reason.startswith("only in js: nearest is ") and row.reason.endswith(", too far to align")
        assert not row.parts


def test_penalty_scale_grounds_are_parts_of_the_suspension_and_termination_rows(al):
    # js 44 ends: items (七)(九) → 中止, (四)(五)(六)(八) → 解除; its items restate gd 41's and
    # gd 42's grounds, so the article is shown, in part, in both rows (and once only: not the
    # other way round in its own row)
    for gd_article, words in (("chp_5__art_41", "根据日常检查和绩效考核"), ("chp_5__art_42", "")):
        row = row_with(al, GD, gd_article)
        (part,) = row.parts[JS]
        assert part.provision.eid == "chp_7__art_44" and part.quote.startswith(words) and len(part.quote) >= 12
        assert part.provision.text[part.span[0]:part.span[1]] == part.quote
        assert GD in {m.doc_id for m in part.with_}


def test_rows_partition_the_provisions_and_list_aligned_rows_first(al, store_path):
    for d in (GD, JS, CX):
        placed = [p.eid for r in al.rows for p in r.members.get(d, [])]
        assert sorted(placed) == sorted(p.eid for p in provisions(doc(store_path, d)))
    # aligned rows and rows that other documents state in part (the article matrix) come first
    kinds = [r.shown for r in al.rows]
    assert kinds == sorted(kinds, reverse=True)
    # aligned rows follow the first document's order
    gd_order = [r.members[GD][0].index for r in al.aligned_rows if GD in r.members]
    assert gd_order == sorted(gd_order)
    # every aligned row has a score and a reason naming its members
    for row in al.aligned_rows:
        assert 0 < row.score <= 1
        for d, ps in row.members.items():
            assert all(f"{al.info(d).tag} {short_label(p)}" in row.reason for p in ps)


def test_same_input_same_bytes(store_path):
    docs = [doc(store_path, d) for d in (GD, JS, CX)]
    first, second = json_bytes(align(docs)), json_bytes(align(docs))
    assert first == second
    assert json.loads(first)["documents"] == [GD, JS, CX]


def test_the_order_documents_are_named_in_changes_columns_not_rows(store_path):
    """Documents are aligned centre first (the one closest to the others), whatever order they are
    named in: the same rows come out, with columns and reference in the order given."""
    import itertools

    def rows(al):
        return sorted(sorted((d, tuple(p.eid for p in ps)) for d, ps in r.members.items()) for r in al.rows)

    docs = [doc(store_path, d) for d in (GD, JS, CX)]
    first = align(docs)
    for order in itertools.permutations(docs):
        al = align(list(order))
        assert rows(al) == rows(first)
        assert [d.id for d in al.documents] == [d.id for d in order]
        assert all(list(r.members) == [d.id for d in order if d.id in r.members] for r in al.rows)
    swapped = align([docs[1], docs[0], docs[2]])
    row = swapped.row_of(GD, "chp_2__art_9")
    assert row.reason.startswith("js 9 ↔ gd 9 0.9")


def test_bad_input(store_path):
    gd = doc(store_path, GD)
    with pytest.raises(ValueError, match="at least two"):
        align([gd])
    with pytest.raises(ValueError, match="twice"):
        align([gd, gd])
    with pytest.raises(ValueError, match="gd-measure is both compared and the baseline"):
        align([gd, doc(store_path, JS)], baseline=gd)


# --- baseline ---------------------------------------------------------------------------------

def test_national_order_as_baseline(store_path):
    al = three_way(store_path, baseline=True)
    assert al.baseline is not None and al.baseline.id == NAT
    row = row_with(al, GD, "chp_3__art_17")  # 实名就医, 合理诊疗 ← 条例 第十五条
    assert row.baseline is not None
    assert [p.eid for p in row.baseline.provisions] == ["chp_2__art_15"] and row.baseline.score > 0.8
    assert row.baseline.reason.startswith("order 15 0.8")
    # the Jiangsu penalty scale restates the regulation's penalty articles
    assert [p.eid for p in row_with(al, JS, "chp_7__art_43").baseline.provisions] == ["chp_4__art_38"]
    # designation procedure has no counterpart in a fund-supervision regulation
    assert row_with(al, GD, "chp_2__art_9").baseline is None
    # the baseline changes nothing in the rows
    plain = three_way(store_path)
    assert [r.members for r in al.rows] == [r.members for r in plain.rows]


# --- the concept map --------------------------------------------------------------------------

# Concepts whose nodes the engine cannot put in one row, and why (each is asserted below, so the
# list cannot go stale): the concept map names a paragraph where the alignment works on articles.
CONCEPT_EXCEPTIONS = {
    # Jiangsu states the quality deposit in its payment article (29), Guangdong in its
    # performance-evaluation article (35): different topics that both mention the deposit.
    "quality_deposit": {GD: "chp_4__art_35", JS: "chp_5__art_29"},
    # Chuxiong names no agreement term; the map points at its renewal article.
    "agreement_term": {GD: "chp_2__art_13", CX: "chp_7__art_33"},
    # Chuxiong mentions internet hospitals only as item 7 of its list of eligible institutions.
    "internet_plus": {GD: "chp_2__art_7", CX: "chp_2__art_7__para_1__point_1"},
    # The Jiangsu grounds for suspension sit in the penalty scale (art. 44 ¶4), a Jiangsu-only row.
    "suspension_grounds": {GD: "chp_5__art_41", JS: "chp_7__art_44"},
    # Chuxiong has no 3-month notice; the map points at its termination article.
    "termination_request": {GD: "chp_5__art_43", CX: "chp_7__art_35__para_1__point_1"},
}


def test_concept_map_nodes_land_in_one_row(al, store_path):
    concepts = load_concepts()
    regions = {"guangdong": GD, "jiangsu": JS, "chuxiong": CX}
    provs = {d: provisions(doc(store_path, d)) for d in regions.values()}

    def home(d, eid):
        p = next((p for p in provs[d] if p.holds(eid)), None)
        if p is None:  # an eId above provisions (a whole cut article): its first provision
            p = next(p for p in provs[d] if p.eid.startswith(eid + "__"))
        return al.row_of(d, p.eid)

    checked, eligible = 0, set()
    for key, concept in concepts.concepts.items():
        main = {regions[r]: names[0].removesuffix("#own") for r, names in concept.nodes.items() if r in regions and ":" not in names[0]}
        if len(main) < 2:
            continue
        eligible.add(key)
        rows = {d: home(d, eid) for d, eid in main.items()}
        if key in CONCEPT_EXCEPTIONS:
            apart = CONCEPT_EXCEPTIONS[key]
            a, b = (home(d, eid) for d, eid in apart.items())
            assert a is not b, f"{key}: now in one row, drop it from CONCEPT_EXCEPTIONS"
            continue
        first = next(iter(rows.values()))
        assert all(r is first for r in rows.values()), (key, {d: r.reason[:60] for d, r in rows.items()})
        checked += 1
    assert set(CONCEPT_EXCEPTIONS) <= eligible
    assert checked >= 20  # the map grows; each new concept stating ≥ 2 of the three rules is checked


def test_same_alignment_from_the_pdfs(al):
    """The PDFs give the same trees as the clean text, hence the same rows."""
    from conftest import document

    from_pdf = align([document(GD), document(JS), document(CX)])
    def rows(alignment):
        return [{d: [p.eid for p in ps] for d, ps in r.members.items()} for r in alignment.rows]

    assert rows(from_pdf) == rows(al)


def test_scope_articles_align_by_their_drafting_role(al):
    # gd 50 / js 2 / cx 6 share almost no words; each is its rule's one 适用范围 sentence
    row = row_with(al, JS, "chp_1__art_2")
    assert row.eids(CX) == ["chp_1__art_6"]
    (part,) = row.parts[GD]
    assert part.provision.eid == "chp_7__art_50" and part.role == "适用范围条款"
    assert part.quote.startswith("本办法适用于职工基本医疗保险") and part.quote.endswith("大病保险等医疗保障定点管理工作")
    assert {m.doc_id for m in part.with_} == {JS, CX}


def test_a_role_needs_one_sentence_per_document():
    from toolkit.compare.parts import _role_sentence, roles
    from toolkit.compare.provisions import Provision

    _, patterns = roles()["scope"]
    one = Provision("x", "art_2", "第二条", 0, 2, "", "第二条 本规定适用于本市。", "本规定适用于本市。")
    two = Provision("x", "art_3", "第三条", 1, 3, "", "第三条 本规定适用于甲。乙适用本规定。", "")
    none = Provision("x", "art_4", "第四条", 2, 4, "", "第四条 适用于全省范围内其他统筹地区。", "")
    assert _role_sentence(one, patterns) == (4, 12)
    assert _role_sentence(two, patterns) is None and _role_sentence(none, patterns) is None
