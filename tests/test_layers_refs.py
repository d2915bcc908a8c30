"""Cross-references: the citation grammar on strings, resolution on hand-built and real documents."""

from __future__ import annotations

import pytest
from conftest import DATA, STEMS, parsed

from extractors.layers.definitions import definitions_table, find_definitions
from extractors.layers.refs import corpus_resolver, find_citations, ref_spans
from toolkit.ingest import parse_source
from toolkit.model import Document, Node


@pytest.fixture(scope="module")
def corpus() -> dict[str, Document]:
    return {d.id: d for k in STEMS for d in parsed(k, "clean", layers=False).documents}


@pytest.fixture(scope="module")
def resolver(corpus):
    return corpus_resolver(list(corpus.values()))


def refs(doc: Document, resolver=None, eid: str | None = None):
    return [s for s in ref_spans(doc, resolver) if eid is None or s.eid == eid]


# --- grammar on strings ---------------------------------------------------------------------------
def units(text, abbrs=()):
    return [(c.text, c.prefix, c.article, c.article_to, c.paragraph, c.item, c.cited_as, c.relative, c.back)
            for c in find_citations(text, abbrs)]


def test_internal_article_with_prefix_and_lists_and_ranges():
    assert units("依照本办法第十二条的规定") == [("本办法第十二条", "本办法", 12, None, None, None, "条", None, 0)]
    assert units("按照本实施细则第十一条、第十二条的规定") == [
        ("本实施细则第十一条", "本实施细则", 11, None, None, None, "条", None, 0),
        ("第十二条", "本实施细则", 12, None, None, None, "条", None, 0),
    ]
    assert units("依照第十二条至第十四条处理") == [("第十二条至第十四条", None, 12, 14, None, None, "条", None, 0)]
    assert units("第九条、第十条") == [("第九条", None, 9, None, None, None, "条", None, 0),
                                     ("第十条", None, 10, None, None, None, "条", None, 0)]


def test_items_paragraphs_and_relative_units():
    assert units("实施本条第（一）、（二）项规定行为的") == [
        ("本条第（一）", None, None, None, None, 1, "项", "article", 0),
        ("（二）项", None, None, None, None, 2, "项", "article", 0),
    ]
    assert units("除依照本条第一款规定外") == [("本条第一款", None, None, None, 1, None, "款", "article", 0)]
    assert units("有前款所列行为") == [("前款", None, None, None, None, None, "款", "previous", 1)]
    assert units("违反前两款规定的") == [("前两款", None, None, None, None, None, "款", "previous", 2)]
    # An item cited as 款: the bracket tells it is an item; cited_as keeps what was printed.
    assert units("依据第三十八条第（四）款") == [("第三十八条第（四）款", None, 38, None, None, 4, "款", None, 0)]
    assert units("依照本办法第十二条第二款第（三）项的规定") == [
        ("本办法第十二条第二款第（三）项", "本办法", 12, None, 2, 3, "项", None, 0)]
    assert units("本条第一款第（二）项、第（三）项") == [
        ("本条第一款第（二）项", None, None, None, 1, 2, "项", "article", 0),
        ("第（三）项", None, None, None, 1, 3, "项", "article", 0),
    ]
    assert units("第十二条第一款第三项") == [("第十二条第一款第三项", None, 12, None, 1, 3, "项", None, 0)]
    # 基本条件 / 本条例 are not 本条.
    assert units("应当同时具备以下基本条件：") == []
    assert [c.prefix for c in find_citations("依照本条例第四十条的规定")] == ["本条例"]


def test_external_prefixes():
    assert units("《医疗保障基金使用监督管理条例》第三十八条") == [
        ("《医疗保障基金使用监督管理条例》第三十八条", "《医疗保障基金使用监督管理条例》", 38, None, None, None, "条", None, 0)
    ]
    assert units("以2号令第三十八条第（四）款或《广东省医疗机构医疗保障定点管理暂行办法》第三十七条第（四）款") == [
        ("2号令第三十八条第（四）款", "2号令", 38, None, None, 4, "款", None, 0),
        ("《广东省医疗机构医疗保障定点管理暂行办法》第三十七条第（四）款", "《广东省医疗机构医疗保障定点管理暂行办法》",
         37, None, None, 4, "款", None, 0),
    ]
    # An abbreviation defined without 《》 is a prefix only when the document defines it.
    assert [c.prefix for c in find_citations("依据办法第三条")] == [None]
    assert [c.prefix for c in find_citations("依据办法第三条", ("办法",))] == ["办法"]


# --- resolution on a hand-built document ----------------------------------------------------------
def handmade() -> Document:
    arts = []
    for n in range(1, 15):
        art = Node(eid=f"art_{n}", kind="article", num=f"第{n}条", number=n)
        paras = 3 if n == 14 else 1
        for k in range(1, paras + 1):
            para = Node(eid=f"art_{n}__para_{k}", kind="paragraph", text="内容。")
            if n == 13:
                para.children = [Node(eid=f"art_13__para_1__point_{i}", kind="point", num=f"（{i}）", number=i, text="x")
                                 for i in (1, 2, 3)]
            art.children.append(para)
        arts.append(art)
    arts[13].children[2].text = "违反前两款规定的，依照第十二条至第十四条和本办法第六十条处理；本款第（二）项、第十三条第（九）项、第十三条第二款。"
    arts[0].children[0].text = "有前款所列行为的。"
    doc = Document(id="hand", source="hand", position=0, kind="rule", title="手工办法")
    doc.root = Node(eid="", kind="body", children=arts)
    return doc


def test_resolution_and_reasons_on_a_handmade_document():
    doc = handmade()
    before = [(n.eid, n.text) for n in doc.nodes()]
    got = [(s.text, s.data["resolved"], s.data["target_eids"], s.data["reason"]) for s in refs(doc)]
    assert got == [
        ("前款", False, [], "前款 in paragraph 1 of article 1: no such earlier paragraph"),
        ("前两款", True, ["art_14__para_1", "art_14__para_2"], None),
        ("第十二条至第十四条", True, ["art_12", "art_13", "art_14"], None),
        ("本办法第六十条", False, [], "article 60 does not exist in 《手工办法》"),
        ("本款第（二）项", False, [], "item (2) does not exist in paragraph 3 of article 14 of 《手工办法》"),
        ("第十三条第（九）项", False, [], "item (9) does not exist in article 13 of 《手工办法》"),
        ("第十三条第二款", False, [], "paragraph 2 does not exist in article 13 of 《手工办法》"),
    ]
    assert [(n.eid, n.text) for n in doc.nodes()] == before  # layers never touch the tree


# --- resolution on the real corpus ----------------------------------------------------------------
def test_gd_staff_article_17_item_1_cites_four_provisions(corpus, resolver):
    spans = refs(corpus["gd-staff"], resolver, "art_17__para_1__point_1")
    assert [s.text for s in spans] == [
        "2号令第三十八条第（四）款",
        "《广东省医疗机构医疗保障定点管理暂行办法》第三十七条第（四）款",
        "3号令第三十五条第（三）款",
        "《广东省零售药店医疗保障定点管理暂行办法》第三十三条第（三）款",
    ]
    node = corpus["gd-staff"].node("art_17__para_1__point_1")
    assert all(node.text[s.start : s.end] == s.text for s in spans)
    order2, gd, order3, gd_pharmacy = (s.data for s in spans)
    assert order2["resolved"] is False
    assert order2["reason"] == "not in corpus: 《医疗机构医疗保障定点管理暂行办法》"
    assert (order2["target_title"], order2["target_doc_number"], order2["defined_at"]) == (
        "医疗机构医疗保障定点管理暂行办法", "国家医保局令第2号", "art_1__para_1")
    assert (order2["article"], order2["item"], order2["cited_as"]) == (38, 4, "款")
    assert gd["resolved"] is True
    assert (gd["target_doc"], gd["target_eid"]) == ("gd-measure", "chp_4__art_37__para_1__point_4")
    assert gd["note"] == "cited as 款, but （四） is an item (项): resolved to the point"
    assert corpus["gd-measure"].node(gd["target_eid"]).text == "要求定点医疗机构按照协议约定支付违约金;"
    assert order3["reason"] == "not in corpus: 《零售药店医疗保障定点管理暂行办法》"
    assert gd_pharmacy["reason"] == "not in corpus: 《广东省零售药店医疗保障定点管理暂行办法》"


def test_tiaoli_resolves_to_state_council_order_735(corpus, resolver):
    spans = refs(corpus["gd-staff"], resolver)
    tiaoli = [(s.eid, s.text, s.data["target_doc"], s.data["target_eid"]) for s in spans
              if s.data.get("abbreviation") == "条例"]
    assert tiaoli == [
        ("art_18__para_1__point_1", "《条例》第三十八条", "order-735", "chp_4__art_38"),
        ("art_18__para_1__point_1", "第三十九条", "order-735", "chp_4__art_39"),
        ("art_20__para_1__point_1", "《条例》第四十条", "order-735", "chp_4__art_40"),
    ]
    (own,) = [s for s in spans if s.data["scope"] == "internal"]
    assert (own.text, own.data["target_doc"], own.data["target_eid"]) == ("本细则第二十三条", "gd-staff", "art_23")


def test_unresolved_without_a_corpus_keeps_the_reason(corpus):
    spans = refs(corpus["gd-staff"], None, "art_20__para_1__point_1")
    assert [(s.text, s.data["resolved"], s.data["reason"]) for s in spans] == [
        ("《条例》第四十条", False, "not in corpus: 《医疗保障基金使用监督管理条例》")]


def test_js_rules_items_and_lists(corpus, resolver):
    spans = refs(corpus["js-rules"], resolver)
    art44 = [(s.eid, s.text, s.data["target_eid"]) for s in spans if s.eid.startswith("chp_7__art_44")]
    assert art44 == [
        ("chp_7__art_44__para_2", "本条第(一)", "chp_7__art_44__para_1__point_1"),
        ("chp_7__art_44__para_2", "(二)", "chp_7__art_44__para_1__point_2"),
        ("chp_7__art_44__para_2", "(三)", "chp_7__art_44__para_1__point_3"),
        ("chp_7__art_44__para_2", "(十)项", "chp_7__art_44__para_1__point_10"),
        ("chp_7__art_44__para_3", "本条第(四)", "chp_7__art_44__para_1__point_4"),
        ("chp_7__art_44__para_3", "(五)", "chp_7__art_44__para_1__point_5"),
        ("chp_7__art_44__para_3", "(六)", "chp_7__art_44__para_1__point_6"),
        ("chp_7__art_44__para_3", "(八)项", "chp_7__art_44__para_1__point_8"),
        ("chp_7__art_44__para_4", "本条第(七)", "chp_7__art_44__para_1__point_7"),
        ("chp_7__art_44__para_4", "(九)项", "chp_7__art_44__para_1__point_9"),
    ]
    art34 = [(s.text, s.data["target_eid"]) for s in spans if s.eid == "chp_6__art_34__para_1"]
    assert art34 == [("本实施细则第十一条", "chp_3__art_11"), ("第十二条", "chp_3__art_12"),
                     ("第十三条", "chp_3__art_13"), ("第十四条", "chp_3__art_14")]
    assert all(s.data["resolved"] for s in spans)
    assert len(spans) == 17


def test_order_735_previous_paragraph_and_own_articles(corpus):
    spans = refs(corpus["order-735"])
    assert [(s.eid, s.text, s.data["target_eids"]) for s in spans] == [
        ("chp_3__art_30__para_1", "本条例第四十条", ["chp_4__art_40"]),
        ("chp_3__art_30__para_2", "本条例第四十一条", ["chp_4__art_41"]),
        ("chp_4__art_40__para_2", "本条例第三十八条", ["chp_4__art_38"]),
        ("chp_4__art_40__para_2", "本条", ["chp_4__art_40"]),
        ("chp_4__art_41__para_2", "前款", ["chp_4__art_41__para_1"]),
        ("chp_4__art_41__para_2", "前款", ["chp_4__art_41__para_1"]),
    ]


def test_internet_cafe_regulation_this_article_paragraphs():
    doc = parse_source(DATA / "versions" / "reg-internet-cafe-2019.md", layers=False).documents[0]
    spans = refs(doc)
    art8 = [(s.text, s.data["target_eid"]) for s in spans if s.eid == "chp_2__art_8__para_3"]
    assert art8 == [("本条第一款", "chp_2__art_8__para_1"), ("第二款", "chp_2__art_8__para_2")]
    assert all(s.data["resolved"] for s in spans), [s for s in spans if not s.data["resolved"]]


# --- definitions ------------------------------------------------------------------------------------
def test_definitions_table_of_gd_staff(corpus):
    table = definitions_table(corpus["gd-staff"])
    got = {t: (d.definition.kind, d.definition.expansion, d.definition.doc_number, d.eid) for t, d in table.items()}
    assert got == {
        "条例": ("law", "医疗保障基金使用监督管理条例", None, "art_1__para_1"),
        "2号令": ("law", "医疗机构医疗保障定点管理暂行办法", "国家医保局令第2号", "art_1__para_1"),
        "3号令": ("law", "零售药店医疗保障定点管理暂行办法", "国家医保局令第3号", "art_1__para_1"),
        "指导意见": ("law", "国家医保局 国家卫生健康委 国家药监局关于建立定点医药机构相关人员医保支付资格管理制度的指导意见",
                    "医保发〔2024〕23号", "art_1__para_1"),
        "相关人员": ("term", "医疗保障定点医药机构相关人员", None, "art_2__para_1"),
        "医保协议": ("term", "医疗保障服务协议", None, "art_4__para_1"),
        "医保经办机构": ("term", "市、县（市、区）级医疗保障经办机构", None, "art_5__para_4"),
    }


def test_terms_and_meanings_on_strings():
    (d,) = find_definitions("促进医疗保障经办机构（以下简称“经办机构”）和定点医疗机构、定点零售药店（以下简称“定点医药机构”）加强")[:1]
    assert (d.term, d.expansion, d.kind) == ("经办机构", "医疗保障经办机构", "term")
    defs = find_definitions("促进医疗保障经办机构（以下简称“经办机构”）和定点医疗机构、定点零售药店（以下简称“定点医药机构”）加强")
    assert [(x.term, x.expansion) for x in defs] == [("经办机构", "医疗保障经办机构"),
                                                    ("定点医药机构", "定点医疗机构、定点零售药店")]
    (c,) = find_definitions("医疗机构、药品经营单位（以下统称医药机构）等单位")
    assert (c.term, c.expansion, c.collective) == ("医药机构", "医疗机构、药品经营单位", True)
    (m,) = find_definitions("本实施细则所称相关人员，是指定点医药机构涉及医疗保障基金使用的相关人员，主要包括两类：")
    assert (m.term, m.kind, m.expansion) == ("相关人员", "meaning", "定点医药机构涉及医疗保障基金使用的相关人员，主要包括两类：")
    text = "《医疗机构医疗保障定点管理暂行办法》（国家医保局令第2号，以下简称“2号令”）"
    (law,) = find_definitions(text)
    assert (law.term, law.start, law.end) == ("2号令", 34, 37)
    assert text[law.start : law.end] == "2号令" and text[law.exp_start : law.exp_end] == "医疗机构医疗保障定点管理暂行办法"
