"""Issuing commands: ``issue``, ``verify``, ``seal``, ``test-certificate``.

Thin shells over ``toolkit.issuing`` (issue, sign, seal); ``register`` lives in
``toolkit.cli.register``. A problem is one line on stderr: exit 2 for a wrong argument or
unusable input. ``verify`` exits (VERIFY_EXIT) 0 when the signature is intact and trusted and
covers the whole file, 1 when the signed content was changed (tampered), 3 when it is intact but
the certificate is not trusted, 4 when the PDF has no signature, 5 when the signature holds but
the file was modified after signing (bytes appended, an incremental update, changed signature
padding), 2 when the file cannot be verified at all.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from toolkit.cli.errors import fail as _fail
from toolkit.cli.errors import one_line_errors

VERIFY_EXIT = {"intact": 0, "tampered": 1, "untrusted": 3, "unsigned": 4, "modified": 5}
VERIFY_WORDS = {"modified": "modified after signing"}


def _known() -> tuple[type[BaseException], ...]:
    from toolkit.issuing.fonts import FontError
    from toolkit.issuing.issue import IssueError
    from toolkit.issuing.numbering import NumberingError
    from toolkit.issuing.pdf import ConversionError, LibreOfficeMissing
    from toolkit.issuing.register import RegisterError
    from toolkit.issuing.seal import SealError
    from toolkit.issuing.sealing import SealingError
    from toolkit.issuing.sign import SigningError, VerifyError

    return (RegisterError, NumberingError, IssueError, LibreOfficeMissing, ConversionError,
            SealError, SealingError, SigningError, VerifyError, FontError)


_one_line_errors = one_line_errors(_known)


def _open_register(ctx: click.Context, *, create: bool = False):
    from toolkit.cli.register import open_register

    return open_register(ctx, create=create)


# -- issue ------------------------------------------------------------------------------------


def _signer_from_options(p12: Path | None, key: Path | None, cert: Path | None, passphrase_env: str, test_cert: Path | None):
    from toolkit.issuing.sign import PadesSigner, SigningError, make_test_certificate

    chosen = [x for x in (p12, key, test_cert) if x is not None]
    if len(chosen) > 1:
        _fail("choose one of --sign-p12, --sign-key/--sign-cert, --test-cert")
    if test_cert is not None:
        try:
            tc = make_test_certificate(test_cert)
        except (SigningError, OSError) as exc:  # a partial set, an expired CA, no permission
            _fail(str(exc))
        click.echo(
            f"WARNING: signing with a TEST certificate ({tc.signer_cert}); its CA {tc.ca_cert}"
            " is trusted by nobody: not for real documents.",
            err=True,
        )
        return tc.signer()
    if p12 is None and key is None:
        if cert is not None:
            _fail("--sign-cert needs --sign-key")
        return None
    passphrase = os.environ.get(passphrase_env)
    if p12 is None and cert is None:
        _fail("--sign-key needs --sign-cert")
    signer = (
        PadesSigner(pkcs12=p12, passphrase=passphrase)
        if p12 is not None
        else PadesSigner(key=key, cert=cert, passphrase=passphrase)
    )
    try:
        signer.check()
    except SigningError as exc:
        hint = f" (the passphrase is read from ${passphrase_env}, which is not set)" if passphrase is None else ""
        _fail(f"{exc}{hint}")
    return signer


@click.command("issue")
@click.argument("docx", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--office", required=True, help="Issuing office: id or name from corpus/offices.yaml.")
@click.option("--type", "doc_type", default="通知", show_default=True, help="Document type (selects the 文号 series).")
@click.option("--case", "case_id", help="Case id recorded in the register.")
@click.option("--date", "doc_date", type=click.DateTime(["%Y-%m-%d"]), help="成文日期 (default: the date printed in the DOCX, else today).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/issued"), show_default=True)
@click.option("--no-pdf", is_flag=True, help="Only number and seal the DOCX.")
@click.option("--no-seal", is_flag=True, help="No seal image.")
@click.option("--sign-p12", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="PKCS#12 key + certificate.")
@click.option("--sign-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="PEM private key.")
@click.option("--sign-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="PEM certificate.")
@click.option("--passphrase-env", default="POLICYKIT_SIGN_PASSPHRASE", show_default=True, help="Environment variable holding the key's passphrase.")
@click.option("--test-cert", type=click.Path(file_okay=False, path_type=Path), help="Make a TEST certificate in this folder and sign with it.")
@click.option("--workers", type=int, default=1, show_default=True, help="Processes for the PDF stage.")
@click.option("--offices", "offices_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Offices table (default corpus/offices.yaml).")
@click.pass_context
@_one_line_errors
def issue(ctx: click.Context, docx: tuple[Path, ...], office: str, doc_type: str, case_id: str | None, doc_date, out_dir: Path, no_pdf: bool, no_seal: bool, sign_p12, sign_key, sign_cert, passphrase_env: str, test_cert, workers: int, offices_file) -> None:
    """Number, register, seal, render and sign finished GB/T 9704 DOCX files.

    Each DOCX needs a PK-DocNumber paragraph (the 文号 is written there) and a signature block
    (PK-Signature / PK-Date styles, or a 署名 line directly above a date-only line)."""
    from toolkit.issuing.issue import IssueOptions, IssueRequest, issue_batch
    from toolkit.issuing.numbering import DEFAULT_OFFICES, load_offices

    signer = _signer_from_options(sign_p12, sign_key, sign_cert, passphrase_env, test_cert)
    offices = load_offices(offices_file or DEFAULT_OFFICES)
    requests = [
        IssueRequest(path, office, doc_type, case_id, doc_date.date() if doc_date else None)
        for path in docx
    ]
    options = IssueOptions(pdf=not no_pdf, seal=not no_seal, sign=signer, workers=workers)
    with _open_register(ctx, create=True) as reg:
        from toolkit.cli.register import warn_reserved

        warn_reserved(reg)
        outcomes = issue_batch(requests, register=reg, out_dir=out_dir, offices=offices, options=options)
    failed = 0
    for path, o in zip(docx, outcomes, strict=True):
        if o.status == "issued":
            click.echo(f"{o.number}\t{o.pdf or o.docx}\t(from {path})")
        else:
            failed += 1
            click.echo(f"policykit: {path}: {o.number or ''} not issued: {o.error}", err=True)
        for f in o.findings:
            if f.severity == "warning":
                click.echo(f"  {path}: {f}", err=True)
    if failed:
        sys.exit(1)


# -- verify, seal, test-certificate -----------------------------------------------------------


@click.command("verify")
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option("--trust", multiple=True, type=click.Path(path_type=Path), help="CA certificate (PEM/DER) to trust; repeatable.")
@click.option("--json", "as_json", is_flag=True)
@_one_line_errors
def verify(pdf: Path, trust: tuple[Path, ...], as_json: bool) -> None:
    """Check a signed PDF: intact / tampered / modified after signing / untrusted, who signed
    and when.

    Exit 0 intact, trusted and covering the whole file; 1 tampered; 2 not a PDF or missing;
    3 intact but untrusted; 4 unsigned; 5 modified after signing (bytes appended, an
    incremental update such as a changed title, or changed signature padding)."""
    from toolkit.issuing.sign import verify_pdf

    result = verify_pdf(pdf, trust_roots=list(trust) or None)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "path": result.path,
                    "status": result.status,
                    "signatures": [
                        {
                            "field": s.field,
                            "status": s.status,
                            "signer": s.signer,
                            "signing_time": s.signing_time.isoformat() if s.signing_time else None,
                            "whole_file": s.whole_file,
                            "detail": s.detail,
                        }
                        for s in result.signatures
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(f"{pdf}: {VERIFY_WORDS.get(result.status, result.status)}")
        for s in result.signatures:
            when = s.signing_time.isoformat(sep=" ") if s.signing_time else "unknown time"
            cover = "covers the whole file" if s.whole_file else "does NOT cover the whole file"
            click.echo(f"  {s.field}: {VERIFY_WORDS.get(s.status, s.status)} — signed by {s.signer or '?'} at {when}; {cover}; {s.detail}")
    sys.exit(VERIFY_EXIT[result.status])


@click.command("seal")
@click.option("--office", required=True, help="Office id/name from corpus/offices.yaml, or any name to print.")
@click.option("--text", "bottom_text", help="Text under the star (e.g. 业务专用章).")
@click.option("--size-mm", type=float, default=42.0, show_default=True)
@click.option("--dpi", type=int, default=300, show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@_one_line_errors
def seal(office: str, bottom_text: str | None, size_mm: float, dpi: int, output: Path) -> None:
    """Draw a round red seal PNG (transparent background) for an office."""
    from toolkit.fileio import atomic_write
    from toolkit.issuing.numbering import NumberingError, load_offices
    from toolkit.issuing.seal import seal_png

    try:
        name = load_offices().get(office).name
    except NumberingError:
        name = office  # not in the table: print the name as given
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, seal_png(name, bottom_text=bottom_text, diameter_mm=size_mm, dpi=dpi))
    click.echo(f"{output}: seal of {name}, {size_mm:g} mm at {dpi} dpi")


@click.command("test-certificate")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_one_line_errors
def test_certificate(directory: Path) -> None:
    """Create a self-signed TEST CA and signer certificate once (for demos; never real
    documents); an existing one in DIRECTORY is reused, never overwritten."""
    from toolkit.issuing.sign import make_test_certificate

    tc = make_test_certificate(directory)
    click.echo(f"TEST certificate (not for real documents) in {directory}:")
    click.echo(f"  CA (trust root for verify --trust): {tc.ca_cert}")
    click.echo(f"  signer PKCS#12: {tc.signer_p12}  (passphrase: {tc.passphrase})")
    click.echo(f"  signer PEM key/cert: {tc.signer_key} {tc.signer_cert}")

