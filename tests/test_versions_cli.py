"""``policykit diff`` / ``status`` / ``history`` through click's CliRunner on a temporary store."""

from __future__ import annotations

import io
import json

import docx
import pytest
from click.testing import CliRunner
from versions_corpus import build_store

from toolkit.cli.main import COMMANDS, cli

ENV = {"COLUMNS": "200", "POLICYKIT_DEBUG": None}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("vcli") / "pk.db")


def run(db, *args):
    return CliRunner(env=ENV).invoke(cli, ["--db", str(db), *args])


def test_commands_are_registered():
    assert {"diff", "status", "history"} <= set(COMMANDS)


# --- diff ------------------------------------------------------------------------------------

def test_diff_json_to_stdout(db):
    r = run(db, "diff", "internet-cafe-2016", "internet-cafe-2022", "--json", "-")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["counts"] == {"unchanged": 23, "modified": 8, "renumbered": 6, "added": 1}
    assert [e["type"] for e in data["changes"]].count("renumbering") == 6
    assert data["article_map"]["37"] == "38"


def test_diff_writes_docx_html_json(db, tmp_path):
    out = {k: tmp_path / f"t.{k}" for k in ("docx", "html", "json")}
    r = run(db, "diff", "internet-cafe-2016", "internet-cafe-2022",
            *[a for k, p in out.items() for a in (f"--{k}", str(p))])
    assert r.exit_code == 0, r.output
    assert "第三十四条改为第三十五条" in r.stdout and "新增1条" in r.stdout
    assert "internet-cafe" not in r.stdout.split("wrote")[0]
    table = docx.Document(io.BytesIO(out["docx"].read_bytes())).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["原条文", "修改后条文", "修改说明"]
    assert out["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert json.loads(out["json"].read_text(encoding="utf-8"))["new"] == "internet-cafe-2022"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.docx", "t.html", "t.json"]  # no temp files


def test_diff_unknown_document_is_one_line_exit_2(db, tmp_path):
    target = tmp_path / "never.docx"
    r = run(db, "diff", "internet-cafe-2016", "no-such-doc", "--docx", str(target))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == ["policykit: no document 'no-such-doc' in the store (try `policykit list`)"]
    assert not target.exists()


def test_diff_output_into_missing_folder_writes_nothing(db, tmp_path):
    good = tmp_path / "ok.docx"
    r = run(db, "diff", "internet-cafe-2016", "internet-cafe-2022", "--docx", str(good),
            "--html", str(tmp_path / "missing" / "t.html"))
    assert r.exit_code == 2
    assert "missing" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not good.exists()  # checked before anything is written


def test_diff_document_without_articles(db):
    r = run(db, "diff", "gd-notice-2024-4", "gd-measure")
    assert r.exit_code == 2 and "has no articles to compare" in r.stderr


def test_no_store_is_one_line(tmp_path):
    r = run(tmp_path / "none.db", "status", "gd-measure")
    assert r.exit_code == 2 and "no store here" in r.stderr
    assert not (tmp_path / "none.db").exists()


def test_diff_pins_override_the_match_in_every_output(db, tmp_path):
    """--pin 31=31,32 (a split the engine did not see) and --pin 第三十七条=38: 人工指定 everywhere."""
    out = {k: tmp_path / f"p.{k}" for k in ("docx", "html", "json")}
    r = run(db, "diff", "internet-cafe-2016", "internet-cafe-2022", "--pin", "31=31,32",
            "--pin", "第三十七条=chp_5__art_38", *[a for k, p in out.items() for a in (f"--{k}", str(p))])
    assert r.exit_code == 0, r.output
    data = json.loads(out["json"].read_text(encoding="utf-8"))
    split = next(e for e in data["changes"] if e["old"] == ["chp_4__art_31"])
    assert (split["kind"], split["new"], split["manual"]) == ("split", ["chp_4__art_31", "chp_4__art_32"], True)
    last = next(e for e in data["changes"] if e["old"] == ["chp_5__art_37"])
    assert last["manual"] and last["new"] == ["chp_5__art_38"]
    assert [e for e in data["changes"] if e["manual"]] == [split, last]
    assert not any(e["kind"] == "added" for e in data["changes"])  # 32 is now part of the split
    assert data["pins"] == {"chp_4__art_31": ["chp_4__art_31", "chp_4__art_32"], "chp_5__art_37": ["chp_5__art_38"]}
    assert "（人工指定）" in r.stdout and "人工指定对应2处" in r.stdout
    page = out["html"].read_text(encoding="utf-8")
    assert page.count('<span class="manual"') == 2
    notes = [row.cells[2].text for row in docx.Document(io.BytesIO(out["docx"].read_bytes())).tables[0].rows[1:]]
    assert [n for n in notes if n.startswith("【人工指定】")] == [
        "【人工指定】第三十一条拆分为第三十一条、第三十二条，文字修改", "【人工指定】第三十七条改为第三十八条"]


@pytest.mark.parametrize("pin, message", [
    ("31=99", "policykit: pin '99': internet-cafe-2022 has no article 99 (write 11, 第十一条 or an eId)"),
    ("99=31", "policykit: pin '99': internet-cafe-2016 has no article 99 (write 11, 第十一条 or an eId)"),
    ("31", "policykit: --pin '31': write OLD=NEW, e.g. --pin 11=11 or --pin 12=12,13 (article numbers or eIds)"),
])
def test_diff_bad_pin_is_one_line(db, pin, message):
    r = run(db, "diff", "internet-cafe-2016", "internet-cafe-2022", "--pin", pin)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == message


def test_diff_terminal_fits_80_columns_and_speaks_chinese(db):
    from rich.cells import cell_len

    r = CliRunner(env={**ENV, "COLUMNS": "80"}).invoke(cli, ["--db", str(db), "diff", "internet-cafe-2016",
                                                            "internet-cafe-2022", "--collapse"])
    assert r.exit_code == 0, r.output
    assert max(cell_len(line) for line in r.stdout.splitlines()) <= 80
    flat = r.stdout.replace("│", "").replace(" ", "").replace("\n", "")
    assert "第三十四条至第三十七条依次改为第三十五条至第三十八条（4条，仅条号变化）" in flat
    for english in ("renumbered", "modified", "substantive", "unchanged"):
        assert english not in r.stdout


# --- status ----------------------------------------------------------------------------------

@pytest.mark.parametrize("day,label", [("2021-05-31", "尚未施行"), ("2026-11-23", "现行有效"),
                                       ("2027-06-02", "已失效")])
def test_status_text(db, day, label):
    r = run(db, "status", "广东办法", "--on", day)  # the manifest's short name
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    # named by the 文号 of the notice that publishes it (the measure itself has none)
    assert lines[0] == f"《广东省医疗机构医疗保障定点管理暂行办法》（粤医保规〔2021〕1号印发） {day}：{label}"
    assert lines[1] == "  施行期间 2021-06-01 至 2027-06-01   [gd-measure]"
    assert "  有效期延长至 2027-06-01：粤医保规〔2024〕4号“有效期延长至2027年6月1日”" in lines
    assert "  施行 2021-06-01：第五十三条“自2021年6月1日起施行”" in lines
    # the measure's own inferred end says what replaced it
    assert ("  有效期届满 2024-05-31（推定）：第五十三条“有效期3年”（已由粤医保规〔2024〕4号延长至2027-06-01）"
            in lines)
    assert "gd-notice-2024-4 para_1" not in r.stdout and "validity_extended" not in r.stdout


def test_status_json(db):
    r = run(db, "status", "gd-staff", "--on", "2028-05-21", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["status"], data["label"], data["last_day"]) == ("expired", "已失效", "2028-05-20")
    assert [e["what"] for e in data["evidence"]] == ["effective", "expires"]


@pytest.mark.parametrize("args,message", [
    (["status", "nope", "--on", "2024-01-01"], "policykit: no document 'nope' in the store (try `policykit list`)"),
    (["status", "gd-measure", "--on", "2023-02-29"], "policykit: --on: 2023-02-29 does not exist (2023年2月只有28天)"),
    (["status", "gd-measure", "--on", "2024/02/03"], "policykit: --on: '2024/02/03' is not a date written YYYY-MM-DD"),
    (["status", "gd-measur"], "policykit: no document 'gd-measur' in the store; did you mean gd-measure? "
                              "(`policykit list` shows them all)"),
    (["history", "internet-cafe-2O22", "11"], "policykit: no document 'internet-cafe-2O22' in the store; did you "
                                             "mean internet-cafe-2022 or internet-cafe-2016? (`policykit list` "
                                             "shows them all)"),
    (["history", "nope", "11"], "policykit: no document 'nope' in the store (try `policykit list`)"),
    (["history", "internet-cafe-2016", "第九十九条"], "policykit: internet-cafe-2016 has no article 99"),
    (["history", "internet-cafe-2016", "eleven"], "policykit: not an article number: 'eleven' (try 11 or 第十一条)"),
])
def test_bad_arguments_one_line_exit_2(db, args, message):
    r = run(db, *args)
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [message]
    assert r.stdout == ""


# --- history ---------------------------------------------------------------------------------

def test_history_follows_content_across_renumbering(db):
    r = run(db, "history", "internet-cafe-2022", "第三十三条", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["work"] == "internet-cafe-regulation"
    steps = [(s["version"]["doc_id"], s["nums"], s["change"], s["note"]) for s in data["steps"]]
    assert steps == [("internet-cafe-2016", ["第三十二条"], "", ""),
                     ("internet-cafe-2022", ["第三十三条"], "renumbered", "第三十二条改为第三十三条，标点修改")]
    assert data["steps"][0]["text"].split(" ", 1)[1] == data["steps"][1]["text"].split(" ", 1)[1]


def test_history_of_the_rewritten_and_the_inserted_article(db):
    r = run(db, "history", "internet-cafe-2016", "11")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "《互联网上网服务营业场所管理条例》第十一条（internet-cafe-2016）在2个版本中："
    assert "2022年3月29日版（internet-cafe-2022）第十一条：文字修改" in r.stdout
    assert "2016年2月6日版（internet-cafe-2016）第十一条：（最早的版本）" in r.stdout
    r = run(db, "history", "internet-cafe-2022", "32", "--json")
    steps = json.loads(r.stdout)["steps"]
    assert [(s["nums"], s["change"]) for s in steps] == [([], "absent"), (["第三十二条"], "added")]


def test_history_names_the_revisions_a_caption_lists_but_the_store_lacks(db):
    # The 2022 text's 题注 lists the 2019 revision; its text is not bundled. History says so
    # instead of passing from 2016 to 2022 as if nothing happened in between.
    r = run(db, "history", "internet-cafe-2022", "1")
    assert r.exit_code == 0, r.output
    tail = r.output.split("题注所载、正文未收入本库的修改：\n", 1)[1].splitlines()
    assert "2019年3月24日（见 internet-cafe-2022 的题注）：2019年3月24日《国务院关于修改部分行政法规的决定》第三次修订" in tail
    assert not any(line.startswith("2016年2月6日") for line in tail)  # that text is stored
    assert len(tail) == len(set(x.split("（", 1)[0] for x in tail))  # each revision once
    data = json.loads(run(db, "history", "internet-cafe-2022", "1", "--json").output)
    assert "2019-03-24" in [u["date"] for u in data["unstored_revisions"]]
