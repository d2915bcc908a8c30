"""``policykit notice | agreement | templates | check``: fill in notices and agreement drafts.

Thin: parse the arguments, call toolkit.documents, print. Every error is printed on stderr
(the file, the field, the reason) with exit code 2; nothing is written unless the whole document
rendered. ``check`` dispatches on the file's suffix: .docx → the GB/T 9704 layout checker,
.pdf → ``toolkit.issuing.pdf_check.check_pdf`` (the issuing area's checker).

``notice --pdf`` issues the notice: the 文号 is allocated in the 发文登记簿, printed, and the
notice sealed, converted, checked, optionally signed and registered (toolkit.issuing.notice_issue).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import replace
from datetime import date
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


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"policykit {command}: {message}", err=True)
    sys.exit(2)


def _date(command: str, text: str | None) -> date | None:
    from toolkit.documents.cases import impossible_day

    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        # a rightly written day that does not exist is named as such, not as a format error
        reason = impossible_day(text) or f"{text!r} 不是 YYYY-MM-DD 格式的日期"
        _fail(command, f"--date: {reason}")


def dated(data: object, when: date | None) -> object:
    """The case data with ``--date`` as its 成文日期, before it is validated: every check that
    involves the date (received before the notice, a deadline) runs against the given date, not
    the file's."""
    if when is None or not isinstance(data, dict):
        return data
    return {**data, "date": when}


def _run(ctx: click.Context, command: str, kind: str, doc_type: str, case_path: Path,
         out_dir: Path, decision_path: Path | None, on: str | None) -> None:
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.documents.basis import DocumentError
    from toolkit.documents.cases import CaseError, parse_case, read_data
    from toolkit.documents.decision import load_decision
    from toolkit.documents.doctypes import of_kind
    from toolkit.documents.render import generate

    types = of_kind(kind)
    if doc_type not in types:
        _fail(command, f"未知的类型 {doc_type!r}：可用 {'、'.join(types)}（policykit templates 查看）")
    when = _date(command, on)
    try:
        case = parse_case(dated(read_data(case_path), when), str(case_path), doc_type)
        decision = load_decision(decision_path) if decision_path else None
        corpus = Corpus.open(db_path(ctx))
        result = generate(doc_type, case, corpus, out_dir, decision=decision)
    except CaseError as e:
        _fail(command, str(e))
    except (DocumentError, CorpusError) as e:
        _fail(command, f"{case_path}: {e}")
    for w in result.warnings:
        click.echo(f"注意：{w}", err=True)
    click.echo(str(result.path))


@click.command("notice")
@click.argument("doc_type", metavar="TYPE")
@click.option("--case", "case_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Case file (YAML or JSON).")
@click.option("-o", "--out", "out_dir", default=Path("out"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--from-decision", "decision_path", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Decision engine output (JSON): its grounds and citations replace the case's.")
@click.option("--date", "on", default=None, help="成文日期 YYYY-MM-DD (overrides the case's date).")
@click.option("--pdf", is_flag=True,
              help="Issue it: 文号 from the register, sealed DOCX + checked PDF, registered.")
@click.option("--reissue", is_flag=True,
              help="With --pdf: issue again a case already issued with this type (recorded as "
                   "a reissue; the old number is voided). Without it such a case is refused.")
@click.option("--reason", default=None, help=REASON_HELP)
@issuing_options
@click.pass_context
def notice(ctx: click.Context, doc_type: str, case_path: Path, out_dir: Path,
           decision_path: Path | None, on: str | None, pdf: bool, reissue: bool,
           reason: str | None, sign: bool, sign_p12: Path | None, sign_key: Path | None,
           sign_cert: Path | None,
           passphrase_env: str, test_cert: Path | None, office: str | None,
           register_path: Path | None) -> None:
    """Fill in a notice (GB/T 9704 DOCX) from case data, quoting the region's rules exactly.

    Without --pdf: a DOCX draft (the case's doc_number, or a draft marker). With --pdf: issued,
    with the next 文号 of the office's series in the 发文登记簿."""
    issuing = (sign, sign_p12, sign_key, sign_cert, test_cert, office, register_path, reissue,
               reason)
    if not pdf:
        if any(x not in (None, False) for x in issuing):
            _fail("notice", "--sign、--office、--register、--reissue、--reason 只用于签发："
                            "请同时给出 --pdf")
        _run(ctx, "notice", "notice", doc_type, case_path, out_dir, decision_path, on)
        return
    why = reissue_reason(lambda m: _fail("notice", m), reissue, reason)
    signer = make_signer(lambda m: _fail("notice", m), pdf=pdf, sign=sign, sign_p12=sign_p12,
                         sign_key=sign_key, sign_cert=sign_cert, passphrase_env=passphrase_env,
                         test_cert=test_cert)
    from toolkit.documents.cases import CaseError

    try:
        _issue(ctx, doc_type, case_path, out_dir, decision_path, on, office, register_path,
               signer, why)
    except CaseError as e:  # already names the file
        _fail("notice", str(e))
    except issuing_errors() as e:
        _fail("notice", f"{case_path}: {e}")


def _issue(ctx: click.Context, doc_type: str, case_path: Path, out_dir: Path,
           decision_path: Path | None, on: str | None, office: str | None,
           register_file: Path | None, signer, reason: str | None = None) -> None:
    """``notice --pdf``: every check first (no number taken on failure), then issue.

    Like ``batch``: the reserved-number warning is printed before a number is taken, and a case
    id the register already holds as issued for this type is refused unless it is reissued with
    a ``reason`` (then the new number is recorded as a reissue of the last one, which is voided
    when it is issued; the reason goes into the register and the audit log, as on the web desk).
    """
    from toolkit.cli.register import warn_reserved
    from toolkit.corpus import Corpus
    from toolkit.documents.cases import parse_case, read_data
    from toolkit.documents.decision import load_decision
    from toolkit.documents.doctypes import of_kind
    from toolkit.issuing.issue import IssueOptions
    from toolkit.issuing.notice_issue import (
        already_issued_reason,
        find_office,
        issue_notices,
        issued_by_case,
        prepare_notice,
        with_issuer,
    )
    from toolkit.issuing.numbering import load_offices
    from toolkit.issuing.register import Register

    types = of_kind("notice")
    if doc_type not in types:
        _fail("notice", f"未知的类型 {doc_type!r}：可用 {'、'.join(types)}（policykit templates 查看）")
    when = _date("notice", on)
    offices = load_offices()
    given = find_office(offices, office) if office else None
    case = parse_case(dated(with_issuer(read_data(case_path), given), when), str(case_path),
                      doc_type)
    decision = load_decision(decision_path) if decision_path else None
    corpus = Corpus.open(db_path(ctx))
    case_id = case.case_id or case_path.stem
    prepared = prepare_notice(doc_type, case, corpus, offices, decision=decision,
                              office=office, case_id=case_id)
    with Register(register_db(ctx, register_file)) as reg:
        warn_reserved(reg)  # numbers a dead run left reserved, and the command to explain them
        reissue = reason is not None
        earlier = issued_by_case(reg).get((case_id, prepared.doc.name), [])
        if earlier and not reissue:
            _fail("notice", f"{case_path}: {already_issued_reason(case_id, earlier)}")
        if reissue and not earlier:
            _fail("notice", f"{case_path}: --reissue：案件 {case_id} 没有已签发的"
                            f"{prepared.doc.name}，无可重新签发，未占用文号")
        if earlier:
            prepared = replace(prepared, reissue_of=earlier[-1].number, reissue_reason=reason)
        if case.doc_number:
            click.echo(f"注意：案件文件的发文字号 {case.doc_number} 不使用，文号由发文登记簿分配",
                       err=True)
        options = IssueOptions(sign=signer, reason=prepared.doc.name)
        (outcome,) = issue_notices([prepared], register=reg, out_dir=out_dir, offices=offices,
                                   options=options)
    for w in prepared.warnings:
        click.echo(f"注意：{w}", err=True)
    for f in outcome.findings:
        if f.severity == "warning":
            click.echo(f"注意：{f}", err=True)
    if outcome.status == "refused":  # a concurrent run of this case got there first
        _fail("notice", f"{case_path}: {outcome.error}")
    if outcome.status != "issued":
        _fail("notice", f"{case_path}: {outcome.number} 未能签发，已在发文登记簿作废：{outcome.error}")
    if prepared.reissue_of:
        audit_reissue(ctx, outcome.number, prepared.reissue_of, doc_type, case_id, reason or "")
        click.echo(f"注意：{outcome.number} 为 {prepared.reissue_of} 的重新签发，原文号已作废", err=True)
    click.echo(outcome.number)
    click.echo(str(outcome.docx))
    click.echo(str(outcome.pdf))


@click.command("agreement")
@click.argument("doc_type", metavar="TYPE")
@click.option("--case", "case_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Case file (YAML or JSON).")
@click.option("-o", "--out", "out_dir", default=Path("out"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--date", "on", default=None, help="Draft date YYYY-MM-DD (overrides the case's).")
@click.pass_context
def agreement(ctx: click.Context, doc_type: str, case_path: Path, out_dir: Path,
              on: str | None) -> None:
    """Fill in an agreement draft (医疗保障服务协议, “互联网+”补充协议) from case data."""
    _run(ctx, "agreement", "agreement", doc_type, case_path, out_dir, None, on)


def describe_fields(model, indent: str = "  ") -> list[str]:
    """``field  label  (required)`` lines for a case model, nested models indented."""
    from pydantic import BaseModel

    from toolkit.documents.cases import _inner_model

    lines = []
    for name, info in model.model_fields.items():
        if name == "type":
            continue
        need = "必填" if info.is_required() else "选填"
        lines.append(f"{indent}{name}: {info.title or ''}（{need}）")
        inner = _inner_model(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            lines += describe_fields(inner, indent + "  ")
    return lines


@click.command("templates")
def templates() -> None:
    """List document types, the fields each case needs, and the example file for each."""
    from toolkit.documents.doctypes import TYPES

    for kind, command in (("notice", "notice"), ("agreement", "agreement")):
        for t in TYPES.values():
            if t.kind != kind:
                continue
            click.echo(f"{t.key} — {t.name}")
            click.echo(f"  policykit {command} {t.key} --case {t.example.relative_to(t.example.parents[1])}"
                       + (" [--from-decision decision.json]" if t.decision else ""))
            click.echo(f"  quotes: {', '.join(t.concepts)}")
            click.echo("  fields:")
            for line in describe_fields(t.model, "    "):
                click.echo(line)
            click.echo("")


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Check DOCX files (GB/T 9704 layout) or PDFs (issued documents) and list every deviation.

    Several files may be given (``check out/notices/*.docx``); exit 1 if any has a deviation."""
    for path in paths:  # every file must exist before any is checked: one clear line, exit 2
        if not path.exists():
            _fail("check", f"{path}: 文件不存在")
        if path.suffix.lower() not in (".docx", ".pdf"):
            _fail("check", f"{path}: 只能检查 .docx 或 .pdf 文件")
    deviations = sum(_check_one(path) for path in paths)
    if deviations:
        sys.exit(1)


def _fonts_asked(pdf: Path, pdf_check) -> list[str]:
    """The fonts the PDF's DOCX asks for: the issued DOCX beside it (same name), else the
    official fonts every policykit template uses."""
    from toolkit.documents import gbt9704 as G

    docx = pdf.with_suffix(".docx")
    if docx.exists():
        try:
            return pdf_check.docx_fonts(docx)
        except Exception:  # noqa: BLE001 - an unreadable DOCX: fall back to the official set
            pass
    return [G.FANGSONG, G.XIAOBIAOSONG, G.HEITI, G.KAITI, G.SONGTI, G.LATIN]


def _check_one(path: Path) -> int:
    """Check one file, print its findings (or OK); the number of findings."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from toolkit.documents.layout_check import check_docx

        try:
            findings = [str(d) for d in check_docx(path)]
        except Exception as e:  # not a DOCX at all (zip/XML error): one line, not a traceback
            _fail("check", f"{path}: 不是可读取的 DOCX 文件（{e}）")
    else:
        if importlib.util.find_spec("toolkit.issuing.pdf_check") is None:
            _fail("check", f"{path}: PDF 检查模块（toolkit.issuing.pdf_check）尚未安装")
        pdf_check = importlib.import_module("toolkit.issuing.pdf_check")
        expect = pdf_check.Expectations(docx_fonts=_fonts_asked(path, pdf_check))
        findings = [str(f) for f in pdf_check.check_pdf(path, expect)]
    if not findings:
        click.echo(f"{path}: OK" + (" (GB/T 9704)" if suffix == ".docx" else ""))
        return 0
    for f in findings:
        click.echo(f"{path}: {f}")
    return len(findings)
