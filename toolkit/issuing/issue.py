"""Issuing: a DOCX becomes a numbered, registered, sealed, checked and signed document.

    reserve   allocate the 文号 and write the "reserved" register rows: each series' numbers of
              a batch as one block (consecutive, one lock, one transaction)
    render    the caller's callback receives the number and returns the DOCX (the 文号 is printed
              in the document, so numbering comes first); or a finished DOCX whose ``PK-DocNumber``
              paragraph takes the number
    prepare   seal pressed onto the 署名/成文日期, signature block kept with the body
    produce   LibreOffice → PDF (one run per batch and worker), page checks, tightening and
              re-rendering when the seal would leave the body's page, PAdES signature
    finalize  outputs written atomically, register row → "issued" with their SHA-256

A document that fails after its number was reserved is voided with the reason, so the register
explains every number; a hard crash leaves the row "reserved" for ``Register.recover``. Problems
known in advance (unknown office, no LibreOffice, unusable key) raise before any number is taken.
Prepare and produce can run in several worker processes (each with its own LibreOffice profile);
rendering and the register stay in the calling process, so callbacks need not be picklable.

The notice generator wires in with a render callback (``render_notice`` stands for its renderer)::

    issue_document(lambda number: render_notice(case, number=number), office="jieyang-ybj",
                   doc_type="通知", case_id=case.id, register=Register(db), out_dir=out,
                   options=IssueOptions(sign=PadesSigner(pkcs12=p12, passphrase=pw)))
"""

from __future__ import annotations

import hashlib
import io
import resource
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from toolkit.fileio import atomic_create
from toolkit.issuing.leftovers import make_temp_dir
from toolkit.issuing.numbering import Office, Offices, load_offices, parse_number
from toolkit.issuing.pdf import convert_docx_to_pdf, soffice_path
from toolkit.issuing.pdf_check import Expectations, Finding, docx_fonts, inspect_pdf
from toolkit.issuing.register import CaseAlreadyIssued, Register, RegisterEntry, Slot
from toolkit.issuing.seal import seal_png
from toolkit.issuing.sealing import (
    STYLE_NUMBER,
    PreparedDocx,
    SealingError,
    doc_date_from_text,
    find_signature_block,
    number_slots,
    prepare_docx,
    tighten,
)
from toolkit.issuing.sign import Signer, StampPlacement, default_stamp_box, verify_pdf_bytes

DocSource = bytes | Path | str | Callable[[str], bytes]

# Base font names (after the subset tag) the bundled fontconfig aliases lead to, plus
# LibreOffice's metric-compatible Latin fonts and the signature stamp's font.
MAPPED_FONTS = ("Fandol", "UMing", "UKai", "NotoSerifCJK", "NotoSansCJK", "Liberation", "LXGWWenKai")
# Findings that tightening the signature block can cure.
LAYOUT_CODES = frozenset({"seal-page", "signature-alone", "seal-position"})


class IssueError(RuntimeError):
    """A document was not issued; ``number`` (if one was reserved) has been voided."""

    def __init__(self, message: str, number: str | None = None, findings: Sequence[Finding] = ()):
        super().__init__(message)
        self.number = number
        self.findings = list(findings)


@dataclass(frozen=True)
class IssueOptions:
    """How documents are issued (the defaults: sealed, checked PDF, unsigned, one worker)."""

    pdf: bool = True
    seal: bool = True
    seal_bottom_text: str | None = None
    seal_diameter_mm: float = 42.0
    sign: Signer | None = None
    visible_stamp: bool = True
    reason: str | None = None
    location: str | None = None
    allowed_fonts: tuple[str, ...] = MAPPED_FONTS
    max_attempts: int = 3  # renders per document: the first + tightening steps
    workers: int = 1
    require_number_slot: bool = True  # a finished DOCX must have a PK-DocNumber paragraph


@dataclass(frozen=True)
class IssueRequest:
    source: DocSource
    office: str  # office id or full name (corpus/offices.yaml)
    doc_type: str
    case_id: str | None = None
    doc_date: date | None = None
    template_version: str | None = None
    reissue_of: str | None = None
    reissue_reason: str | None = None  # recorded in the register's history of the new number


@dataclass
class IssuedDocument:
    """The outcome for one request: issued, voided with ``error`` saying why, or "refused"
    with no number (``number`` empty) because its case was issued already (``earlier``)."""

    request_index: int
    number: str
    status: str  # "issued" | "voided"
    docx: Path | None = None
    pdf: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    attempts: int = 0
    error: str | None = None
    entry: RegisterEntry | None = None
    # status "refused" (no number taken): the case's live register rows, issued or reserved
    earlier: tuple[RegisterEntry, ...] = ()


STAGES = ("libreoffice", "check", "sign", "prepare", "register", "write")


@dataclass
class Timings:
    """Seconds per stage, summed over workers: ``wall`` (elapsed in the stage) and ``cpu``
    (CPU time of the stage, LibreOffice's own processes included; unlike wall time it does
    not grow when other programs compete for the cores). For benchmarks."""

    wall: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def add(self, other: Timings) -> None:
        for name in STAGES:
            self.wall[name] += other.wall[name]
            self.cpu[name] += other.cpu[name]

    @contextmanager
    def stage(self, name: str, *, subprocesses: bool = False) -> Iterator[None]:
        """Time a block; ``subprocesses`` adds the CPU of child processes it waited for."""
        wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - wall
            self.cpu[name] += time.process_time() - cpu
            if subprocesses:
                self.cpu[name] += _children_cpu() - children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- prepare and produce (run in worker processes) ----------------------------------------------


@dataclass(frozen=True)
class PdfJob:
    key: int
    docx: bytes
    expect: Expectations
    office_name: str


@dataclass
class PdfResult:
    key: int
    docx: bytes  # the DOCX actually rendered (tightened if that was needed)
    pdf: bytes | None
    findings: list[Finding]
    attempts: int
    error: str | None = None


def produce_pdfs(jobs: Sequence[PdfJob], options: IssueOptions) -> tuple[list[PdfResult], Timings]:
    """Render, check, tighten and re-render, sign: one LibreOffice run per round."""
    timings = Timings()
    results = {j.key: PdfResult(j.key, j.docx, None, [], 0) for j in jobs}
    pending = list(jobs)
    work_dir = make_temp_dir("policykit-issue-")  # owner file: a killed run's is cleaned up
    try:
        for attempt in range(1, max(1, options.max_attempts) + 1):
            if not pending:
                break
            sources = []
            for job in pending:
                path = work_dir / f"a{attempt}-{job.key:06d}.docx"
                path.write_bytes(results[job.key].docx)
                sources.append(path)
            with timings.stage("libreoffice", subprocesses=True):
                pdfs = convert_docx_to_pdf(sources, work_dir / f"out{attempt}")
            retry = []
            for job, pdf_path in zip(pending, pdfs, strict=True):
                result = results[job.key]
                result.attempts = attempt
                with timings.stage("check"):
                    report = inspect_pdf(pdf_path, job.expect)
                result.pdf = pdf_path.read_bytes()
                result.findings = report.findings
                codes = {f.code for f in report.errors}
                if codes and codes <= LAYOUT_CODES and attempt < options.max_attempts:
                    with timings.stage("prepare"):
                        result.docx = tighten(result.docx, attempt)
                    retry.append(job)
                elif codes:
                    result.error = "; ".join(str(f) for f in report.errors)
                elif options.sign is not None:
                    with timings.stage("sign"):
                        result.pdf, result.error = _sign(result.pdf, job, report, options)
            pending = retry
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return [results[j.key] for j in jobs], timings


def _sign(pdf: bytes, job: PdfJob, report, options: IssueOptions) -> tuple[bytes | None, str | None]:
    placement = None
    if options.visible_stamp:
        page = (report.date_box.page if report.date_box else report.page_count) - 1
        placement = StampPlacement(page, default_stamp_box(report.page_size[0]))
    try:
        signed = options.sign.sign_pdf(
            pdf,
            office=job.office_name,
            placement=placement,
            reason=options.reason,
            location=options.location,
        )
    except Exception as exc:  # noqa: BLE001 - any signer's failure voids this document only
        return None, f"signing failed: {exc}"
    check = verify_pdf_bytes(signed)
    if check.status not in ("intact", "untrusted"):
        return None, f"the signed PDF does not verify: {check.status}"
    return signed, None


@dataclass(frozen=True)
class Job:
    """One reserved document on its way to a worker: rendered DOCX + what preparing needs."""

    key: int
    docx: bytes
    number: str
    office_name: str
    seal_png: bytes | None
    doc_date: date
    need_number_slot: bool


def prepare_job(job: Job, options: IssueOptions) -> PreparedDocx:
    """Number, seal and keep-together one document; checks the printed 成文日期."""
    prepared = prepare_docx(
        job.docx,
        number=job.number,
        seal_png=job.seal_png,
        seal_diameter_mm=options.seal_diameter_mm,
        require_number_slot=job.need_number_slot,
    )
    printed = doc_date_from_text(prepared.block.date_text)
    if printed is not None and printed != job.doc_date:
        raise IssueError(
            f"成文日期 in the document ({prepared.block.date_text}) is not the issue date {job.doc_date}"
        )
    return prepared


def produce(jobs: Sequence[Job], options: IssueOptions) -> tuple[list[PdfResult], Timings]:
    """A worker's whole share: prepare every DOCX, then (if wanted) the PDF stage."""
    timings = Timings()
    failed: dict[int, PdfResult] = {}
    pdf_jobs: list[PdfJob] = []
    prepared: dict[int, PreparedDocx] = {}
    for job in jobs:
        with timings.stage("prepare"):
            try:
                prepared[job.key] = prep = prepare_job(job, options)
                pdf_jobs.append(
                    PdfJob(job.key, prep.docx, _expectations(prep, options), job.office_name)
                )
            except Exception as exc:  # noqa: BLE001 - this document fails, the others go on
                failed[job.key] = PdfResult(job.key, job.docx, None, [], 0, f"rendering failed: {exc}")
    if options.pdf:
        produced, stage = produce_pdfs(pdf_jobs, options)
        timings.add(stage)
        done = {r.key: r for r in produced}
    else:
        done = {k: PdfResult(k, p.docx, None, [], 0) for k, p in prepared.items()}
    return [failed.get(j.key) or done[j.key] for j in jobs], timings


def _produce_in_workers(jobs: list[Job], options: IssueOptions) -> tuple[list[PdfResult], Timings]:
    workers = max(1, min(options.workers, len(jobs)))
    if workers == 1:
        return produce(jobs, options)
    chunks = [jobs[i::workers] for i in range(workers)]
    results: dict[int, PdfResult] = {}
    timings = Timings()
    # spawn: LibreOffice and pyHanko state must not be inherited through fork
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        for chunk_results, chunk_timings in pool.map(produce, chunks, [options] * workers):
            results.update({r.key: r for r in chunk_results})
            timings.add(chunk_timings)
    return [results[j.key] for j in jobs], timings


# -- the calling process: register, rendering, outputs ------------------------------------------


@lru_cache(maxsize=32)
def _seal_for(name: str, bottom_text: str | None, diameter_mm: float) -> bytes:
    return seal_png(name, bottom_text=bottom_text, diameter_mm=diameter_mm)


def _static_docx(source: DocSource) -> bytes | None:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise IssueError(f"{path}: no such DOCX")
        return path.read_bytes()
    return None


def _preflight_docx(docx: bytes, source: DocSource, options: IssueOptions) -> None:
    """A finished DOCX must take a number and a seal: find out before numbering it."""
    name = str(source) if isinstance(source, (str, Path)) else "DOCX"
    try:
        doc = Document(io.BytesIO(docx))
        find_signature_block(doc)
        if options.require_number_slot and not number_slots(doc):
            raise SealingError(f"no paragraph in style {STYLE_NUMBER} to print the 文号 in")
    except SealingError as exc:
        raise IssueError(f"{name}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx: not a DOCX, broken package
        raise IssueError(f"{name}: not a readable DOCX ({exc})") from exc


def _date_in_docx(docx: bytes) -> date | None:
    """The last date-only paragraph's date (the 成文日期), read straight from document.xml:
    the year of the 文号 must be known before numbering, and python-docx is slow for a peek.
    Preparing the document checks it against the signature block later."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            root = etree.fromstring(package.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
        return None  # not a DOCX: preparing it reports the problem
    for paragraph in reversed(list(root.iter(qn("w:p")))):
        found = doc_date_from_text("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
        if found is not None:
            return found
    return None


def _expectations(prepared: PreparedDocx, options: IssueOptions) -> Expectations:
    b = prepared.block
    return Expectations(
        date_text=b.date_text,
        signature_text=b.signature_text,
        body_last_text=b.body_last_text,
        seal_diameter_pt=prepared.seal_diameter_pt,
        number=prepared.number,
        allowed_fonts=options.allowed_fonts,
        docx_fonts=docx_fonts(prepared.docx),
    )


def issue_batch(
    requests: Sequence[IssueRequest],
    *,
    register: Register,
    out_dir: Path | str,
    offices: Offices | None = None,
    options: IssueOptions = IssueOptions(),
    timings: Timings | None = None,
) -> list[IssuedDocument]:
    """Issue every request; each succeeds or is voided on its own. Problems that would fail
    them all (unknown office, no LibreOffice, unreadable key) raise before any number is taken."""
    offices = offices or load_offices()
    out_dir = Path(out_dir)
    timings = timings if timings is not None else Timings()
    # preflight: nothing below may burn numbers for a reason known in advance
    resolved: list[Office] = [offices.get(r.office) for r in requests]
    if options.pdf:
        soffice_path()
    if options.sign is not None:
        if not options.pdf:
            raise IssueError("signing needs the PDF (pdf=True)")
        check = getattr(options.sign, "check", None)
        if callable(check):
            check()  # a bad key file or passphrase fails here, not after numbers are taken
    seals = {
        o.name: _seal_for(o.name, options.seal_bottom_text, options.seal_diameter_mm)
        for o in resolved
        if options.seal
    }
    statics = [_static_docx(r.source) for r in requests]
    checked: dict[bytes, None] = {}
    for req, static in zip(requests, statics, strict=True):
        if static is not None and static not in checked:
            _preflight_docx(static, req.source, options)
            checked[static] = None
    out_dir.mkdir(parents=True, exist_ok=True)

    outcomes: list[IssuedDocument] = []
    jobs: list[Job] = []
    dates = [req.doc_date or (_date_in_docx(static) if static else None) or date.today()
             for req, static in zip(requests, statics, strict=True)]
    with timings.stage("register"):
        entries, refused = _reserve_blocks(register, requests, resolved, dates)
    for i, (req, office, static) in enumerate(zip(requests, resolved, statics, strict=True)):
        if i in refused:
            outcomes.append(IssuedDocument(i, "", "refused", error=refused[i].reason,
                                           earlier=refused[i].entries))
            continue
        doc_date, entry = dates[i], entries[i]
        outcome = IssuedDocument(i, entry.number, "reserved", entry=entry)
        outcomes.append(outcome)
        try:
            with timings.stage("prepare"):
                docx = static if static is not None else req.source(entry.number)  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - this document fails, the batch goes on
            _fail(register, outcome, f"rendering failed: {exc}")
            continue
        jobs.append(
            Job(
                key=i,
                docx=docx,
                number=entry.number,
                office_name=office.name,
                seal_png=seals.get(office.name),
                doc_date=doc_date,
                need_number_slot=static is not None and options.require_number_slot,
            )
        )

    try:
        produced, stage = _produce_in_workers(jobs, options) if jobs else ([], Timings())
    except Exception as exc:  # noqa: BLE001 - LibreOffice crashed/timed out: void the batch
        produced = [PdfResult(j.key, j.docx, None, [], 0, f"PDF stage failed: {exc}") for j in jobs]
        stage = Timings()
    timings.add(stage)

    for result in produced:
        outcome = outcomes[result.key]
        outcome.findings, outcome.attempts = result.findings, result.attempts
        if result.error:
            _fail(register, outcome, result.error)
            continue
        blobs = {"docx": result.docx}
        if result.pdf is not None:
            blobs["pdf"] = result.pdf
        files = output_paths(out_dir, parse_number(outcome.number).file_stem, blobs)
        written: list[Path] = []
        try:
            with timings.stage("write"):
                for role, path in files.items():
                    written.append(atomic_create(path, blobs[role]))
            with timings.stage("register"):
                outcome.entry = register.mark_issued(outcome.number, files)
        except Exception as exc:  # noqa: BLE001
            for path in written:  # only what this run wrote: never someone else's file
                path.unlink(missing_ok=True)
            reason = f"{exc.filename}: exists, not overwritten" if isinstance(
                exc, FileExistsError) else str(exc)
            _fail(register, outcome, f"writing the outputs failed: {reason}")
            continue
        outcome.status = "issued"
        outcome.docx, outcome.pdf = files["docx"], files.get("pdf")
    return outcomes


@dataclass(frozen=True)
class Refusal:
    """A request the register refused under its lock: its case is issued or being issued."""

    reason: str
    entries: tuple[RegisterEntry, ...]


def _reserve_blocks(register: Register, requests: Sequence[IssueRequest],
                    offices: Sequence[Office], dates: Sequence[date],
                    ) -> tuple[dict[int, RegisterEntry], dict[int, Refusal]]:
    """Each series' numbers of this batch as one block (consecutive, under one lock, in request
    order), so a batch is not interleaved with other batches running at the same time.

    The register refuses, inside the allocating transaction, a case already issued (or being
    issued by a concurrent run): those requests get no number and the block is taken again
    without them, so one such case never costs the others their numbers."""
    groups: dict[tuple[str, str, str, int], list[int]] = {}
    for i, (req, office, day) in enumerate(zip(requests, offices, dates, strict=True)):
        groups.setdefault((office.prefix_for(req.doc_type), office.id, req.doc_type, day.year),
                          []).append(i)
    entries: dict[int, RegisterEntry] = {}
    refused: dict[int, Refusal] = {}
    for (prefix, office_id, doc_type, year), members in groups.items():
        while members:
            slots = [Slot(requests[i].case_id, dates[i], requests[i].template_version,
                          requests[i].reissue_of, requests[i].reissue_reason) for i in members]
            try:
                block = register.reserve_block(prefix=prefix, office=office_id,
                                               doc_type=doc_type, year=year, slots=slots)
            except CaseAlreadyIssued as exc:
                for k, rows in exc.conflicts.items():
                    refused[members[k]] = Refusal(str(exc), rows)
                members = [m for k, m in enumerate(members) if k not in exc.conflicts]
                continue
            except Exception as exc:
                for entry in entries.values():  # earlier blocks: explained, not left reserved
                    register.void(entry.number, f"not issued: another series of the batch failed ({exc})")
                raise
            entries.update(zip(members, block, strict=True))
            break
    return entries, refused


def output_paths(out_dir: Path, stem: str, blobs: dict[str, bytes]) -> dict[str, Path]:
    """Where an issued document's files go: ``揭医保-2026-7.docx`` / ``.pdf``, or, when a file
    of that name is already there (issued from another register, or before a register was
    reset), ``揭医保-2026-7-<8 hex digits of the content's SHA-256>``: an issued file that a
    register records is never overwritten. The files are created exclusively, so a name taken
    meanwhile fails this document (voided with the reason) rather than replacing a file."""
    plain = {role: out_dir / f"{stem}.{role}" for role in blobs}
    if not any(p.exists() for p in plain.values()):
        return plain
    digest = hashlib.sha256(blobs.get("pdf") or blobs["docx"]).hexdigest()[:8]
    return {role: out_dir / f"{stem}-{digest}.{role}" for role in blobs}


def _fail(register: Register, outcome: IssuedDocument, reason: str) -> None:
    outcome.error = reason
    outcome.status = "voided"
    outcome.entry = register.void(outcome.number, f"not issued: {reason}")


def issue_document(
    source: DocSource,
    *,
    office: str,
    doc_type: str,
    register: Register,
    out_dir: Path | str,
    case_id: str | None = None,
    doc_date: date | None = None,
    template_version: str | None = None,
    reissue_of: str | None = None,
    offices: Offices | None = None,
    options: IssueOptions = IssueOptions(),
) -> IssuedDocument:
    """Issue one document; raises ``IssueError`` (number voided, reason given) if it fails."""
    request = IssueRequest(source, office, doc_type, case_id, doc_date, template_version, reissue_of)
    (outcome,) = issue_batch(
        [request], register=register, out_dir=out_dir, offices=offices, options=replace(options, workers=1)
    )
    if outcome.status == "refused":
        raise IssueError(outcome.error or "refused", None)
    if outcome.status != "issued":
        raise IssueError(
            f"{outcome.number} not issued: {outcome.error}", outcome.number, outcome.findings
        )
    return outcome
