"""Each document's kind of law and level in the comparison and version reports (issue 13 §1):
效力级别 as parsed from the document itself (extractors/captions.py legal_kind: 735号令 is a
行政法规, the bundled rules, issued under their notices' 文号, are 规范性文件) and 层级 from the
manifest (national, provincial, prefectural), in the HTML, DOCX and terminal comparison and in the
对照表 HTML/DOCX, ``status`` and ``history``."""

from __future__ import annotations

import copy
import io
import json
import re

import docx
import pytest
from click.testing import CliRunner
from compare_samples import CX, GD, JS, NAT, build_store, three_way
from lxml import html as lhtml
from rich.console import Console
from versions_corpus import build_store as build_versions_store
from versions_corpus import document

from toolkit.cli.main import cli
from toolkit.compare.export import json_bytes
from toolkit.compare.report_docx import docx_bytes
from toolkit.compare.report_html import render_html
from toolkit.compare.report_terminal import print_report
from toolkit.standing import Standing, standing
from toolkit.versions.diff import diff
from toolkit.versions.export import changeset_json
from toolkit.versions.report_html import changeset_html, version_rows

STANDINGS = {GD: ("规范性文件", "省级"), JS: ("规范性文件", "省级"), CX: ("规范性文件", "州级"),
             NAT: ("行政法规", "国家级")}


@pytest.fixture(scope="module")
def al(tmp_path_factory):
    return three_way(build_store(tmp_path_factory), baseline=True)


def test_standing_words():
    assert standing({"legal_kind": "行政法规", "level": "national"}).labelled() == "效力级别：行政法规；层级：国家级"
    assert standing({"level": "prefectural"}).labelled() == "层级：州级"  # only what is known
    assert Standing(None, None).labelled() == "" and standing(None).words() == ""


def test_compare_html_header_gives_kind_and_level(al):
    page = lhtml.fromstring(render_html(al))
    table = page.find_class("docs")[0]
    assert [th.text_content() for th in table.iter("th")] == ["简称", "标题", "文号", "效力级别", "层级"]
    rows = [[td.text_content() for td in tr.iter("td")] for tr in table.find("tbody").iter("tr")]
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("广东办法", *STANDINGS[GD]), ("江苏细则", *STANDINGS[JS]), ("楚雄细则", *STANDINGS[CX]),
        ("基准", *STANDINGS[NAT])]
    assert rows[-1][1] == "医疗保障基金使用监督管理条例"


def test_compare_json_gives_kind_and_level(al):
    info = json.loads(json_bytes(al))["document_info"]
    assert [(d["id"], d["legal_kind"], d["level"]) for d in info] == [
        (GD, "规范性文件", "provincial"), (JS, "规范性文件", "provincial"), (CX, "规范性文件", "prefectural")]


def test_compare_docx_header_gives_kind_and_level(al):
    paragraphs = [p.text for p in docx.Document(io.BytesIO(docx_bytes(al))).paragraphs]
    assert "基准：《医疗保障基金使用监督管理条例》（中华人民共和国国务院令第735号）　效力级别：行政法规；层级：国家级" \
        in paragraphs
    assert "楚雄细则：《楚雄州医疗保障定点管理经办规程实施细则（试行）》　效力级别：规范性文件；层级：州级" in paragraphs


def test_compare_terminal_header_gives_kind_and_level(al):
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_report(al, console)
    head = console.file.getvalue().splitlines()[:4]
    assert head[0] == "广东办法 《广东省医疗机构医疗保障定点管理暂行办法》 效力级别：规范性文件；层级：省级"
    assert head[3] == "基准 《医疗保障基金使用监督管理条例》 中华人民共和国国务院令第735号 效力级别：行政法规；层级：国家级"


# --- versions ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cafe():
    return diff(document("internet-cafe-2016"), document("internet-cafe-2022"))


def test_versions_header_gives_kind_and_level(cafe):
    rows = dict(version_rows(cafe))
    assert (rows["效力级别"], rows["层级"]) == ("行政法规", "国家级")
    page = lhtml.fromstring(changeset_html(cafe))
    cells = {th.text_content(): th.getnext().text_content() for th in page.find_class("versions")[0].iter("th")}
    assert cells["效力级别"] == "行政法规" and cells["层级"] == "国家级"
    data = changeset_json(cafe)
    assert (data["old_version"]["legal_kind"], data["new_version"]["level"]) == ("行政法规", "national")


def test_versions_header_names_each_side_when_the_kind_differs():
    old, new = document("internet-cafe-2016"), copy.deepcopy(document("internet-cafe-2022"))
    new.meta = {**new.meta, "legal_kind": None}
    rows = dict(version_rows(diff(old, new)))
    assert rows["效力级别"] == "原版本行政法规；修改后版本未载明" and rows["层级"] == "国家级"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_versions_store(tmp_path_factory.mktemp("standing") / "pk.db")


def run(db, *args):
    return CliRunner(env={"COLUMNS": "200", "POLICYKIT_DEBUG": None}).invoke(cli, ["--db", str(db), *args])


def test_status_gives_kind_and_level(db):
    r = run(db, "status", "广东办法", "--on", "2026-11-23")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[2] == "  效力级别：规范性文件；层级：省级"
    data = json.loads(run(db, "status", "gd-measure", "--on", "2026-11-23", "--json").stdout)
    assert (data["legal_kind"], data["level"]) == ("规范性文件", "provincial")


def test_history_gives_kind_and_level(db):
    r = run(db, "history", "internet-cafe-2022", "11")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1] == "效力级别：行政法规；层级：国家级"
    data = json.loads(run(db, "history", "internet-cafe-2022", "11", "--json").stdout)
    assert (data["legal_kind"], data["level"]) == ("行政法规", "national")
    assert not re.search(r"provincial|national", r.stdout)
