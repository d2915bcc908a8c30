"""Compare and version pages on the bundled corpus, and pinning a match from the web that the
CLI's ``diff`` then uses."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.web_support import client_for, make_app, make_web_db, token

THREE = "d=gd-measure&d=js-rules&d=cx-rules"
OLD, NEW = "internet-cafe-2016", "internet-cafe-2022"  # corpus/manifest.yaml: one work


@pytest.fixture(scope="module")
def web_db(corpus_store, tmp_path_factory):
    """The corpus store plus the bundled two versions of one work (the Markdown sources)."""
    from tests.conftest import SOURCES
    from toolkit.ingest import parse_source
    from toolkit.linking import relink
    from toolkit.manifest import load_manifest
    from toolkit.store import Store

    db = make_web_db(corpus_store, tmp_path_factory.mktemp("cmp"))
    manifest = load_manifest()
    with Store(db) as store:
        for path in sorted(SOURCES.glob("reg-internet-cafe-*.md")):
            store.save(parse_source(path, manifest=manifest))
        relink(store, manifest)
    return db


@pytest.fixture(scope="module")
def app(web_db):
    return make_app(web_db)


@pytest.fixture(scope="module")
def parameters(web_db):
    from toolkit.compare.align import align
    from toolkit.compare.params_table import alignment_parameters
    from toolkit.store import Store

    with Store(web_db) as store:
        docs = [store.document(i) for i in ("gd-measure", "js-rules", "cx-rules")]
    return alignment_parameters(align(docs))


def test_compare_three_shows_differences_first_then_filters(app, parameters):
    c = client_for(app, "reader")
    page = c.get(f"/compare?{THREE}").text
    shown = re.findall(r'data-status="(\w+)"', page)
    assert shown == ["different"] * sum(p.status == "different" for p in parameters) and shown
    every = re.findall(r'data-status="(\w+)"', c.get(f"/compare?{THREE}&show=all").text)
    assert len(every) == len(parameters)
    order = {"different": 0, "partial": 1, "only": 2, "same": 3}
    assert [order[s] for s in every] == sorted(order[s] for s in every)  # differ before agree
    only = re.findall(r'data-status="(\w+)"', c.get(f"/compare?{THREE}&show=only").text)
    assert set(only) <= {"partial", "only"}
    assert len(only) == sum(p.status in ("partial", "only") for p in parameters)
    assert "<del>" in page and "<ins>" in page  # redlines side by side
    assert 'href="/doc/gd-measure/chp_2__art_9' in page


def test_compare_reports_download(app):
    c = client_for(app, "reader")
    html = c.get(f"/compare/report.html?{THREE}")
    assert html.status_code == 200 and "关键参数差异" in html.text
    docx = c.get(f"/compare/report.docx?{THREE}")
    assert docx.content[:2] == b"PK"
    csv = c.get(f"/compare/report.csv?{THREE}")
    assert "attachment" in csv.headers["content-disposition"] and csv.text.strip()
    assert c.get(f"/compare/report.exe?{THREE}").status_code == 404
    assert c.get("/compare?d=gd-measure&d=gd-notice-2021-1").status_code == 404
    assert "请至少选择两个文件" in c.get("/compare?d=gd-measure").text


def test_versions_page_shows_changes_number_map_and_status(app, web_db):
    from toolkit.store import Store
    from toolkit.versions.diff import diff

    with Store(web_db) as store:
        cs = diff(store.document(OLD), store.document(NEW))
    c = client_for(app, "reader")
    page = c.get(f"/versions?old={OLD}&new={NEW}&on=2023-01-01").text
    rows = re.findall(r'<tr class="(\w+)[^"]*" data-old=', page)
    assert len(rows) == sum(ch.kind != "unchanged" for ch in cs.changes)
    assert cs.summary_cn() in page
    assert "条号对照" in page and "第十一条" in page
    assert page.count('class="badge') >= 2
    assert "<form method=\"post\" action=\"/versions/pin\"" not in page  # readers cannot pin
    assert f'value="{OLD}" selected' in c.get("/versions").text  # opens on the stored pair
    hist = c.get(f"/versions/history?doc={NEW}&article=第十一条")
    assert hist.status_code == 200 and "（2 个版本）" in hist.text


def test_a_pin_from_the_web_is_saved_shown_as_manual_and_used_by_the_cli(app, web_db):
    from toolkit.cli.main import cli

    reader = client_for(app, "reader")
    form = {"old": OLD, "new": NEW,
            "old_eid": "chp_2__art_11", "new_eid": ["chp_2__art_12"]}
    assert reader.post("/versions/pin", data=form | {"csrf": token(reader)}).status_code == 403
    drafter = client_for(app, "drafter")
    assert drafter.post("/versions/pin", data=form).status_code == 403  # no CSRF token
    r = drafter.post("/versions/pin", data=form | {"csrf": token(drafter)})
    assert r.status_code == 303
    saved = json.loads((web_db.parent / "policykit.db.pins.json").read_text())
    assert saved[f"{OLD} -> {NEW}"]["chp_2__art_11"]["new"] == ["chp_2__art_12"]
    page = drafter.get(f"/versions?old={OLD}&new={NEW}").text
    assert "（人工指定）" in page
    run = CliRunner().invoke(cli, ["--db", str(web_db), "diff", OLD, NEW, "--json", "-"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["pins"] == {"chp_2__art_11": ["chp_2__art_12"]}
    assert any(ch.get("manual") for ch in data["changes"])
    audit = app.state.accounts.audit_entries(action="pin", username="drafter")
    assert audit and "chp_2__art_11 → chp_2__art_12" in audit[0].detail
    bad = form | {"new_eid": ["no_such_article"], "csrf": token(drafter)}
    assert drafter.post("/versions/pin", data=bad).status_code == 400
    r = drafter.post("/versions/pin", data=form | {"unpin": "1", "csrf": token(drafter)})
    assert r.status_code == 303
    assert "（人工指定）" not in drafter.get(f"/versions?old={OLD}&new={NEW}").text
