"""Case tables for ``policykit batch``: columns from the case models, reading .csv/.xlsx, rows
validated with the clerk's row numbers (no LibreOffice here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from batch_samples import BAD_DATE_ROW, BATCH_EXAMPLES, MISSING_ROW, five_rows, make_examples

from toolkit.documents.cases import CASE_MODELS, load_case, parse_case
from toolkit.documents.doctypes import TYPES
from toolkit.issuing.batch_table import (
    BatchError,
    case_cells,
    check_headers,
    clean_cell,
    csv_bytes,
    parse_rows,
    read_sheet,
    row_data,
    schema_for,
    write_case_table,
)

REFUSAL_HEADERS = [
    "case_id", "region", "date", "issuer.name", "issuer.mark", "addressee",
    "grounds.item", "grounds.sub", "grounds.facts",
    "applicant.name", "applicant.kind", "applicant.credit_code", "received_on",
    "attachments", "recordal.cc", "recordal.printed_by", "recordal.printed_on",
    "contact.person", "contact.phone",
]


def test_refusal_columns_flatten_the_case_model():
    schema = schema_for("refusal")
    assert schema.headers == REFUSAL_HEADERS
    required = {c.header for c in schema.columns if c.required}
    # grounds.item and grounds.facts: required in each ground (the list itself may be empty)
    assert required == {"region", "date", "issuer.name", "addressee", "applicant.name",
                        "received_on", "grounds.item", "grounds.facts"}
    kinds = {c.header: c.kind for c in schema.columns}
    assert kinds["date"] == kinds["recordal.printed_on"] == "date"
    assert kinds["grounds.item"] == kinds["grounds.sub"] == "int"
    assert kinds["attachments"] == kinds["recordal.cc"] == "list"
    assert schema.column("applicant.kind").choices == ("医疗机构", "零售药店")
    assert {c.header for c in schema.columns if c.repeated} == \
        {"grounds.item", "grounds.sub", "grounds.facts"}
    assert schema.column("applicant.name").label == "申请单位 › 单位名称"


@pytest.mark.parametrize("doc_type", list(CASE_MODELS))
def test_every_example_case_survives_the_round_trip_through_a_row(doc_type):
    """case → cells (all text, as a CSV holds them) → case data → the same case."""
    case = load_case(TYPES[doc_type].example)
    if hasattr(case, "doc_number"):
        case = case.model_copy(update={"doc_number": None})
    schema = schema_for(doc_type)
    cells = case_cells(schema, case)
    assert set(cells) == set(schema.headers)
    data, problems = row_data(schema, cells)
    assert problems == []
    assert parse_case(data, "row", doc_type) == case


def test_shipped_example_tables_are_what_the_script_makes():
    expected = make_examples().example_cases()
    schema = schema_for("refusal")
    assert len(expected) == 4
    for name in ("refusal.csv", "refusal.xlsx"):
        sheet = read_sheet(BATCH_EXAMPLES / name)
        assert sheet.headers == REFUSAL_HEADERS
        rows = parse_rows(schema, sheet)
        assert [r.row for r in rows] == [2, 3, 4, 5]
        assert all(r.ok for r in rows), [r.problems for r in rows]
        assert [r.case for r in rows] == expected
    # one row carries two grounds, ;-separated and read position by position
    two = expected[2]
    assert [(g.item, g.facts[:8]) for g in two.grounds] == [(6, "经核查，你单位因"), (8, "经核查，你单位法")]


def _table(tmp_path: Path, suffix: str, rows: list[dict[str, str]]) -> Path:
    return write_case_table(tmp_path / f"cases{suffix}", schema_for("refusal"), rows)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_bad_rows_are_named_by_row_number_and_reason(tmp_path, suffix):
    sheet = read_sheet(_table(tmp_path, suffix, five_rows()))
    rows = parse_rows(schema_for("refusal"), sheet)
    assert [r.row for r in rows] == [2, 3, 4, 5, 6]
    assert [r.row for r in rows if r.ok] == [2, 4, 6]
    bad = {r.row: r.problems for r in rows if not r.ok}
    assert bad == {
        MISSING_ROW: ["申请单位 › 单位名称（applicant.name）：缺少此项（必填）"],
        BAD_DATE_ROW: ["收到申请日期（received_on）：2026-02-30 不存在（2026年2月只有28天）"],
    }


def test_excel_cells_are_read_as_a_clerk_means_them():
    assert clean_cell(dt.datetime(2026, 11, 23), "date") == "2026-11-23"
    assert clean_cell(dt.datetime(2026, 11, 30, 9, 30), "datetime") == "2026-11-30 09:30"
    assert clean_cell(5.0, "int") == 5
    assert clean_cell(13800138000.0, "text") == "13800138000"
    assert clean_cell("2026/1/5", "date") == "2026-01-05"
    assert clean_cell("2026年11月23日", "date") == "2026-11-23"
    assert clean_cell("2026.11.23", "date") == "2026-11-23"
    assert clean_cell("2026-02-30", "date") == "2026-02-30"  # left for the model to refuse
    assert clean_cell("2026/11/30 9:30", "datetime") == "2026-11-30 09:30"
    assert clean_cell("  ", "text") is None and clean_cell(None, "text") is None


def test_list_columns_of_one_group_must_have_as_many_entries(tmp_path):
    schema = schema_for("refusal")
    cells = make_examples().example_rows()[0] | {"grounds.item": "5;8", "grounds.facts": "只有一项"}
    data, problems = row_data(schema, cells)
    assert problems == ["grounds.facts 有 1 项，grounds.item 有 2 项：同一组的各列用“;”分隔，"
                        "项数应相同（某项没有的值留空，如 “5;;3”）"]
    # blanks keep positions: the second ground has a 目, the first none
    cells |= {"grounds.item": "5;8", "grounds.sub": ";2", "grounds.facts": "甲;乙"}
    data, problems = row_data(schema, cells)
    assert problems == []
    assert data["grounds"] == [{"item": "5", "facts": "甲"}, {"item": "8", "sub": "2", "facts": "乙"}]


def test_csv_rows_count_as_excel_shows_them_and_gbk_is_read(tmp_path):
    rows = five_rows()[:3]
    rows[0] = rows[0] | {"grounds.facts": "经核查，\n你单位因违法违规被解除协议。"}  # two lines, one cell
    rows[2] = rows[2] | {"received_on": "明天"}
    schema = schema_for("refusal")
    values = [[r[h] for h in schema.headers] for r in rows]
    values.insert(1, [""] * len(schema.headers))  # a blank row: skipped, but it has a number
    data = csv_bytes(schema.headers, values)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(data.decode("utf-8-sig").encode("gb18030"))  # Excel's plain "CSV" in China
    parsed = parse_rows(schema, read_sheet(gbk))
    assert [(r.row, r.ok) for r in parsed] == [(2, True), (4, False), (5, False)]
    assert parsed[0].case.grounds[0].facts == "经核查，\n你单位因违法违规被解除协议。"
    assert parsed[2].problems[0].startswith("收到申请日期（received_on）：")


def test_table_level_problems_stop_the_batch(tmp_path):
    schema = schema_for("refusal")
    good = make_examples().example_rows()[:1]

    def table(headers: list[str]) -> Path:
        path = tmp_path / "t.csv"
        path.write_bytes(csv_bytes(headers, [[good[0].get(h, "x") for h in headers]]))
        return path

    with pytest.raises(BatchError, match=r"t\.csv: 第1行有不认识的列 colour"):
        check_headers(schema, read_sheet(table([*REFUSAL_HEADERS, "colour"])))
    with pytest.raises(BatchError, match="请删去 doc_number 列"):
        check_headers(schema, read_sheet(table([*REFUSAL_HEADERS, "doc_number"])))
    no_date = [h for h in REFUSAL_HEADERS if h not in ("received_on", "issuer.name")]
    with pytest.raises(BatchError, match=r"缺少必填的列 issuer\.name（发文机关 › 发文机关名称（署名））、"
                                         r"received_on（收到申请日期）"):
        check_headers(schema, read_sheet(table(no_date)))
    # the issuer may come from --office instead
    with pytest.raises(BatchError, match=r"缺少必填的列 received_on（收到申请日期）$"):
        check_headers(schema, read_sheet(table(no_date)), supplied=["issuer.name"])
    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(BatchError, match="只能读取 .xlsx 或 .csv"):
        read_sheet(tmp_path / "x.txt")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(BatchError, match=r"broken\.xlsx: 不是可读取的 Excel"):
        read_sheet(broken)
    dup = tmp_path / "dup.csv"
    dup.write_bytes(csv_bytes(["region", "region"], [["a", "b"]]))
    with pytest.raises(BatchError, match="列名“region”出现了两次"):
        read_sheet(dup)


def test_docs_list_every_notice_types_columns():
    """docs/notices.md's column table is the schema (required columns in bold)."""
    from toolkit.documents.doctypes import of_kind

    docs = (Path(__file__).resolve().parent.parent / "docs" / "notices.md").read_text(encoding="utf-8")
    for key in of_kind("notice"):
        cols = ", ".join(f"**`{c.header}`**" if c.required and not c.repeated else f"`{c.header}`"
                         for c in schema_for(key).columns)
        assert f"| {key} | {cols} |" in docs, key
