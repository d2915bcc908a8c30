"""The rule tables against the law: every node exists, every quote is in its node, every number is
printed in its quote and found by the parameters layer; tables read only facts a case can state;
the engine names no region."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rules_samples import open_corpus

from extractors.layers.params import find_params
from toolkit.corpus import load_concepts
from toolkit.rules import cases
from toolkit.rules.engine import predicate_paths, predicate_problems
from toolkit.rules.tables import (
    TABLES_DIR,
    Quantity,
    TableError,
    cited_items,
    cn_numeral,
    load_table,
    load_tables,
    squash,
    verify,
)
from toolkit.rules.timeline import AFTER, TRIGGER_CN

REGIONS = ["guangdong", "jiangsu", "chuxiong", "shenzhen"]
LAYER_UNITS = {"years": "年", "months": "个月", "days": "日", "working_days": "工作日", "percent": "%",
               "persons": "名", "beds": "张", "times": "次", "points": "分"}


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def test_every_region_has_a_table():
    assert sorted(load_tables()) == sorted(REGIONS)


@pytest.mark.parametrize("region", REGIONS)
def test_table_agrees_with_the_corpus(corpus, region):
    table = load_tables()[region]

    def node_text(doc_id, eid):
        node = corpus.store.node(doc_id, eid)
        return node.full_text() if node else None

    assert verify(table, node_text) == []
    if table.application:  # the staffing table cites through its concept (tests/test_rules_staffing.py)
        assert len(cited_items(table)) > 50


def _quantities(table):
    """(cited item, quantity) for every number a table takes from the law with a layer key."""
    out = []
    for _, item in cited_items(table):
        qs = []
        for name in type(item).model_fields:
            v = getattr(item, name)
            if isinstance(v, Quantity):
                qs.append(v)
            elif isinstance(v, dict):
                qs += [x for x in v.values() if isinstance(x, Quantity)]
        out += [(item, q) for q in qs if q.param_key]
    return out


@pytest.mark.parametrize("region", ["guangdong", "jiangsu", "chuxiong"])
def test_parameters_layer_finds_the_same_numbers(corpus, region):
    table = load_tables()[region]
    checked = 0
    for item, q in _quantities(table):
        doc_id, eid = table.ref(item.node)
        node = corpus.store.node(doc_id, eid)
        params = find_params(node.text, eid=eid)
        hits = [p for p in params if p.key == q.param_key]
        assert hits, f"{region}: the parameters layer finds no {q.param_key} in {doc_id}:{eid}"
        assert any(p.value == q.n and p.unit == LAYER_UNITS[q.unit] for p in hits), \
            f"{region}: {q.param_key} in {eid} is {[(p.value, p.unit) for p in hits]}, table says {q.printed}"
        checked += 1
    assert checked >= 10


def test_wrong_number_in_a_table_fails_to_load(tmp_path):
    text = (TABLES_DIR / "guangdong.yaml").read_text(encoding="utf-8")
    bad = text.replace("params: {ban: {n: 5, unit: years, param_key: controller_termination_ban}}",
                       "params: {ban: {n: 4, unit: years, param_key: controller_termination_ban}}")
    assert bad != text
    path = tmp_path / "guangdong.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(TableError, match=r"does not print '4年'"):
        load_table(path)


def test_quote_not_in_the_node_is_reported(corpus, tmp_path):
    text = (TABLES_DIR / "jiangsu.yaml").read_text(encoding="utf-8")
    bad = text.replace("quote: 公示期为5个工作日", "quote: 公示期为5个工作日以上")
    path = tmp_path / "jiangsu.yaml"
    path.write_text(bad, encoding="utf-8")
    table = load_table(path)

    def node_text(doc_id, eid):
        node = corpus.store.node(doc_id, eid)
        return node.full_text() if node else None

    problems = verify(table, node_text)
    assert len(problems) == 1 and "chp_3__art_13__para_2 does not contain '公示期为5个工作日以上'" in problems[0]


def test_region_file_name_must_match(tmp_path):
    path = tmp_path / "hunan.yaml"
    path.write_text((TABLES_DIR / "shenzhen.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(TableError, match="must match the file name"):
        load_table(path)


def _model_paths(model, prefix=""):
    """Every dotted path a pydantic case model can hold (lists as ``name[].field``)."""
    import typing

    out = set()
    for name, field in model.model_fields.items():
        path = prefix + name
        out.add(path)
        for arg in [field.annotation, *typing.get_args(field.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, cases.BaseModel):
                    sep = "[]." if typing.get_origin(arg) is list else "."
                    out |= _model_paths(inner, path + sep)
    return out


def _concept_lists(table):
    """(concept key, pharmacy?, rows) for every list or row that names a concept."""
    out = []
    for kind, rules in table.application.items():
        for rl in (rules.refusal, rules.conditions, rules.materials):
            for row in rl.rows:
                key = getattr(row, "concept", None) or rl.concept
                if key:
                    out.append((key, kind == "pharmacy", row))
    out += [(r.concept, False, r) for r in table.timeline if r.concept]
    a = table.agreement
    if a is not None:
        for rl, pharmacy in ((a.termination, False), (a.pharmacy_termination, True), (a.suspension, False)):
            for row in rl.rows if rl else []:
                if row.concept or rl.concept:
                    out.append((row.concept or rl.concept, pharmacy, row))
    return out


@pytest.mark.parametrize("region", ["guangdong", "jiangsu", "chuxiong"])
def test_rows_sit_under_their_concept_map_nodes(region):
    """A row naming a concept-map key cites that key's node for the region (or a part of it)."""
    concepts = load_concepts()
    table = load_tables()[region]
    checked = 0
    for key, pharmacy, row in _concept_lists(table):
        refs = concepts.refs(key, region, pharmacy=pharmacy)
        doc_id, eid = table.ref(row.node)
        assert any(r.doc_id == doc_id and (eid == r.eid or eid.startswith(r.eid + "__")) for r in refs), \
            f"{region} {row.key}: {eid} is not under {key} ({[r.eid for r in refs]})"
        checked += 1
    assert checked >= 30


def _all_rows(table):
    rows = [r for rules in table.application.values()
            for r in rules.refusal.rows + rules.conditions.rows]
    a = table.agreement
    if a is not None:
        for rl in (a.termination, a.pharmacy_termination, a.suspension):
            rows += rl.rows if rl else []
        rows += [m for rate in (a.penalties.rates if a.penalties else []) for m in rate.measures]
    return rows


@pytest.mark.parametrize("region", REGIONS)
def test_every_predicate_is_well_formed(region):
    rows = _all_rows(load_tables()[region])
    for row in rows:
        assert predicate_problems(row.when, row.params) == [], f"{region} {row.key}"
    assert all(row.when is not None for row in rows if row.key not in ("interview", "suspend_service"))


def test_predicate_problems_are_found():
    params = {"ban": Quantity(n=3, unit="years"), "beds": Quantity(n=100, unit="beds")}
    assert predicate_problems({"within": {"since": "x", "period": "beds"}}, params) == [
        "within: param 'beds' (100张) is the wrong kind"]
    assert predicate_problems({"all": [{"fakt": "x"}, {"below": {"fact": "y", "n": "gone"}}]}, params) == [
        "unknown operator 'fakt'", "below: param 'gone' is not defined by the row"]
    assert predicate_problems({"elapsed": {"since": "x"}}, params) == ["elapsed: missing period"]


def test_application_rows_read_only_case_fields():
    paths = _model_paths(cases.ApplicationCase)
    for region, table in load_tables().items():
        for kind, rules in table.application.items():
            for row in rules.refusal.rows + rules.conditions.rows:
                for p in predicate_paths(row.when):
                    assert p in paths, f"{region} {kind} {row.key}: no case field {p}"


def test_agreement_rows_read_case_fields_or_declared_facts():
    paths = _model_paths(cases.AgreementCase) | {"suspensions[].imposed", "suspensions[].date"}
    for region, table in load_tables().items():
        if table.agreement is None:
            continue
        rows = table.agreement.termination.rows + (table.agreement.suspension.rows if table.agreement.suspension else [])
        rows += table.agreement.pharmacy_termination.rows if table.agreement.pharmacy_termination else []
        for rate in table.agreement.penalties.rates if table.agreement.penalties else []:
            rows += rate.measures
        for row in rows:
            for p in predicate_paths(row.when):
                assert p.startswith("facts.") or p in paths, f"{region} {row.key}: no case field {p}"


def test_timeline_triggers_are_case_dates_or_earlier_rows():
    triggers = set(TRIGGER_CN)
    fields = {k for k, f in cases.TimelineCase.model_fields.items() if k != "date"}
    assert fields | {"supplement.notified", "supplement.received_notice", "supplement.completed"} \
        >= triggers - {"supplement.notified", "supplement.received_notice", "supplement.completed"}
    for region, table in load_tables().items():
        seen = set()
        for row in table.timeline:
            if row.trigger.startswith(AFTER):
                assert row.trigger[len(AFTER):] in seen, f"{region} {row.key}"
            else:
                assert row.trigger in triggers, f"{region} {row.key}: unknown trigger {row.trigger}"
            seen.add(row.key)


def test_jiangsu_routing_items_are_exactly_those_printed():
    table = load_tables()["jiangsu"]
    routed = []
    for r in table.agreement.penalties.routing:
        printed = re.findall(r"\(([一二三四五六七八九十]+)\)", squash(r.quote))
        assert printed == [cn_numeral(i) for i in r.items]
        routed += r.items
    assert sorted(routed) == list(range(1, 11))  # every item of 第四十四条 goes somewhere


def test_engine_names_no_region():
    """No string in the rules code (docstrings aside) names a region, and no comparison is made
    with a region: regional differences live in the tables."""
    sources = list(Path(cases.__file__).parent.glob("*.py"))
    assert len(sources) >= 9
    names = re.compile(r"guangdong|jiangsu|chuxiong|shenzhen|广东|江苏|楚雄|深圳")
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                assert not names.search(node.value), f"{path.name}:{node.lineno}: {node.value!r}"
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                on_region = any("region" in ast.unparse(x) for x in sides)
                literal = any(isinstance(x, ast.Constant | ast.Tuple | ast.List | ast.Set) for x in sides)
                assert not (on_region and literal), f"{path.name}:{node.lineno}: {ast.unparse(node)}"
