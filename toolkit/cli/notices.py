"""``policykit notice | agreement | templates | check``: fill in notices and agreement drafts.

Thin: parse the arguments, call toolkit.documents, print. Every error is printed on stderr
(the file, the field, the reason) with exit code 2; nothing is written unless the whole document
rendered. ``check`` dispatches on the file's suffix: .docx → the GB/T 9704 layout checker,
.pdf → ``toolkit.documents.pdf_check.check_pdf`` (the issuing area's checker).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from toolkit.cli.main import db_path


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"policykit {command}: {message}", err=True)
    sys.exit(2)


def _date(command: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        _fail(command, f"--date: {text!r} 不是 YYYY-MM-DD 格式的日期")


def _run(ctx: click.Context, command: str, kind: str, doc_type: str, case_path: Path,
         out_dir: Path, decision_path: Path | None, on: str | None) -> None:
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.documents.basis import DocumentError
    from toolkit.documents.cases import CaseError, load_case
    from toolkit.documents.decision import load_decision
    from toolkit.documents.doctypes import of_kind
    from toolkit.documents.render import generate

    types = of_kind(kind)
    if doc_type not in types:
        _fail(command, f"未知的类型 {doc_type!r}：可用 {'、'.join(types)}（policykit templates 查看）")
    when = _date(command, on)
    try:
        case = load_case(case_path, doc_type)
        decision = load_decision(decision_path) if decision_path else None
        corpus = Corpus.open(db_path(ctx))
        result = generate(doc_type, case, corpus, out_dir, decision=decision, on=when)
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
@click.pass_context
def notice(ctx: click.Context, doc_type: str, case_path: Path, out_dir: Path,
           decision_path: Path | None, on: str | None) -> None:
    """Fill in a notice (GB/T 9704 DOCX) from case data, quoting the region's rules exactly."""
    _run(ctx, "notice", "notice", doc_type, case_path, out_dir, decision_path, on)


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
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def check(path: Path) -> None:
    """Check a DOCX (GB/T 9704 layout) or a PDF (issued document) and list every deviation."""
    if not path.exists():
        _fail("check", f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from toolkit.documents.layout_check import check_docx

        try:
            findings = [str(d) for d in check_docx(path)]
        except Exception as e:  # not a DOCX at all (zip/XML error): one line, not a traceback
            _fail("check", f"{path}: 不是可读取的 DOCX 文件（{e}）")
    elif suffix == ".pdf":
        if importlib.util.find_spec("toolkit.documents.pdf_check") is None:
            _fail("check", f"{path}: PDF 检查模块（toolkit.documents.pdf_check）尚未安装")
        pdf_check = importlib.import_module("toolkit.documents.pdf_check")
        findings = [str(f) for f in pdf_check.check_pdf(path)]
    else:
        _fail("check", f"{path}: 只能检查 .docx 或 .pdf 文件")
    if not findings:
        click.echo(f"{path}: OK" + (" (GB/T 9704)" if suffix == ".docx" else ""))
        return
    for f in findings:
        click.echo(f"{path}: {f}")
    sys.exit(1)
