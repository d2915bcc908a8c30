"""A batch of notices from a case table (.xlsx / .csv): validate every row, issue the good ones.

    read      the table; unknown or missing columns stop the batch before anything happens
    validate  row by row (case model, issuing office, every quote and deadline): a bad row is
              reported with its row number and reasons and takes NO 文号
    issue     the good rows in one ``issue_batch`` call: numbers in row order, one LibreOffice run
              per batch (and worker); a row failing after its number was reserved is voided
    extract   the register rows of the numbers issued in this batch, as CSV and XLSX (number,
              date, office, case, type, template version, each file's SHA-256), and with
              ``make_zip`` a ZIP of the issued files and the extract
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from toolkit.corpus import Corpus, CorpusError
from toolkit.documents.basis import DocumentError
from toolkit.documents.doctypes import TYPES
from toolkit.fileio import atomic_write
from toolkit.issuing.batch_table import (
    BatchError,
    check_headers,
    csv_bytes,
    parse_rows,
    read_sheet,
    schema_for,
    xlsx_bytes,
)
from toolkit.issuing.issue import IssueOptions, Timings
from toolkit.issuing.notice_issue import (
    OfficeError,
    PreparedNotice,
    already_issued_reason,
    find_office,
    issue_notices,
    issued_by_case,
    prepare_notice,
    with_issuer,
)
from toolkit.issuing.numbering import Offices, load_offices
from toolkit.issuing.register import Register, RegisterEntry

# (stage, done, total): validate → render → pdf → extract
Progress = Callable[[str, int, int], None]

EXTRACT_HEADERS = ("number", "date", "office", "office_name", "case_id", "type",
                   "template_version", "docx", "docx_sha256", "pdf", "pdf_sha256")


@dataclass
class RowOutcome:
    row: int
    case_id: str | None
    status: str  # issued | invalid (no number taken) | voided (number taken, then failed)
    number: str | None = None
    files: list[Path] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reissue_of: str | None = None  # the number an issued reissue replaced (voided by it)


@dataclass
class BatchResult:
    source: Path
    rows: list[RowOutcome]
    extract_csv: Path | None = None
    extract_xlsx: Path | None = None
    zip: Path | None = None
    timings: Timings = field(default_factory=Timings)

    @property
    def issued(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.status == "issued"]

    @property
    def failed(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.status != "issued"]


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def run_batch(table: str | Path, doc_type: str, *, corpus: Corpus, register: Register,
              out_dir: str | Path, options: IssueOptions, office: str | None = None,
              offices: Offices | None = None, make_zip: bool = False,
              progress: Progress = _quiet, timings: Timings | None = None,
              reissue: bool = False, reissue_reason: str | None = None) -> BatchResult:
    """Issue one notice per valid row of ``table``. Raises BatchError (table unusable) or
    OfficeError (unknown --office) before any number is taken.

    A case id already issued (same document type) is refused — a rerun of the same table
    issues nothing twice — unless ``reissue``: then the new number is recorded as a reissue
    of the last one, which the register voids when the new one is issued (``reissue_reason``
    recorded in the register with it). Two rows with the same case id: the second is refused."""
    doc = TYPES.get(doc_type)
    if doc is None or doc.kind != "notice":
        known = "、".join(k for k, t in TYPES.items() if t.kind == "notice")
        raise BatchError(f"未知的公文类型“{doc_type}”（可用：{known}）")
    offices = offices or load_offices()
    given = find_office(offices, office) if office else None
    schema = schema_for(doc_type)
    sheet = read_sheet(table)
    check_headers(schema, sheet, supplied=["issuer.name"] if given else [])
    if not sheet.rows:
        raise BatchError(f"{sheet.path}: 第1行之后没有案件")
    out_dir = Path(out_dir)
    timings = timings if timings is not None else Timings()

    parsed = parse_rows(schema, sheet, prepare=lambda data: with_issuer(data, given))
    outcomes: dict[int, RowOutcome] = {}
    ready: list[tuple[int, PreparedNotice]] = []
    before = issued_by_case(register)
    first_row: dict[str, int] = {}
    for done, row in enumerate(parsed, 1):
        case_id = row.case_id or f"{sheet.path.stem}#{row.row}"
        if case_id in first_row:
            row.problems.append(f"案件编号 {case_id} 与第{first_row[case_id]}行重复：同一案件只签发一次")
        first_row.setdefault(case_id, row.row)
        earlier = before.get((case_id, doc.name), [])
        if earlier and not reissue:
            row.problems.append(already_issued_reason(case_id, earlier))
        if row.ok:
            try:
                notice = prepare_notice(doc_type, row.case, corpus, offices, office=office,
                                        case_id=case_id)
                if earlier:
                    notice = replace(notice, reissue_of=earlier[-1].number,
                                     reissue_reason=reissue_reason)
                ready.append((row.row, notice))
            except (OfficeError, DocumentError, CorpusError) as e:
                row.problems.append(str(e))
        if row.problems:
            outcomes[row.row] = RowOutcome(row.row, case_id, "invalid", reasons=row.problems)
        progress("validate", done, len(parsed))

    rendered = 0

    def on_render(notice: PreparedNotice, number: str) -> None:
        nonlocal rendered
        rendered += 1
        progress("render", rendered, len(ready))

    progress("render", 0, len(ready))
    progress("pdf", 0, len(ready))
    issued = issue_notices([n for _, n in ready], register=register, out_dir=out_dir,
                           offices=offices, options=options, timings=timings,
                           on_render=on_render)
    progress("pdf", len(ready), len(ready))
    entries: list[RegisterEntry] = []
    for (row, notice), result in zip(ready, issued, strict=True):
        if result.status == "refused":  # issued meanwhile by another run: no number taken
            outcomes[row] = RowOutcome(row, notice.case_id, "invalid", reasons=[result.error or ""])
            continue
        outcome = RowOutcome(row, notice.case_id, result.status, result.number,
                             warnings=list(notice.warnings))
        if result.status == "issued":
            outcome.files = [p for p in (result.docx, result.pdf) if p is not None]
            outcome.reissue_of = notice.reissue_of
            entries.append(result.entry)
        else:
            outcome.reasons = [f"{result.number} 已作废：{result.error}"]
        outcome.warnings += [str(f) for f in result.findings if f.severity == "warning"]
        outcomes[row] = outcome

    result = BatchResult(Path(table), [outcomes[r.row] for r in parsed], timings=timings)
    if entries:
        result.extract_csv, result.extract_xlsx = write_extract(entries, out_dir,
                                                                f"{sheet.path.stem}.register")
        if make_zip:
            files = [p for o in result.issued for p in o.files]
            result.zip = write_zip(out_dir / f"{sheet.path.stem}.zip",
                                   files + [result.extract_csv, result.extract_xlsx])
    progress("extract", 1, 1)
    return result


def extract_rows(entries: list[RegisterEntry], offices: Offices | None = None) -> list[list[str]]:
    """One row per register entry, in EXTRACT_HEADERS order (file names without folders)."""
    offices = offices or load_offices()
    names = {o.id: o.name for o in offices}
    rows = []
    for e in entries:
        files = {f.role: f for f in e.files}
        docx, pdf = files.get("docx"), files.get("pdf")
        rows.append([
            e.number, e.doc_date or "", e.office, names.get(e.office, ""), e.case_id or "",
            e.doc_type, e.template_version or "",
            Path(docx.path).name if docx else "", docx.sha256 if docx else "",
            Path(pdf.path).name if pdf else "", pdf.sha256 if pdf else "",
        ])
    return rows


def write_extract(entries: list[RegisterEntry], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """The register extract as ``<stem>.csv`` and ``<stem>.xlsx`` (atomically)."""
    rows = extract_rows(entries)
    csv_path = atomic_write(out_dir / f"{stem}.csv", csv_bytes(EXTRACT_HEADERS, rows))
    xlsx_path = atomic_write(out_dir / f"{stem}.xlsx",
                             xlsx_bytes(EXTRACT_HEADERS, rows, title="发文登记簿摘录"))
    return csv_path, xlsx_path


def write_zip(path: Path, files: list[Path]) -> Path:
    """A ZIP of ``files`` (flat, by name), complete or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
