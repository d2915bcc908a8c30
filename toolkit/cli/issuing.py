"""Options shared by the commands that issue notices (``notice --pdf``, ``batch``): signing,
office, register. The signer itself is built by toolkit.cli.issue (same flags as ``issue``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from toolkit.cli.main import db_path


def issuing_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--sign, the key sources, --office, --register (applied in this order on --help)."""
    decorators = [
        click.option("--sign", is_flag=True,
                     help="Sign the PDF (PAdES) with --sign-p12, --sign-key/--sign-cert or "
                          "--test-cert."),
        click.option("--sign-p12", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="PKCS#12 key + certificate."),
        click.option("--sign-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="PEM private key (with --sign-cert)."),
        click.option("--sign-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="PEM certificate (with --sign-key)."),
        click.option("--passphrase-env", default="POLICYKIT_SIGN_PASSPHRASE", show_default=True,
                     help="Environment variable holding the key's passphrase."),
        click.option("--test-cert", type=click.Path(file_okay=False, path_type=Path),
                     help="Make a TEST certificate in this folder and sign with it (demos)."),
        click.option("--office", default=None,
                     help="Issuing office (id or name in corpus/offices.yaml); default: the "
                          "case's issuer.name."),
        click.option("--register", "register_path", default=None,
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="发文登记簿 SQLite file (default: the store, --db / $POLICYKIT_DB)."),
    ]
    for decorate in reversed(decorators):
        fn = decorate(fn)
    return fn


def make_signer(fail: Callable[[str], Any], *, pdf: bool, sign: bool, sign_p12: Path | None,
                sign_key: Path | None, sign_cert: Path | None, passphrase_env: str,
                test_cert: Path | None):
    """The signer the options ask for, or None. A key source without --sign, --sign without
    a key source, or signing without the PDF is refused before anything is numbered."""
    from toolkit.cli.issue import _signer_from_options

    sources = [x for x in (sign_p12, sign_key, sign_cert, test_cert) if x is not None]
    if not sign:
        if sources:
            fail("--sign-p12/--sign-key/--sign-cert/--test-cert 需要同时给出 --sign")
        return None
    if not pdf:
        fail("--sign 只能签 PDF：请同时给出 --pdf")
    if not sources:
        fail("--sign 需要密钥：--sign-p12 文件、--sign-key 与 --sign-cert，或 --test-cert 目录")
    return _signer_from_options(sign_p12, sign_key, sign_cert, passphrase_env, test_cert)


def register_db(ctx: click.Context, given: Path | None) -> Path:
    """--register, else the store itself (the register's tables are ``reg_*``)."""
    return given if given is not None else db_path(ctx)


def issuing_errors() -> tuple[type[BaseException], ...]:
    """Exceptions of the issuing chain that are one line for the clerk, not a traceback."""
    from toolkit.corpus import CorpusError
    from toolkit.documents.basis import DocumentError
    from toolkit.documents.cases import CaseError
    from toolkit.issuing.batch_table import BatchError
    from toolkit.issuing.fonts import FontError
    from toolkit.issuing.issue import IssueError
    from toolkit.issuing.notice_issue import OfficeError
    from toolkit.issuing.numbering import NumberingError
    from toolkit.issuing.pdf import ConversionError, LibreOfficeMissing
    from toolkit.issuing.register import RegisterError
    from toolkit.issuing.seal import SealError
    from toolkit.issuing.sealing import SealingError
    from toolkit.issuing.sign import SigningError

    return (CaseError, DocumentError, CorpusError, OfficeError, BatchError, IssueError,
            NumberingError, RegisterError, LibreOfficeMissing, ConversionError, SealError,
            SealingError, SigningError, FontError)


REASON_HELP = ("With --reissue (required there): why the case is issued again, recorded in the "
               "register with the new number and in the audit log, as the web desk asks.")


def reissue_reason(fail: Callable[[str], Any], reissue: bool, reason: str | None) -> str | None:
    """The reason of a reissue, stripped; ``fail`` when one is given without the other."""
    said = (reason or "").strip() or None
    if reissue and said is None:
        fail("--reissue 须同时给出 --reason（重新签发的理由记入发文登记簿和审计日志）")
    if said is not None and not reissue:
        fail("--reason 只用于 --reissue（重新签发的理由）")
    return said


def audit_reissue(ctx: click.Context, number: str, old: str, doc_type: str, case_id: str | None,
                  reason: str) -> None:
    """The audit line the web desk writes for a reissue (no account: the command line)."""
    from toolkit.accounts.users import Accounts

    Accounts.open(str(db_path(ctx))).log(
        None, "reissue", f"{number} reissues {old} {doc_type} case={case_id}: {reason}",
        "command line")
