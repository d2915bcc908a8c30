"""#16.3: numbering errors are never merged away unsaid.

A property test over mutations of two real rules' text (Chuxiong, whose items are （一） and 1.,
and the Guangdong chain, whose items are printed (一) and （一）): deleted, duplicated and
swapped 第X条 markers, deleted and repeated chapter headings, deleted and duplicated item markers,
and bracket widths. Each mutated text is either parsed exactly (the tree of the original) or the
numbering problem is reported with its place.

Left out, because no reading of the text alone could tell: deleting the *last* article marker,
chapter heading or item of a list (the text then reads as one article, chapter or item fewer,
with nothing out of sequence).
"""

from __future__ import annotations

import re

import pytest
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.markers import match_article, match_division, match_item, match_subitem
from extractors.normalize import int_to_cn
from extractors.pipeline import parse_file

SOURCES = {"cx": DATA / "clean" / "004_928757f12460cdce.txt", "gd": DATA / "clean" / "000_b3443c26a488e755.txt"}
RULE = {"cx": "004_928757f12460cdce-1", "gd": "000_b3443c26a488e755-3"}


def _lines(key: str) -> list[str]:
    return SOURCES[key].read_text(encoding="utf-8").split("\n")


def _tree(path) -> tuple:
    return tuple(tuple((n.eid, n.kind, n.num, n.heading, n.text) for n in d.nodes())
                 for d in parse_file(path, layers=False).documents)


def _parse(tmp_path, key: str, lines: list[str]):
    path = tmp_path / f"{key}.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return parse_file(path, layers=False)


_ORIGINAL: dict[str, tuple] = {}


def original(key: str) -> tuple:
    if key not in _ORIGINAL:
        _ORIGINAL[key] = _tree(SOURCES[key])
    return _ORIGINAL[key]


def _marked(lines: list[str], match) -> list[int]:
    return [i for i, line in enumerate(lines) if match(line.strip())]


def _articles(lines):
    return _marked(lines, lambda t: (m := match_article(t)) and m.sub is None)


def _chapters(lines):
    return _marked(lines, lambda t: (m := match_division(t)) and m.kind == "chapter" and m.heading)


def _items(lines):
    """Item lines (（一） or 1.) that are neither the first nor the last of their list."""
    out = []
    for i, line in enumerate(lines):
        t = line.strip()
        m = match_item(t) or match_subitem(t)
        if not m or not m.number or m.number < 2 or i + 1 >= len(lines):
            continue
        nxt = match_item(lines[i + 1].strip()) or match_subitem(lines[i + 1].strip())
        if nxt and nxt.kind == m.kind and nxt.number == m.number + 1:
            out.append(i)
    return out


_ART = re.compile(r"^第[一二三四五六七八九十百零〇两]+条(?:【[^】]*】)?\s*")
_ITEM_MARK = re.compile(r"^(?:[(（]\s*[一二三四五六七八九十]+\s*[)）]|[0-9]+\s*[.．、]|[(（][0-9]+[)）])\s*")


def _renumber(line: str, n: int) -> str:
    return re.sub(r"^第[一二三四五六七八九十百零〇两]+条", f"第{int_to_cn(n)}条", line)


def mutate(lines: list[str], kind: str, pick: int) -> list[str] | None:
    """One mutation of the text; None when the text offers no place for it."""
    lines = list(lines)
    arts = _articles(lines)[:-1]  # never the last article (see the module docstring)
    chapters = _chapters(lines)[:-1]
    items = _items(lines)
    if kind in ("delete_article", "duplicate_article", "swap_articles") and len(arts) < 3:
        return None
    if kind == "delete_article":
        i = arts[1 + pick % (len(arts) - 1)]
        lines[i] = _ART.sub("", lines[i].strip())
    elif kind == "duplicate_article":  # article k printed with the number of article k-1
        i = arts[1 + pick % (len(arts) - 1)]
        lines[i] = _renumber(lines[i], match_article(lines[i].strip()).number - 1)
    elif kind == "swap_articles":
        k = 1 + pick % (len(arts) - 2)
        a, b = arts[k], arts[k + 1]
        na, nb = match_article(lines[a].strip()).number, match_article(lines[b].strip()).number
        lines[a], lines[b] = _renumber(lines[a], nb), _renumber(lines[b], na)
    elif kind == "delete_chapter":
        if len(chapters) < 2:
            return None
        del lines[chapters[1 + pick % (len(chapters) - 1)]]
    elif kind == "repeat_chapter":
        if not chapters:
            return None
        i = chapters[pick % len(chapters)]
        lines.insert(i + 1, lines[i])
    elif kind == "delete_item":
        if not items:
            return None
        i = items[pick % len(items)]
        lines[i] = _ITEM_MARK.sub("", lines[i].strip())
    elif kind == "duplicate_item":  # item k printed with the number of item k-1
        if not items:
            return None
        i = items[pick % len(items)]
        m = match_item(lines[i].strip()) or match_subitem(lines[i].strip())
        lines[i] = lines[i].strip().replace(m.num.strip("()（）.") if m.kind == "item" else str(m.number),
                                            int_to_cn(m.number - 1) if m.kind == "item" else str(m.number - 1), 1)
    elif kind == "bracket_width":  # （一） ↔ (一): the same tree, the printed form kept aside
        marked = _marked(lines, lambda t: match_item(t) is not None)
        if not marked:
            return None
        i = marked[pick % len(marked)]
        t = lines[i].strip()
        lines[i] = (t.replace("（", "(", 1).replace("）", ")", 1) if t.startswith("（")
                    else t.replace("(", "（", 1).replace(")", "）", 1))
    return lines


KINDS = ["delete_article", "duplicate_article", "swap_articles", "delete_chapter", "repeat_chapter",
         "delete_item", "duplicate_item", "bracket_width"]


def _reported(parsed) -> list[str]:
    return [p for d in parsed.documents for p in d.meta.get("numbering", [])]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(SOURCES)),
       mutations=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000)), min_size=1, max_size=2))
def test_every_mutation_is_parsed_exactly_or_reported(tmp_path, key, mutations):
    lines = _lines(key)
    for kind, pick in mutations:
        lines = mutate(lines, kind, pick) or lines
    parsed = _parse(tmp_path, key, lines)
    tree = tuple(tuple((n.eid, n.kind, n.num, n.heading, n.text) for n in d.nodes()) for d in parsed.documents)
    problems = _reported(parsed)
    assert tree == original(key) or problems, mutations
    for p in problems:  # every report names its place
        assert re.match(r"^(page \d+, )?line \d+: ", p), p


@pytest.mark.parametrize("kind,expected", [
    ("delete_article", "第五条 missing from the numbering (第四条 is followed by 第六条)"),
    ("duplicate_article", "第四条 repeated (after 第四条): kept as text of the article before"),
    ("swap_articles", "第五条 out of order (after 第六条)"),
    ("delete_chapter", "第二章 missing from the numbering (第一章 is followed by 第三章)"),
    ("repeat_chapter", "第一章 总则 repeated"),
])
def test_each_kind_of_mutation_is_reported_in_words(tmp_path, kind, expected):
    pick = {"delete_article": 3, "duplicate_article": 3, "swap_articles": 3, "delete_chapter": 0,
            "repeat_chapter": 0}[kind]
    parsed = _parse(tmp_path, "cx", mutate(_lines("cx"), kind, pick))
    problems = _reported(parsed)
    assert any(expected in p for p in problems), problems


def test_bracket_width_is_parsed_exactly(tmp_path):
    for pick in range(5):
        parsed = _parse(tmp_path, "gd", mutate(_lines("gd"), "bracket_width", pick))
        assert _reported(parsed) == []
        tree = tuple(tuple((n.eid, n.kind, n.num, n.heading, n.text) for n in d.nodes()) for d in parsed.documents)
        assert tree == original("gd")


def test_the_real_texts_report_nothing(tmp_path):
    for key in SOURCES:
        assert _reported(parse_file(SOURCES[key], layers=False)) == []
