"""Corpus pages on the bundled corpus: document list with chains and validity, article tree,
permalinks with citations, cross-references, search, hostile text escaped."""

from __future__ import annotations

import html
import re

import pytest

from tests.web_support import client_for, make_app, make_web_db


@pytest.fixture(scope="module")
def web_db(corpus_store, tmp_path_factory):
    return make_web_db(corpus_store, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def app(web_db):
    return make_app(web_db)


@pytest.fixture(scope="module")
def reader(app):
    return client_for(app, "reader")


def test_document_list_shows_the_chain_in_order_with_numbers(reader):
    page = reader.get("/docs").text
    order = [page.index(f'href="/doc/{d}"') for d in
             ("jy-notice-2024-21", "gd-notice-2024-4", "gd-notice-2021-1", "gd-measure")]
    assert order == sorted(order)
    for number in ("揭医保〔2024〕21号", "粤医保规〔2024〕4号", "粤医保规〔2021〕1号"):
        assert number in page
    assert 'class="docrow depth-3"' in page  # the measure sits three levels under 揭阳's notice


def test_validity_badge_on_a_chosen_date_with_its_evidence(reader):
    def badge(day: str) -> str:
        page = reader.get(f"/docs?on={day}").text
        row = page[page.index('href="/doc/gd-measure"'):]
        row = row[:row.index("</div>")]
        return row

    in_force = badge("2027-06-01")  # extended to 2027-06-01 by 粤医保规〔2024〕4号
    assert 'class="badge in_force">现行有效' in in_force
    assert "有效期延长至 2027-06-01：粤医保规〔2024〕4号" in in_force
    assert 'class="badge expired"' in badge("2027-06-02")
    bad = reader.get("/docs?on=2027-13-01").text
    assert "不是 YYYY-MM-DD 格式的日期" in bad


def test_article_tree_has_every_article_with_its_eid(reader, web_db):
    from toolkit.store import Store

    with Store(web_db) as store:
        summary = store.summary("gd-measure")
        doc = store.document("gd-measure")
    page = reader.get("/doc/gd-measure").text
    assert page.count('class="node article') == summary.articles == 53
    for node in doc.nodes():
        assert f'id="{node.eid}"' in page
    assert "粤医保规〔2021〕1号（发布文件的文号）" in page


def test_permalink_gives_the_node_and_its_citation(reader):
    r = reader.get("/doc/gd-measure/chp_2__art_9__para_1__point_5")
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert ("《广东省医疗机构医疗保障定点管理暂行办法》（粤医保规〔2021〕1号）第九条第（五）项"
            in page)
    assert "因违法违规被解除协议未满3年或已满3年但未完全履行行政处罚责任的；" in page
    assert 'data-copy="citation"' in page
    assert reader.get("/doc/gd-measure/chp_2__art_99").status_code == 404
    assert "页面不存在" in reader.get("/doc/no-such-doc").text


def test_an_alias_address_redirects_to_the_stable_one(reader):
    r = reader.get("/doc/粤医保规〔2021〕1号")
    assert r.status_code == 301 and r.headers["location"] == "/doc/gd-notice-2021-1"


def test_cross_references_link_across_documents(reader):
    page = reader.get("/doc/gd-staff").text
    link = re.search(r'<a class="xref" href="(/doc/gd-measure/[^"]+)"[^>]*>([^<]+)</a>', page)
    assert link is not None
    assert link.group(1) == "/doc/gd-measure/chp_4__art_37__para_1__point_4"
    assert "第三十七条" in link.group(2)
    assert 'href="/doc/order-735/chp_4__art_38"' in page  # 《条例》第三十八条
    assert reader.get(link.group(1)).status_code == 200


def test_search_two_characters_with_hits_highlighted(reader, web_db):
    from toolkit.store import Store

    with Store(web_db) as store:
        expected = store.search("中止", limit=10**9)
    page = reader.get("/search?q=中止").text
    assert f"“中止”：共 {len(expected)} 处" in page
    assert page.count("<mark>中止</mark>") >= min(len(expected), 50)
    first = expected[0]
    assert f'href="/doc/{first.doc_id}/{first.eid}"' in page
    scoped = reader.get("/search?q=中止&doc=gd-measure").text
    with Store(web_db) as store:
        n = len(store.search("中止", limit=10**9, doc_id="gd-measure"))
    assert f"“中止”：共 {n} 处" in scoped and n < len(expected)
    partial = reader.get("/search?q=中止", headers={"HX-Request": "true"}).text
    assert "<html" not in partial and "<mark>中止</mark>" in partial  # htmx gets the hits only
    # page 2 is the next slice of the whole ranking, fetched alone (offset), counted without them
    from toolkit.web.corpus import SEARCH_PAGE as per

    with Store(web_db) as store:
        every = store.search("定点", limit=10**9)
    assert len(every) > 2 * per
    second = reader.get("/search?q=定点&page=2").text
    assert f"“定点”：共 {len(every)} 处，第 {per + 1}–{2 * per} 处" in second
    links = re.findall(r'<a class="hit" href="/doc/([^/"]+)/([^"]+)"', second)
    assert list(dict.fromkeys(links)) == [(h.doc_id, h.eid) for h in every[per:2 * per]]


HOSTILE = """# 恶意测试办法<script>alert('t')</script>

## 第一章 总则

第一条 为了测试{{ 7*7 }}和<script>alert(1)</script>，制定本办法。

第二条 本办法自2020年1月1日起施行。
"""


def test_hostile_ingested_text_is_escaped(corpus_store, tmp_path):
    from toolkit.ingest import parse_source
    from toolkit.store import Store

    src = tmp_path / "hostile.md"
    src.write_text(HOSTILE, encoding="utf-8")
    db = make_web_db(corpus_store, tmp_path / "h")
    parsed = parse_source(src, manifest=None)
    with Store(db) as store:
        store.save(parsed)
        doc_id = parsed.documents[0].id
    c = client_for(make_app(db), "reader")
    for url in (f"/doc/{doc_id}", "/docs", "/search?q=测试"):
        page = c.get(url).text
        main = page[page.index("<main>"):]
        assert "<script>" not in main, url
        assert "&lt;script&gt;" in main, url
    page = c.get(f"/doc/{doc_id}").text
    assert "{{ 7*7 }}" in page and "49" not in page
