"""Case tables for ``policykit batch``: one row per case, columns derived from the case models.

The columns of a document type are its pydantic case model flattened (``type`` and
``doc_number`` left out: the type comes from the command line, the 文号 from the register):

* a nested model becomes dotted headers: ``applicant.name``, ``recordal.printed_on``;
* a list of texts is one cell, entries separated by ``;`` (ASCII): ``attachments``;
* a list of models is one column per field, each ``;``-separated and read position by
  position: ``grounds.item`` = ``5;3`` with ``grounds.facts`` = ``经核查…;经查…``.

Row numbers are the clerk's: the header is row 1, the first case row 2 (CSV records count as
Excel shows them, whatever line breaks a cell holds). Cells are cleaned the way a spreadsheet
needs (Excel dates and whole numbers, ``2026/11/23`` or ``2026年11月23日`` for a date), then the
case model validates the row: a bad row is reported with every bad field, by header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from toolkit.documents.cases import CASE_MODELS, CaseError, parse_case
from toolkit.fileio import atomic_write

SEPARATOR = ";"
# Never columns: the type is the command's, the 文号 is allocated when issuing.
LEFT_OUT = ("type", "doc_number")
FIRST = ("case_id",)  # shown first: the clerk's own reference for the row
TAIL = ("attachments", "contact", "recordal")  # the optional parts every notice shares, last


class BatchError(Exception):
    """The table as a whole cannot be used (unreadable, unknown or missing columns)."""


@dataclass(frozen=True)
class Column:
    header: str  # "applicant.name"
    path: tuple[str, ...]  # ("applicant", "name")
    label: str  # "申请单位 › 单位名称"
    required: bool  # a row must fill it (optional groups: only when the group is used)
    kind: str  # text | date | datetime | int | float | choice | list
    repeated: tuple[str, ...] = ()  # for fields of a list of models: the list's path
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    doc_type: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    required_groups: tuple[tuple[str, ...], ...]  # nested models that are always present

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)


@dataclass
class Sheet:
    """A table as read: its headers and, per non-blank row, the row number and the cells."""

    path: Path
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    extra: dict[int, list[int]] = field(default_factory=dict)  # row → columns without a header


@dataclass
class RowCase:
    """One row: the validated case, or the problems (each naming the column and the reason)."""

    row: int
    case: BaseModel | None
    problems: list[str] = field(default_factory=list)
    case_id: str | None = None  # the row's case_id cell, valid or not

    @property
    def ok(self) -> bool:
        return self.case is not None and not self.problems


# ----------------------------------------------------------------------------- columns


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _unwrap_optional(annotation: Any) -> Any:
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_annotated(args[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _scalar_kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation))
    if annotation is dt.datetime:
        return "datetime", ()
    if annotation is dt.date:
        return "date", ()
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    return "text", ()


def _columns(model: type[BaseModel], prefix: tuple[str, ...], labels: tuple[str, ...],
             required: bool, repeated: tuple[str, ...], groups: list[tuple[str, ...]]
             ) -> list[Column]:
    out: list[Column] = []
    for name, info in model.model_fields.items():
        if not prefix and name in LEFT_OUT:
            continue
        path, label = (*prefix, name), (*labels, info.title or name)
        need = required and info.is_required()
        inner = _unwrap_optional(info.annotation)
        if _is_model(inner):
            if need:
                groups.append(path)
            out += _columns(inner, path, label, need, repeated, groups)
            continue
        if typing.get_origin(inner) is list:
            item = _strip_annotated(typing.get_args(inner)[0])
            if _is_model(item):
                if repeated:
                    raise TypeError(f"{'.'.join(path)}: lists inside lists have no columns")
                # each field of an entry is required within the entry; the list may be empty
                out += _columns(item, path, label, True, path, groups)
                continue
            out.append(Column(".".join(path), path, " › ".join(label), need, "list", repeated))
            continue
        kind, choices = _scalar_kind(inner)
        out.append(Column(".".join(path), path, " › ".join(label), need, kind, repeated, choices))
    return out


@cache
def schema_for(doc_type: str) -> Schema:
    """The columns of a document type's case table."""
    model = CASE_MODELS.get(doc_type)
    if model is None:
        raise BatchError(f"未知的文书类型“{doc_type}”（可用：{'、'.join(CASE_MODELS)}）")
    groups: list[tuple[str, ...]] = []
    columns = _columns(model, (), (), True, (), groups)
    # stable sort: the model's order within each part
    columns.sort(key=lambda c: 0 if c.path[0] in FIRST else 2 if c.path[0] in TAIL else 1)
    return Schema(doc_type, model, tuple(columns), tuple(groups))


# ----------------------------------------------------------------------------- cells → case data


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATETIME_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?$"
)


def _date_text(text: str) -> str:
    """``2026/11/23``, ``2026.11.23``, ``2026年11月23日`` → ``2026-11-23`` (not checked here:
    ``2026-02-30`` stays as typed and the model rejects it)."""
    m = _DATE_TEXT.match(text)
    return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" if m else text


def _datetime_text(text: str) -> str:
    m = _DATETIME_TEXT.match(text)
    if not m:
        return text
    return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d} {int(m[4]):02d}:{int(m[5]):02d}"


def clean_cell(value: Any, kind: str) -> Any:
    """A spreadsheet cell as the case model reads it; ``None`` when blank."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # Excel date cells come as datetimes
        if kind == "datetime":
            return value.strftime("%Y-%m-%d %H:%M")
        if kind == "date" or value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores every number as a float
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value if kind in ("int", "float", "list") else str(value)
    text = str(value).strip()
    if not text:
        return None
    if kind == "date":
        return _date_text(text)
    if kind == "datetime":
        return _datetime_text(text)
    return text


def _split(value: Any) -> list[str | None]:
    """``a; b;`` → ``["a", "b"]``; inner blanks stay (``None``) so positions line up."""
    if value is None:
        return []
    if not isinstance(value, str):
        return [str(value)]
    parts = [p.strip() or None for p in value.split(SEPARATOR)]
    while parts and parts[-1] is None:
        parts.pop()
    return parts


def _put(data: dict, path: Sequence[str], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


def row_data(schema: Schema, cells: dict[str, Any]) -> tuple[dict, list[str]]:
    """Case data (nested, as a case file holds it) from one row's cells, plus any problem
    the model cannot see (list columns of different lengths)."""
    data: dict = {}
    problems: list[str] = []
    lists: dict[tuple[str, ...], dict[Column, list]] = {}
    for col in schema.columns:
        value = clean_cell(cells.get(col.header), col.kind)
        if col.repeated:
            lists.setdefault(col.repeated, {})[col] = _split(value)
        elif col.kind == "list":
            if value is not None:
                _put(data, col.path, [p for p in _split(value) if p is not None])
        elif value is not None:
            _put(data, col.path, value)
    for list_path, fields in lists.items():
        counts = {col: len(values) for col, values in fields.items() if values}
        if not counts:
            continue
        n = max(counts.values())
        uneven = [f"{c.header} 有 {k} 项" for c, k in counts.items() if k != n]
        if uneven:
            longest = next(c.header for c, k in counts.items() if k == n)
            problems.append(f"{'、'.join(uneven)}，{longest} 有 {n} 项：同一组的各列用“;”分隔，"
                            "项数应相同（某项没有的值留空，如 “5;;3”）")
            continue
        entries: list[dict] = [{} for _ in range(n)]
        for col, values in fields.items():
            for entry, value in zip(entries, values, strict=False):
                if value is not None:
                    _put(entry, col.path[len(list_path):], clean_cell(value, col.kind))
        _put(data, list_path, entries)
    for group in schema.required_groups:  # so a blank group is reported field by field
        node = data
        for key in group:
            node = node.setdefault(key, {})
    return data, problems


def case_cells(schema: Schema, case: BaseModel) -> dict[str, str]:
    """The row a case would be (for example tables and round-trip checks)."""
    data = case.model_dump(mode="json")
    out: dict[str, str] = {}
    for col in schema.columns:
        if col.repeated:
            node: Any = data
            for key in col.repeated:
                node = node.get(key) if isinstance(node, dict) else None
            values = []
            for entry in node or []:
                for key in col.path[len(col.repeated):]:
                    entry = entry.get(key) if isinstance(entry, dict) else None
                values.append("" if entry is None else str(entry))
            out[col.header] = SEPARATOR.join(values) if any(values) else ""
            continue
        node = data
        for key in col.path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list):
            out[col.header] = SEPARATOR.join(str(v) for v in node)
        elif col.kind == "datetime" and node:
            out[col.header] = dt.datetime.fromisoformat(node).strftime("%Y-%m-%d %H:%M")
        else:
            out[col.header] = "" if node is None else str(node)
    return out


# ----------------------------------------------------------------------------- reading tables


def _decode(raw: bytes, path: Path) -> str:
    # Excel saves "CSV UTF-8" with a BOM; plain "CSV" on a Chinese Windows is GB18030 (GBK).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BatchError(f"{path}: 不是 UTF-8 或 GBK 编码的 CSV 文件")


def _read_csv(path: Path) -> list[list[Any]]:
    text = _decode(path.read_bytes(), path)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        raise BatchError(f"{path}: CSV 格式错误（{e}）") from None


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zip/XML errors of a broken or foreign file
        raise BatchError(f"{path}: 不是可读取的 Excel（.xlsx）文件（{e}）") from None
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(path: str | Path) -> Sheet:
    """The first worksheet of an .xlsx, or a .csv: header in row 1, one case per later row."""
    path = Path(path)
    if not path.is_file():
        raise BatchError(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path)
    else:
        raise BatchError(f"{path}: 只能读取 .xlsx 或 .csv 文件")
    if not table or all(_blank(v) for v in table[0]):
        raise BatchError(f"{path}: 第1行应为列名（如 applicant.name），现在是空行")
    headers = ["" if _blank(v) else str(v).strip() for v in table[0]]
    while headers and not headers[-1]:
        headers.pop()
    seen: set[str] = set()
    for i, h in enumerate(headers, 1):
        if not h:
            raise BatchError(f"{path}: 第1行第{i}列没有列名")
        if h in seen:
            raise BatchError(f"{path}: 第1行列名“{h}”出现了两次")
        seen.add(h)
    sheet = Sheet(path, headers, [])
    for number, values in enumerate(table[1:], 2):
        if all(_blank(v) for v in values):
            continue
        cells = {h: values[i] if i < len(values) else None for i, h in enumerate(headers)}
        stray = [i + 1 for i in range(len(headers), len(values)) if not _blank(values[i])]
        if stray:
            sheet.extra[number] = stray
        sheet.rows.append((number, cells))
    return sheet


def check_headers(schema: Schema, sheet: Sheet, supplied: Iterable[str] = ()) -> None:
    """Unknown columns and missing required ones are the table's problem, not a row's."""
    known = set(schema.headers)
    unknown = [h for h in sheet.headers if h not in known]
    if "doc_number" in unknown:
        raise BatchError(f"{sheet.path}: 请删去 doc_number 列：发文字号在签发时由发文登记簿分配")
    if unknown:
        raise BatchError(f"{sheet.path}: 第1行有不认识的列 {'、'.join(unknown)}"
                         f"（{schema.doc_type} 可用的列：{'、'.join(schema.headers)}）")
    have = set(sheet.headers) | set(supplied)
    missing = [c for c in schema.columns if c.required and not c.repeated and c.header not in have]
    if missing:
        names = "、".join(f"{c.header}（{c.label}）" for c in missing)
        raise BatchError(f"{sheet.path}: 缺少必填的列 {names}")


def parse_rows(schema: Schema, sheet: Sheet, prepare=None) -> list[RowCase]:
    """Validate every row. ``prepare(data) -> data`` may complete a row before validation
    (e.g. the issuer from ``--office``)."""
    out = []
    for number, cells in sheet.rows:
        data, problems = row_data(schema, cells)
        if number in sheet.extra:
            cols = "、".join(f"第{i}列" for i in sheet.extra[number])
            problems.append(f"{cols}有内容但没有列名")
        if prepare is not None:
            data = prepare(data)
        try:
            case = parse_case(data, f"{sheet.path.name} 第{number}行", schema.doc_type)
        except CaseError as e:
            problems += e.problems
            case = None
        case_id = clean_cell(cells.get("case_id"), "text")
        out.append(RowCase(number, None if problems else case, problems,
                           None if case_id is None else str(case_id)))
    return out


# ----------------------------------------------------------------------------- writing tables


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV as Excel opens it without an import dialog: UTF-8 with a BOM, CRLF line ends."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               title: str = "Sheet1", notes: Sequence[str] | None = None) -> bytes:
    """An .xlsx with a bold, frozen header row (``notes``: a comment per header, e.g. the
    field's Chinese name and whether it is required) and every cell stored as text."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for row in rows:
        ws.append(["" if v is None else v for v in row])
    for i, header in enumerate(headers, 1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        if notes and notes[i - 1]:
            cell.comment = Comment(notes[i - 1], "policykit")
        width = max([len(str(header))] + [len(str(c.value or "")) * 2 for c in ws[get_column_letter(i)][1:]])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, width + 2))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: a credit code or 0663- phone stays as typed
    ws.freeze_panes = "A2"
    # fixed document properties, so the same rows give the same workbook contents
    wb.properties.creator = "policykit"
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def header_notes(schema: Schema) -> list[str]:
    """Per column: its Chinese name, required or not, and how to fill it."""
    how = {"date": "日期，如 2026-11-23", "datetime": "时间，如 2026-11-30 09:30",
           "int": "整数", "float": "数字", "list": "多项用 ; 分隔"}
    notes = []
    for c in schema.columns:
        need = "必填" if c.required else "选填"
        extra = how.get(c.kind, "")
        if c.kind == "choice":
            extra = "可选：" + "、".join(c.choices)
        if c.repeated:
            extra = ("每项用 ; 分隔，与同组各列一一对应" + ("；" + extra if extra else ""))
        notes.append(f"{c.label}（{need}）" + (f"：{extra}" if extra else ""))
    return notes


def write_case_table(path: str | Path, schema: Schema, rows: Sequence[dict[str, Any]]) -> Path:
    """A case table (.csv or .xlsx by suffix) with the schema's columns, written atomically."""
    path = Path(path)
    values = [[r.get(h, "") for h in schema.headers] for r in rows]
    if path.suffix.lower() == ".csv":
        data = csv_bytes(schema.headers, values)
    else:
        data = xlsx_bytes(schema.headers, values, title=schema.doc_type, notes=header_notes(schema))
    return atomic_write(path, data)
