"""``policykit batch cases.xlsx|cases.csv --type TYPE -o out/``: one notice per row, issued.

Thin: read the options, run toolkit.issuing.batch with a progress bar, print the summary
table and every failed row again at the end. Exit 0 when every row was issued, 1 when any row
failed (the others are issued all the same), 2 when the table or an option is unusable (nothing
issued).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from toolkit.cli.issuing import (
    REASON_HELP,
    audit_reissue,
    issuing_errors,
    issuing_options,
    make_signer,
    register_db,
    reissue_reason,
)
from toolkit.cli.main import db_path

STAGES = {"validate": "检查各行", "render": "编号、生成 DOCX", "pdf": "盖章"}
STATUS = {"issued": "已签发", "invalid": "未签发（未占用文号）", "voided": "已作废"}


def _fail(message: str) -> NoReturn:
    click.echo(f"policykit batch: {message}", err=True)
    sys.exit(2)


class _Bar:
    """A rich progress bar per stage, on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, labels: dict[str, str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=self.console)
        self.tasks: dict[str, int] = {}
        self.labels = labels

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tasks:
            self.progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.labels or (total == 0 and stage not in self.tasks):
            return  # a stage with nothing to do (every row refused) gets no bar
        if not self.tasks:  # started by the first row, so a refused table prints only its error
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(self.labels[stage], total=max(total, 1))
        self.progress.update(self.tasks[stage], completed=done, total=max(total, 1))


def _summary(result, console) -> None:
    from rich.table import Table

    table = Table(title=f"{result.source.name}：{len(result.issued)} 件已签发，"
                        f"{len(result.failed)} 行未签发", show_lines=False)
    for name in ("行", "案件编号", "文号", "文件", "状态"):
        table.add_column(name, overflow="fold")
    for r in result.rows:
        files = "\n".join(p.name for p in r.files)
        style = None if r.status == "issued" else "red"
        table.add_row(str(r.row), r.case_id or "-", r.number or "-", files or "-",
                      STATUS[r.status], style=style)
    console.print(table)


@click.command("batch")
@click.argument("table", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "doc_type", required=True, help="Notice type of every row (policykit templates).")
@click.option("-o", "--out", "out_dir", default=Path("out"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--pdf", is_flag=True, help="Sealed DOCX + checked PDF (else sealed DOCX only).")
@click.option("--zip", "make_zip", is_flag=True,
              help="Also a ZIP of the issued files and the register extract.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Processes for the PDF stage (one LibreOffice run each).")
@click.option("--reissue", is_flag=True,
              help="Issue again cases already issued (recorded as reissues; the old numbers "
                   "are voided). Without it such rows are refused.")
@click.option("--reason", default=None, help=REASON_HELP)
@issuing_options
@click.pass_context
def batch(ctx: click.Context, table: Path, doc_type: str, out_dir: Path, pdf: bool,
          make_zip: bool, workers: int, reissue: bool, reason: str | None, sign: bool, sign_p12: Path | None, sign_key: Path | None,
          sign_cert: Path | None, passphrase_env: str, test_cert: Path | None,
          office: str | None, register_path: Path | None) -> None:
    """Issue one notice per row of a case table (.xlsx or .csv; columns: docs/notices.md).

    Every row is checked first; a bad row is listed with its row number (header = row 1) and
    the reasons and takes no 文号. The good rows get consecutive numbers in the 发文登记簿."""
    from rich.console import Console

    from toolkit.cli.register import warn_reserved
    from toolkit.corpus import Corpus
    from toolkit.issuing.batch import run_batch
    from toolkit.issuing.issue import IssueOptions
    from toolkit.issuing.register import Register

    if workers < 1:
        _fail("--workers 至少为 1")
    why = reissue_reason(_fail, reissue, reason)
    signer = make_signer(_fail, pdf=pdf, sign=sign, sign_p12=sign_p12, sign_key=sign_key,
                         sign_cert=sign_cert, passphrase_env=passphrase_env, test_cert=test_cert)
    from toolkit.documents.doctypes import TYPES

    reason = TYPES[doc_type].name if doc_type in TYPES else None  # the signature's /Reason
    options = IssueOptions(pdf=pdf, sign=signer, workers=workers, reason=reason)
    try:
        corpus = Corpus.open(db_path(ctx))
        labels = STAGES | {"pdf": STAGES["pdf"] + ("、转 PDF、检查" if pdf else "") +
                                  ("、签名" if signer else "")}
        with Register(register_db(ctx, register_path)) as reg, _Bar(labels) as bar:
            warn_reserved(reg)  # numbers a dead run left reserved, and the command to explain them
            result = run_batch(table, doc_type, corpus=corpus, register=reg, out_dir=out_dir,
                               options=options, office=office, make_zip=make_zip, progress=bar,
                               reissue=reissue, reissue_reason=why)
    except issuing_errors() as e:
        _fail(str(e))
    for r in result.issued:
        if r.reissue_of:
            audit_reissue(ctx, r.number or "", r.reissue_of, doc_type, r.case_id, why or "")

    out = Console()
    if not out.is_terminal:  # a log or a pipe: no wrapping of 文号 and file names
        out = Console(width=160)
    _summary(result, out)
    for path in (result.extract_csv, result.extract_xlsx, result.zip):
        if path is not None:
            click.echo(str(path))
    for r in result.rows:
        for w in r.warnings:
            click.echo(f"注意：第{r.row}行：{w}", err=True)
    if result.failed:
        click.echo(f"未签发的行（{len(result.failed)}）：", err=True)
        for r in result.failed:
            click.echo(f"  第{r.row}行：" + "；".join(r.reasons), err=True)
        sys.exit(1)
