"""Article-level diff: the real 2019/2022 pair of the internet-cafe regulation, and recorded
edits (insert, delete, split, merge, move, reword) applied to real rules, with exact change sets,
number maps and stale references."""

from __future__ import annotations

import dataclasses

import pytest
from versions_corpus import document
from versions_edits import expected_changes, expected_map, fixture

from extractors.layers.refs import ref_spans
from toolkit.versions.diff import diff
from toolkit.versions.match import match_units
from toolkit.versions.redline import Segment, redline, side
from toolkit.versions.units import fold, substance, units

OLD, NEW = "internet-cafe-2016", "internet-cafe-2022"


@pytest.fixture(scope="module")
def cafe():
    return diff(document(OLD), document(NEW))


def kinds(cs):
    return {(c.kind, tuple(c.old_eids), tuple(c.new_eids)) for c in cs.changes}


# --- the real pair ---------------------------------------------------------------------------

def test_real_pair_parses_as_two_versions_of_one_work():
    old, new = document(OLD), document(NEW)
    assert [a.number for a in old.articles()] == list(range(1, 38))
    assert [a.number for a in new.articles()] == list(range(1, 39))
    assert old.meta["work"] == new.meta["work"] == "internet-cafe-regulation"
    assert old.title == new.title
    assert [e.date.isoformat() for e in new.events if e.type == "amended"] == [
        "2011-01-08", "2016-02-06", "2019-03-24", "2022-03-29"]


def _half_width_items(path) -> set[int]:
    """Articles of a Markdown source whose items are printed with half-width brackets: (一)."""
    import re

    from extractors.normalize import cn_to_int

    found, article = set(), None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^第([一二三四五六七八九十百]+)条", line):
            article = cn_to_int(m.group(1))
        elif re.match(r"^\([一二三四五六七八九十]+\)", line) and article:
            found.add(article)
    return found


def test_real_pair_exact_change_set(cafe):
    from conftest import SOURCES

    old, new = document(OLD), document(NEW)
    o = {a.number: a.eid for a in old.articles()}
    n = {a.number: a.eid for a in new.articles()}
    # the 2019 text prints its items (一)…, the 2022 text （一）…: every such article changed
    bracketed = _half_width_items(SOURCES / "reg-internet-cafe-2016.md")
    assert bracketed == {8, 10, 14, 15, 24, 31, 32, 33}
    assert not _half_width_items(SOURCES / "reg-internet-cafe-2022.md")
    changed = bracketed | {9, 11}
    expected = {("unchanged", (o[k],), (n[k],)) for k in range(1, 32) if k not in changed}
    expected |= {("modified", (o[k],), (n[k],)) for k in changed if k < 32}
    expected |= {("added", (), (n[32],))}
    expected |= {("renumbered", (o[k],), (n[k + 1],)) for k in range(32, 38)}
    assert kinds(cafe) == expected
    assert cafe.counts() == {"unchanged": 23, "modified": 8, "renumbered": 6, "added": 1}
    assert n[32] == "chp_4__art_32" and o[37] == "chp_5__art_37" and n[38] == "chp_5__art_38"


def test_item_marker_width_is_reported_like_body_text(cafe):
    """(一) → （一） in an item marker is 标点修改, as (院) → （院） in body text is (#13.3)."""
    marker = next(c for c in cafe.changes if c.new_eids == ["chp_2__art_8"])
    body = next(c for c in cafe.changes if c.new_eids == ["chp_2__art_9"])
    for c in (marker, body):
        assert c.kind == "modified" and c.punctuation_only and c.note == "标点修改" and c.kinds == ["punctuation"]
    assert [(s.op, s.text) for s in marker.redline if s.op != "equal"][:2] == [("delete", "(一)"), ("insert", "（一）")]
    # renumbered and re-bracketed: one change with both kinds
    both = next(c for c in cafe.changes if c.new_eids == ["chp_4__art_33"])
    assert both.kinds == ["renumbered", "punctuation"] and both.note == "第三十二条改为第三十三条，标点修改"
    # the citation grammar is untouched: the tree still says （一）
    assert document(OLD).node("chp_2__art_8__para_1__point_1").num == "（一）"
    assert document(OLD).meta["printed_nums"]["chp_2__art_8__para_1__point_1"] == "(一)"


def test_real_pair_article_map(cafe):
    assert cafe.article_map == {**{str(k): str(k) for k in range(1, 32)},
                                **{str(k): str(k + 1) for k in range(32, 38)}}


def test_real_pair_only_article_11_and_the_insertion_are_substantive(cafe):
    assert [(c.kind, c.new_eids) for c in cafe.substantive] == [
        ("modified", ["chp_2__art_11"]), ("added", ["chp_4__art_32"])]
    punct = next(c for c in cafe.changes if c.new_eids == ["chp_2__art_9"])
    assert punct.text_changed and not punct.substantive and punct.punctuation_only
    assert punct.note == "标点修改"
    # shown in the redline all the same: the half-width brackets became full-width ones
    assert [(s.op, s.text) for s in punct.redline if s.op != "equal"] == [
        ("delete", "(院)"), ("insert", "（院）")]


def test_real_pair_rewritten_article_redline(cafe):
    old, new = document(OLD), document(NEW)
    c = next(c for c in cafe.changes if c.new_eids == ["chp_2__art_11"])
    assert c.note == "文字修改" and c.substantive
    assert side(c.redline, "old") == c.old_text and side(c.redline, "new") == c.new_text
    # the paragraph the 2022 text adds is one insertion, as printed
    added_para = new.node("chp_2__art_11").children[-1].text
    assert added_para not in old.node("chp_2__art_11").full_text()
    assert any(s.op == "insert" and s.text == "\n" + added_para for s in c.redline)
    assert len([p for p in new.node("chp_2__art_11").children if p.kind == "paragraph"]) == \
        len([p for p in old.node("chp_2__art_11").children if p.kind == "paragraph"]) + 1


def test_real_pair_notes_for_renumbered_articles(cafe):
    notes = [c.note for c in cafe.of_kind("renumbered")]
    assert notes == ["第三十二条改为第三十三条，标点修改", "第三十三条改为第三十四条，标点修改", "第三十四条改为第三十五条",
                     "第三十五条改为第三十六条", "第三十六条改为第三十七条", "第三十七条改为第三十八条"]
    assert all(not c.substantive for c in cafe.of_kind("renumbered"))
    assert [c.renumber_only for c in cafe.of_kind("renumbered")] == [False, False, True, True, True, True]


def test_real_pair_changes_in_new_document_order(cafe):
    order = [c.new_eids[0] for c in cafe.changes if c.new_eids]
    new_order = [a.eid for a in document(NEW).articles()]
    assert order == new_order
    assert cafe.stale_refs == []  # 第八条, 第十四条… keep their numbers


def test_diff_is_deterministic_and_number_blind():
    """Renumbering every article of the old version changes nothing but the number map: the
    match is by content."""
    old, new = document(OLD), document(NEW)
    first = diff(old, new)
    again = diff(old, new)
    assert [(c.kind, c.old_eids, c.new_eids, c.note) for c in first.changes] == \
        [(c.kind, c.old_eids, c.new_eids, c.note) for c in again.changes]
    ou, nu = units(old), units(new)
    shuffled = [dataclasses.replace(u, key=str(100 + u.index), number=100 + u.index) for u in ou]
    assert [(m.old, m.new) for m in match_units(shuffled, nu)] == \
        [(m.old, m.new) for m in match_units(ou, nu)]


# --- recorded edits on real rules ------------------------------------------------------------

@pytest.mark.parametrize("name", ["insert-renumber", "restructure", "stale-refs"])
def test_recorded_edits_exact_change_set(name):
    fx = fixture(name)
    cs = diff(fx.old, fx.new)
    assert kinds(cs) == expected_changes(fx)
    assert cs.article_map == expected_map(fx)
    assert cs.counts() == fx.script["expect"]["counts"]
    for want in fx.script["expect"].get("changes", []):
        got = next(c for c in cs.changes
                   if c.old_eids == want["old"] and c.new_eids == want["new"])
        assert (got.kind, got.substantive, got.note) == (want["kind"], want["substantive"], want["note"])


def test_insert_renumber_map_and_punctuation():
    fx = fixture("insert-renumber")
    cs = diff(fx.old, fx.new)
    assert cs.article_map["12"] == "12" and cs.article_map["13"] == "14" and cs.article_map["53"] == "54"
    added = cs.of_kind("added")[0]
    assert added.new_text.split(" ", 1)[1] == \
        fx.new.article(13).full_text().split(" ", 1)[1]  # the inserted article, as printed
    punct = next(c for c in cs.changes if c.old_eids == ["chp_3__art_20"])
    assert punct.kind == "renumbered" and punct.text_changed and not punct.substantive
    assert [(s.op, s.text) for s in punct.redline if s.op != "equal"] == [
        ("insert", "一"), ("delete", "，"), ("insert", "；")]  # 第二十条 → 第二十一条


def test_restructure_split_merge_move_delete():
    fx = fixture("restructure")
    cs = diff(fx.old, fx.new)
    assert cs.article_map["3"] == ["3", "4"]
    assert cs.article_map["36"] is None
    assert cs.article_map["40"] == cs.article_map["41"] == "39"
    assert cs.article_map["22"] == "48"
    assert {k: cs.article_map[str(k)] for k in (23, 35)} == {23: "23", 35: "35"}
    moved = cs.of_kind("moved")[0]
    assert moved.moved and moved.new[0].chapter_num == "第六章" and moved.old[0].chapter_num == "第三章"
    split = cs.of_kind("split")[0]
    assert not split.substantive  # the words are all still there, in two articles
    merged = cs.of_kind("merged")[0]
    assert substance(merged.new_text.replace("第三十九条", "", 1)) == \
        substance(fx.old.article(40).full_text().replace("第四十条", "", 1)
                  + fx.old.article(41).full_text().replace("第四十一条", "", 1))


# --- stale references ------------------------------------------------------------------------

def _stale(cs):
    return [(s.eid, s.quote, s.cited, s.moved_to_nums, s.now_cites) for s in cs.stale_refs]


def test_stale_references_by_regex():
    fx = fixture("stale-refs")
    assert not any(s.label == "REF" for s in fx.new.spans)
    cs = diff(fx.old, fx.new)
    new = {a.number: a.eid for a in fx.new.articles()}
    assert _stale(cs) == [
        (f"{new[14]}__para_2", "本实施细则第九条", 9, ("第十条",), new[9]),
        (f"{new[14]}__para_2", "本实施细则第九条", 9, ("第十条",), new[9]),
        (f"{new[35]}__para_1", "本实施细则第十一条", 11, ("第十二条",), new[11]),
        (f"{new[35]}__para_1", "第十二条", 12, ("第十三条",), new[12]),
        (f"{new[35]}__para_1", "第十三条", 13, ("第十四条",), new[13]),
        (f"{new[35]}__para_1", "第十四条", 14, ("第十五条",), new[14]),
    ]
    assert {s.source for s in cs.stale_refs} == {"regex"}
    assert cs.stale_refs[0].suggestion == "应改为第十条"
    # the citation the drafter updated (第四十四条 → 第四十五条) is not flagged
    assert not any(s.cited in (44, 45) for s in cs.stale_refs)
    assert "本实施细则第四十五条" in fx.new.article(36).full_text()


def test_stale_references_from_the_ref_layer():
    fx = fixture("stale-refs")
    new = dataclasses.replace(fx.new, spans=ref_spans(fx.new))
    assert any(s.label == "REF" for s in new.spans)
    by_layer = diff(fx.old, new)
    by_regex = diff(fx.old, fx.new)
    assert _stale(by_layer) == _stale(by_regex)
    assert {s.source for s in by_layer.stale_refs} == {"REF layer"}


def test_no_stale_reference_when_numbers_hold():
    fx = fixture("insert-renumber")  # the Guangdong measure cites none of its own articles
    assert diff(fx.old, fx.new).stale_refs == []


# --- building blocks -------------------------------------------------------------------------

def test_substance_ignores_punctuation_width_and_blanks():
    a = "居民住宅楼(院)内，不得设立"
    b = "居民住宅楼（院）内；不得 设立"
    assert fold(a) != fold(b) and substance(a) == substance(b)
    assert substance("第三十条") != substance("第三十一条")


@pytest.mark.parametrize("old,new", [
    ("应当向同级公安机关申请信息网络安全审核。", "应当向同级公安机关承诺符合信息网络安全审核条件，"),
    ("", "新增"), ("删除", ""), ("一致", "一致"),
])
def test_redline_rebuilds_both_sides(old, new):
    segs = redline(old, new)
    assert side(segs, "old") == old and side(segs, "new") == new
    assert all(s.text for s in segs)


def test_redline_folds_single_kept_characters():
    assert redline("申请审核", "承诺审核") == [Segment("delete", "申请"), Segment("insert", "承诺"),
                                            Segment("equal", "审核")]


# --- pinned matches (#13.3) ------------------------------------------------------------------

def test_pins_are_data_and_override_the_automatic_match():
    fx = fixture("restructure")
    auto = diff(fx.old, fx.new)
    split = next(c for c in auto.changes if c.kind == "split")
    old3, (new3, new4) = split.old_eids[0], split.new_eids
    # the drafter says old 3 became new 3 only: new 4 is then a new article
    cs = diff(fx.old, fx.new, pins={old3: [new3]})
    pinned = next(c for c in cs.changes if c.old_eids == [old3])
    assert (pinned.kind, pinned.new_eids, pinned.manual) == ("modified", [new3], True)
    assert next(c for c in cs.changes if c.new_eids == [new4]).kind == "added"
    assert [c.manual for c in cs.changes].count(True) == 1 and not any(c.manual for c in auto.changes)
    assert cs.pins == {old3: [new3]}
    # the same pins again (as a web page would store them): the same change set
    again = diff(fx.old, fx.new, pins=dict(cs.pins))
    assert [(c.kind, c.old_eids, c.new_eids, c.manual) for c in again.changes] == \
        [(c.kind, c.old_eids, c.new_eids, c.manual) for c in cs.changes]


def test_pins_merge_and_no_counterpart():
    old, new = document(OLD), document(NEW)
    o = {a.number: a.eid for a in old.articles()}
    n = {a.number: a.eid for a in new.articles()}
    cs = diff(old, new, pins={o[30]: [n[30]], o[31]: [n[30]], o[36]: []})
    merged = next(c for c in cs.changes if c.new_eids == [n[30]])
    assert (merged.kind, merged.old_eids, merged.manual) == ("merged", [o[30], o[31]], True)
    gone = next(c for c in cs.changes if c.old_eids == [o[36]])
    assert (gone.kind, gone.new_eids, gone.manual) == ("deleted", [], True)
    assert cs.article_map["36"] is None and cs.article_map["31"] == "30"


def test_pins_from_refs_and_bad_pins():
    from toolkit.versions.diff import PinError, pins_from_refs

    old, new = document(OLD), document(NEW)
    assert pins_from_refs(old, new, {"11": ["11"], "第三十二条": ["33", "chp_4__art_32"]}) == {
        "chp_2__art_11": ["chp_2__art_11"], "chp_4__art_32": ["chp_4__art_33", "chp_4__art_32"]}
    with pytest.raises(PinError, match="internet-cafe-2022 has no article 99"):
        pins_from_refs(old, new, {"11": ["99"]})
    with pytest.raises(PinError, match="not an article of the new version"):
        diff(old, new, pins={"chp_2__art_11": ["chp_9__art_1"]})
    with pytest.raises(PinError, match="one old article to several new ones"):
        diff(old, new, pins={"chp_2__art_10": ["chp_2__art_10", "chp_2__art_11"],
                             "chp_2__art_11": ["chp_2__art_11", "chp_2__art_12"]})
