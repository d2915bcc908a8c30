"""Issuing notices: the notice generator feeding the issuing chain (toolkit.issuing.issue).

Everything that can be known before a 文号 is taken is done first, so a case that cannot be
issued consumes no number: the case is validated, its issuing office is found in
``corpus/offices.yaml``, and its whole context (every quote from the corpus, every deadline) is
built, with what it quotes (document, eId and the hashes of the stored text: toolkit.issuing.quoted).
Only then does :func:`issue_notices` hand the prepared notices to ``issue_batch``, which
reserves the numbers in order and calls back to render each DOCX with its own number printed in
the 发文字号 line and recording its quoted passages in the register; sealing, LibreOffice (once per batch), the PDF checks and signing follow. A
notice that fails after its number was reserved is voided with the reason (issue.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from toolkit.corpus import Corpus
from toolkit.documents.basis import DocumentError
from toolkit.documents.decision import Decision
from toolkit.documents.doctypes import TYPES, DocType
from toolkit.documents.render import build_context, render_bytes
from toolkit.issuing.issue import (
    IssuedDocument,
    IssueOptions,
    IssueRequest,
    Timings,
    issue_batch,
)
from toolkit.issuing.numbering import (
    DEFAULT_OFFICES,
    NumberingError,
    Office,
    Offices,
    format_number,
)
from toolkit.issuing.quoted import quoted_passages
from toolkit.issuing.register import QuotedPassage, Register, RegisterEntry, owner_gone


class OfficeError(Exception):
    """The case's issuing office is not in the offices table (or contradicts --office)."""


@dataclass(frozen=True)
class PreparedNotice:
    """A validated notice with its context built and its office known: ready for a number."""

    doc: DocType
    case: BaseModel
    office: Office
    context: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    case_id: str | None = None
    reissue_of: str | None = None  # the number this notice replaces (recorded as a reissue)
    reissue_reason: str | None = None  # why (the web desk asks for it), kept in the register
    quotes: tuple[QuotedPassage, ...] = ()  # what it quotes, recorded in the register

    @property
    def template_version(self) -> str:
        return template_version(self.doc.template)

    def render(self, number: str) -> bytes:
        """The DOCX with ``number`` printed as its 发文字号."""
        return render_bytes(self.doc.template, self.context | {"doc_number": number})


@cache
def template_version(template: Path) -> str:
    """``refusal.docx@3f2a9c0d1e4b``: the template file and the start of its SHA-256, recorded
    in the register so an issued notice names the exact template it was filled from."""
    digest = hashlib.sha256(template.read_bytes()).hexdigest()[:12]
    return f"{template.name}@{digest}"


def find_office(offices: Offices, key: str) -> Office:
    """An office by id or full name; an unknown one is an :class:`OfficeError` in clerk words."""
    try:
        return offices.get(key)
    except NumberingError:
        names = "、".join(o.name for o in offices)
        where = DEFAULT_OFFICES.relative_to(DEFAULT_OFFICES.parents[1])
        raise OfficeError(f"发文机关“{key}”不在发文机关表（{where}）中，未分配文号"
                          f"（已有：{names}）") from None


def with_issuer(data: Any, office: Office | None) -> Any:
    """Case data with ``issuer.name`` taken from ``--office`` where the case leaves it out."""
    if office is None or not isinstance(data, dict):
        return data
    issuer = data.get("issuer")
    if issuer is None or issuer == "":
        issuer = {}
    if isinstance(issuer, dict) and not str(issuer.get("name") or "").strip():
        return data | {"issuer": issuer | {"name": office.name}}
    return data


def office_of(case: BaseModel, offices: Offices, office: str | None = None) -> Office:
    """The issuing office: ``--office`` (id or name) or else the case's 署名 (issuer.name).
    The 署名 and the office's name (on its seal) must agree."""
    issuer = case.issuer.name
    if office is None:
        return find_office(offices, issuer)
    found = find_office(offices, office)
    if found.name != issuer:
        raise OfficeError(f"发文机关（issuer.name）“{issuer}”与 --office 的“{found.name}”不一致，"
                          "未分配文号")
    return found


@cache
def office_regions(path: Path = DEFAULT_OFFICES) -> dict[str, str]:
    """Office id → its region (``region:`` in the offices table)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise OfficeError(f"{path}: 发文机关表无法读取（{e}）") from None
    return {row["id"]: str(row["region"]) for row in data.get("offices") or []
            if isinstance(row, dict) and row.get("id") and row.get("region")}


def region_chain(region: str) -> list[str]:
    """``jieyang`` → ``[jieyang, guangdong, national]``: a region and those above it."""
    from toolkit.manifest import ManifestError, load_manifest

    manifest = load_manifest()
    chain: list[str] = []
    key: str | None = region
    while key is not None and key not in chain:
        chain.append(key)
        try:
            key = manifest.region(key).parent
        except ManifestError:
            break
    return chain


def _region_name(key: str) -> str:
    from toolkit.manifest import ManifestError, load_manifest

    try:
        return load_manifest().region(key).name
    except ManifestError:
        return key


def check_office_region(office: Office, region: str,
                        regions: dict[str, str] | None = None) -> None:
    """An office applies the rules of its own region or of one above it (揭阳市医疗保障局 may
    apply Guangdong's rules; 楚雄州医疗保障局 may not): otherwise an :class:`OfficeError`,
    before any number is taken (a Chuxiong-numbered notice quoting Guangdong's rules)."""
    own = (office_regions() if regions is None else regions).get(office.id)
    where = DEFAULT_OFFICES.relative_to(DEFAULT_OFFICES.parents[1])
    if own is None:
        raise OfficeError(f"发文机关表（{where}）没有写明“{office.name}”所属的地区（region），"
                          "无法核对案件的地区，未分配文号")
    if region not in region_chain(own):
        raise OfficeError(f"发文机关“{office.name}”属于{_region_name(own)}，不能依照"
                          f"{_region_name(region)}的规定（region: {region}）发文：发文机关与地区"
                          "不一致，未分配文号")


def prepare_notice(doc_type: str, case: BaseModel, corpus: Corpus, offices: Offices, *,
                   decision: Decision | None = None, office: str | None = None,
                   case_id: str | None = None) -> PreparedNotice:
    """Everything short of the number. Raises OfficeError, DocumentError, CorpusError."""
    doc = TYPES[doc_type]
    if doc.kind != "notice":
        raise OfficeError(f"{doc.name}不是公文，没有文号，不能签发")
    found = office_of(case, offices, office)
    check_office_region(found, case.region)
    context, warnings = build_context(doc, case, corpus, decision)
    notice = PreparedNotice(doc, case, found, context, list(warnings),
                            case_id or getattr(case, "case_id", None),
                            quotes=tuple(quoted_passages(context, corpus)))
    dry_run(notice)
    return notice


def dry_run(notice: PreparedNotice) -> None:
    """Render the notice once with a stand-in number of the office's series before a real one
    is taken: a notice that cannot be filled in fails here and costs no 文号."""
    placeholder = format_number(notice.office.prefix_for(notice.doc.name), notice.case.date.year,
                                99999)
    try:
        notice.render(placeholder)
    except Exception as exc:  # noqa: BLE001 - whatever the template engine raises
        raise DocumentError(f"{notice.doc.name}无法生成（{type(exc).__name__}: {exc}），"
                            "未分配文号") from exc


def issued_by_case(register: Register) -> dict[tuple[str, str], list[RegisterEntry]]:
    """(case id, document type) → its issued numbers, oldest first: what a rerun would repeat.
    Read once per batch from the register's public ``entries``."""
    found: dict[tuple[str, str], list[RegisterEntry]] = {}
    for entry in register.entries(status="issued"):
        if entry.case_id:
            found.setdefault((entry.case_id, entry.doc_type), []).append(entry)
    return found


def _in_progress(entry: RegisterEntry) -> str:
    """What a reserved row of the case means: a run still at work, or a dead run's number
    that only ``register recover`` releases."""
    if entry.status != "reserved":
        return ""
    if owner_gone(entry.owner):
        return "，已预留但签发它的进程已停止：先运行 policykit register recover"
    return "，正在签发"


def already_issued_reason(case_id: str, entries: Sequence[RegisterEntry]) -> str:
    """The refusal of a case issued before (or being issued by another run right now: a
    reserved row), in clerk words."""
    numbers = "、".join(f"{e.number}（{e.doc_date or '-'}{_in_progress(e)}）" for e in entries)
    return (f"案件 {case_id} 已签发过 {numbers}：未再次签发、未占用文号；确需重新签发请加 "
            "--reissue（发文登记簿记为重新签发，原文号作废）")


def issue_notices(notices: Sequence[PreparedNotice], *, register: Register, out_dir: Path,
                  offices: Offices, options: IssueOptions, timings: Timings | None = None,
                  on_render: Callable[[PreparedNotice, str], None] | None = None,
                  ) -> list[IssuedDocument]:
    """Number, render, seal, convert (one LibreOffice run per batch and worker), check, sign
    and register every notice; one outcome per notice, in order."""

    recorded: set[str] = set()

    def source(notice: PreparedNotice) -> Callable[[str], bytes]:
        def render(number: str) -> bytes:
            data = notice.render(number)
            if number not in recorded:  # the number is reserved: its quotes go in before issue
                register.record_quotes(number, notice.quotes)
                recorded.add(number)
            if on_render is not None:
                on_render(notice, number)
            return data
        return render

    requests = [
        IssueRequest(source(n), n.office.id, n.doc.name, case_id=n.case_id, doc_date=n.case.date,
                     template_version=n.template_version, reissue_of=n.reissue_of,
                     reissue_reason=n.reissue_reason)
        for n in notices
    ]
    if not requests:
        return []
    outcomes = issue_batch(requests, register=register, out_dir=out_dir, offices=offices,
                           options=options, timings=timings)
    for notice, outcome in zip(notices, outcomes, strict=True):
        if outcome.status == "refused":  # the register's own check, under its lock
            outcome.error = already_issued_reason(notice.case_id or "-", outcome.earlier)
    return outcomes
