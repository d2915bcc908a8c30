"""Digital signatures on issued PDFs: PAdES with pyHanko, a visible stamp, verification.

``Signer`` is the interface the issuing chain calls. ``PadesSigner`` implements it with a key and
certificate (PKCS#12, or PEM key + certificate) and a visible text stamp (签章 / 时间) set in LXGW
WenKai: pyHanko embeds only single-file TrueType fonts (not Noto's .ttc/CFF), and the font is
first cut down to the stamp's characters, once per character set, because parsing the whole
15 MB font on every signature dominated signing time.

China's legally recognised electronic 公章 follows GB/T 38540 (SM2/SM3 signatures inside a seal
data structure issued by a certified seal system). pyHanko has no SM2/SM3 and this project has no
seal system; a future adapter for one implements ``Signer`` and its own verification. Nothing
here claims to be such a seal: PAdES with an ordinary X.509 certificate only.

``make_test_certificate`` makes a self-signed TEST CA and a signer certificate for demos and tests.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable

from toolkit.issuing.fonts import require_family

# The visible stamp: a clerk reads the time in China Standard Time (UTC+8), not in the
# server's zone, and a TEST certificate says so on the face of the document.
CST = timezone(timedelta(hours=8), "CST")
STAMP_TEXT = "签章：%(office)s\n时间：%(when)s"
TEST_LINE = "\nTEST 测试证书签章，不具法律效力"
STAMP_LABELS = "签章时间：:（北京时间UTC+8）" + TEST_LINE
TIME_FORMAT = "%Y-%m-%d %H:%M:%S（北京时间 UTC+8）"
TEST_ORG = "policykit TEST certificate - not for real documents"
MM = 72 / 25.4


def stamp_time(now: datetime | None = None) -> str:
    """``2026-12-04 08:52:04（北京时间 UTC+8）`` for the visible stamp."""
    return (now or datetime.now(UTC)).astimezone(CST).strftime(TIME_FORMAT)


def stamp_text(office: str, *, test: bool, now: datetime | None = None) -> str:
    """What the visible signature prints (the stamp template filled in)."""
    return STAMP_TEXT % {"office": office, "when": stamp_time(now)} + (TEST_LINE if test else "")


class SigningError(RuntimeError):
    """Signing could not be done (bad key file, wrong passphrase, missing font)."""


class VerifyError(RuntimeError):
    """The file cannot be verified at all (missing, not a PDF)."""


@dataclass(frozen=True)
class StampPlacement:
    """Where the visible signature goes: 0-based page and a box in PDF points (x1, y1, x2, y2)."""

    page: int
    box: tuple[float, float, float, float]


def default_stamp_box(page_width: float) -> tuple[float, float, float, float]:
    """Bottom-left of the page, under the 版心 and clear of the page number (7 mm below it)."""
    del page_width  # the box sits at the left 版心 edge on every page size
    return (28 * MM, 8 * MM, 28 * MM + 78 * MM, 21 * MM)


@runtime_checkable
class Signer(Protocol):
    """Signs a PDF on behalf of an issuing office.

    ``office`` is the name printed in the visible stamp; ``placement`` None means an invisible
    signature. Returns the signed PDF (an incremental update of ``pdf``). A signer may also have
    a ``check()`` method, called before any number is allocated, that raises if it cannot sign.
    Signers handed to worker processes must be picklable."""

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        office: str,
        placement: StampPlacement | None = None,
        reason: str | None = None,
        location: str | None = None,
    ) -> bytes: ...


def stamp_font(chars: str, *, cache_dir: Path | None = None) -> Path:
    """LXGW WenKai cut down to ``chars`` (+ ASCII), cached by content so every process after
    the first reuses it."""
    source = require_family("LXGW WenKai:regular", "LXGW WenKai", "fonts-lxgw-wenkai").path
    wanted = "".join(sorted(set(chars) | {chr(c) for c in range(0x20, 0x7F)}))
    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{wanted}".encode()).hexdigest()
    cache_dir = cache_dir or Path(tempfile.gettempdir()) / "policykit-fonts"
    target = cache_dir / f"stamp-{key[:20]}.ttf"
    if target.is_file():
        return target
    from fontTools import subset
    from fontTools.ttLib import TTFont

    cache_dir.mkdir(parents=True, exist_ok=True)
    font = TTFont(str(source), lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted)
    subsetter.subset(font)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".ttf.part")
    with os.fdopen(fd, "wb") as fh:
        font.save(fh)
    os.replace(tmp, target)  # concurrent first users race harmlessly: same bytes
    return target


@dataclass
class PadesSigner:
    """PAdES signer from a PKCS#12 file (``pkcs12`` + ``passphrase``) or PEM ``key`` + ``cert``
    (+ ``chain``). Picklable: worker processes load the key themselves on first use."""

    pkcs12: Path | None = None
    passphrase: str | None = None
    key: Path | None = None
    cert: Path | None = None
    chain: Sequence[Path] = ()
    font_size: int = 9
    bytes_reserved: int | None = 16384  # CMS size limit; None lets pyHanko measure (slower)
    _loaded: object = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.pkcs12 is None) == (self.key is None):
            raise SigningError("give either a PKCS#12 file or a PEM key + certificate")
        if self.key is not None and self.cert is None:
            raise SigningError(f"{self.key}: a PEM key needs its certificate (cert=…)")

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_loaded"] = None
        return state

    def _signer(self):
        if self._loaded is None:
            from pyhanko.sign import signers

            pw = self.passphrase.encode() if self.passphrase is not None else None
            for path in (self.pkcs12, self.key, self.cert, *self.chain):
                if path is not None and not Path(path).is_file():
                    raise SigningError(f"{path}: no such key/certificate file")
            try:
                with _quiet_pyhanko():  # it logs a traceback before raising; we raise one line
                    loaded = self._load(signers, pw)
            except Exception as exc:  # noqa: BLE001 - pyHanko raises assorted types here
                raise SigningError(f"cannot load the signing key: {exc}") from exc
            if loaded is None:
                source = self.pkcs12 or self.key
                raise SigningError(f"{source}: cannot load the signing key (wrong passphrase?)")
            self._loaded = loaded
        return self._loaded

    def _load(self, signers, pw: bytes | None):
        if self.pkcs12 is not None:
            return signers.SimpleSigner.load_pkcs12(
                str(self.pkcs12), ca_chain_files=[str(c) for c in self.chain], passphrase=pw
            )
        return signers.SimpleSigner.load(
            str(self.key), str(self.cert), ca_chain_files=[str(c) for c in self.chain], key_passphrase=pw
        )

    def check(self) -> None:
        """Load the key and certificate now (raises ``SigningError``)."""
        self._signer()

    @property
    def signer_name(self) -> str:
        """The certificate subject's common name (who signs)."""
        return _common_name(self._signer().signing_cert)

    @property
    def is_test(self) -> bool:
        """A TEST certificate (``make_test_certificate``'s organisation): said on the stamp."""
        subject = self._signer().signing_cert.subject.native
        return subject.get("organization_name") == TEST_ORG

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        office: str,
        placement: StampPlacement | None = None,
        reason: str | None = None,
        location: str | None = None,
    ) -> bytes:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import TextStampStyle

        signer = self._signer()
        meta = signers.PdfSignatureMetadata(
            field_name="PK-Signature",
            reason=reason,
            location=location,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        stamp_style = None
        field_spec = None
        params = {"office": office, "when": stamp_time()}
        if placement is not None:
            font = stamp_font(STAMP_LABELS + office)
            stamp_style = TextStampStyle(
                stamp_text=STAMP_TEXT + (TEST_LINE if self.is_test else ""),
                text_box_style=TextBoxStyle(
                    font=GlyphAccumulatorFactory(str(font), font_size=self.font_size)
                ),
                border_width=1,
            )
            x1, y1, x2, y2 = placement.box
            field_spec = fields.SigFieldSpec(
                sig_field_name="PK-Signature",
                on_page=placement.page,
                box=(round(x1), round(y1), round(x2), round(y2)),
            )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
            pdf_signer = signers.PdfSigner(
                meta, signer=signer, stamp_style=stamp_style, new_field_spec=field_spec
            )
            # a fixed reservation spares pyHanko a dummy signature to measure the size
            out = pdf_signer.sign_pdf(
                writer, bytes_reserved=self.bytes_reserved, appearance_text_params=params
            )
        except Exception as exc:  # noqa: BLE001
            raise SigningError(f"signing failed: {exc}") from exc
        return out.getvalue()


def _common_name(cert) -> str:
    """CN of an asn1crypto certificate, else the whole subject."""
    subject = cert.subject.native
    return subject.get("common_name") or cert.subject.human_friendly


# -- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    status: str  # "intact" | "untrusted" | "modified" (after signing) | "tampered"
    signer: str | None
    signing_time: datetime | None
    whole_file: bool
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    """Overall: ``tampered`` if any signature is broken or the file was changed in a way the
    signature does not allow, else ``modified`` if the signature holds but the file is not
    exactly what was signed (bytes or revisions after the signed range, changed padding in the
    signature value), else ``untrusted`` if any chain does not reach a trust root, else
    ``intact``; ``unsigned`` when there is no signature."""

    path: str
    status: str
    signatures: tuple[SignatureCheck, ...]

    @property
    def last(self) -> SignatureCheck | None:
        return self.signatures[-1] if self.signatures else None

    @property
    def signer(self) -> str | None:
        return self.last.signer if self.last else None

    @property
    def signing_time(self) -> datetime | None:
        return self.last.signing_time if self.last else None

    @property
    def whole_file(self) -> bool:
        return bool(self.last and self.last.whole_file)


def _load_roots(trust_roots: Sequence[Path | str]) -> list:
    from pyhanko.keys import load_cert_from_pemder

    roots = []
    for path in trust_roots:
        if not Path(path).is_file():
            raise VerifyError(f"{path}: trust root certificate not found")
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"{path}: not a PEM/DER certificate ({exc})") from exc
    return roots


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs a traceback for every chain it cannot build; for us an untrusted chain is
    a result, reported in the VerifyResult, not an error to print."""
    log = logging.getLogger("pyhanko")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _der_length(blob: bytes) -> int | None:
    """Length of the DER value at the start of ``blob`` (tag + length + content), or None."""
    if len(blob) < 2:
        return None
    first = blob[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(blob) < 2 + count:
        return None
    return 2 + count + int.from_bytes(blob[2:2 + count], "big")


def _changed_after_signing(data: bytes, sig, reader) -> str | None:
    """Why the file is not exactly what was signed, though the signature itself holds: bytes
    or revisions after the signed range, or bytes changed in the unused (zero) padding of the
    signature's own /Contents, which the byte range leaves out by design. None if unchanged."""
    start, gap_start, gap_end, length = (int(x) for x in sig.byte_range)
    end = gap_end + length
    later = reader.xrefs.total_revisions - 1 - sig.signed_revision
    if later > 0:
        return (f"modified after signing: {later} later revision(s) of the file (an incremental "
                "update, e.g. changed document information) are not covered by the signature")
    if len(data) > end:  # even a newline: the file is no longer the bytes that were signed
        return (f"modified after signing: {len(data) - end} byte(s) appended after the signed "
                "range")
    hex_text = data[gap_start:gap_end].strip().lstrip(b"<").rstrip(b">")
    try:
        blob = bytes.fromhex(hex_text.decode("ascii"))
    except ValueError:
        return "modified after signing: the signature value is not valid hexadecimal"
    used = _der_length(blob)
    if used is None or used > len(blob):
        return "modified after signing: the signature value cannot be read"
    if blob[used:].strip(b"\x00"):
        return ("modified after signing: bytes changed in the unused padding of the "
                "signature value (/Contents)")
    return None


def verify_pdf(path: Path | str, *, trust_roots: Sequence[Path | str] | None = None) -> VerifyResult:
    """Check every signature in the PDF. ``trust_roots``: CA certificates to trust (PEM/DER);
    without them nothing is trusted, so an intact signature reports ``untrusted``."""
    path = Path(path)
    if not path.is_file():
        raise VerifyError(f"{path}: no such file")
    return verify_pdf_bytes(path.read_bytes(), trust_roots=trust_roots, name=str(path))


def verify_pdf_bytes(
    data: bytes, *, trust_roots: Sequence[Path | str] | None = None, name: str = "<pdf>"
) -> VerifyResult:
    """``verify_pdf`` on bytes in memory."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    path = name
    if not data.startswith(b"%PDF-"):
        raise VerifyError(f"{path}: not a PDF")
    # no roots given: trust nothing (pyHanko's fallback to the OS TLS list is deprecated, and
    # seal/e-government CAs are not in it anyway)
    roots = _load_roots(trust_roots) if trust_roots else []
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - a damaged signed file is a tampered one
        check = SignatureCheck("?", "tampered", None, None, False, f"file structure damaged: {exc}")
        return VerifyResult(str(path), "tampered", (check,))
    if not embedded:
        return VerifyResult(str(path), "unsigned", ())
    checks = []
    for sig in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            with _quiet_pyhanko():
                st = validate_pdf_signature(sig, context)
        except Exception as exc:  # noqa: BLE001 - malformed signature data
            checks.append(SignatureCheck(sig.field_name, "tampered", None, None, False, str(exc)))
            continue
        whole = st.coverage == SignatureCoverageLevel.ENTIRE_FILE
        after = _changed_after_signing(data, sig, reader) if st.intact and st.valid else None
        if not st.intact or not st.valid or st.docmdp_ok is False:
            status = "tampered"
            detail = "content changed after signing" if not st.intact else "signature invalid"
            if st.intact and st.valid:
                detail = f"disallowed changes after signing ({st.modification_level})"
        elif after is not None:
            status, detail = "modified", after
        elif not st.trusted:
            status, detail = "untrusted", "signature intact; certificate chain not trusted"
        else:
            status, detail = "intact", "signature intact and trusted"
        checks.append(
            SignatureCheck(
                field=sig.field_name,
                status=status,
                signer=_common_name(st.signing_cert) if st.signing_cert else None,
                signing_time=st.signer_reported_dt,
                whole_file=whole,
                detail=detail,
            )
        )
    order = {"intact": 0, "untrusted": 1, "modified": 2, "tampered": 3}
    overall = max((c.status for c in checks), key=order.__getitem__)
    return VerifyResult(str(path), overall, tuple(checks))


# -- test certificates ------------------------------------------------------------------------


@dataclass(frozen=True)
class TestCertificate:
    """A self-signed TEST CA and a signer certificate issued by it. Never for real documents."""

    __test__ = False  # not a pytest test class despite the name

    ca_cert: Path  # PEM: pass as a trust root to verify
    signer_p12: Path  # PKCS#12 with key, certificate and CA chain
    signer_key: Path  # PEM key (encrypted with ``passphrase``)
    signer_cert: Path  # PEM certificate
    passphrase: str

    def signer(self) -> PadesSigner:
        return PadesSigner(pkcs12=self.signer_p12, passphrase=self.passphrase)


TEST_FILES = ("signer.pem", "signer-key.pem", "signer.p12", "ca.pem")  # ca.pem written last


def make_test_certificate(
    directory: Path | str,
    *,
    signer_name: str = "policykit 测试签章 (TEST)",
    passphrase: str = "policykit-test",
    valid_days: int = 825,
) -> TestCertificate:
    """The TEST CA + signer certificate in ``directory``: made once, then reused.

    Every notice signed from a folder must keep verifying against that folder's ``ca.pem``, so
    an existing set is loaded and returned, never replaced; parallel runs wait on a lock file
    while the first one creates it, and each key file is created exclusively (a file that
    appeared meanwhile is never overwritten). A partial set (some files missing) is refused
    with the names, not repaired over the keys that are there."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    found = TestCertificate(directory / "ca.pem", directory / "signer.p12",
                            directory / "signer-key.pem", directory / "signer.pem", passphrase)
    with _folder_lock(directory):
        present = [n for n in TEST_FILES if (directory / n).exists()]
        if len(present) == len(TEST_FILES):
            _check_existing(found)
            return found
        if present:
            missing = [n for n in TEST_FILES if n not in present]
            raise SigningError(
                f"{directory}: incomplete TEST certificate ({'、'.join(present)} present, "
                f"{'、'.join(missing)} missing); existing keys are never overwritten: remove "
                "the folder or choose another --test-cert folder")
        files = _new_test_certificate(signer_name, passphrase, valid_days)
        for name in TEST_FILES:
            _create_exclusive(directory / name, files[name])
    return found


@contextmanager
def _folder_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file left among the keys)."""
    import fcntl

    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _create_exclusive(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file, then link it to ``path``: complete or absent, and
    an existing ``path`` is an error, not overwritten."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600 if "key" in path.name or path.suffix == ".p12" else 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise SigningError(f"{path}: already exists; a key file is never overwritten") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _check_existing(tc: TestCertificate) -> None:
    """An existing set must load with the passphrase and its CA must still be valid."""
    from cryptography import x509

    try:
        ca = x509.load_pem_x509_certificate(tc.ca_cert.read_bytes())
    except ValueError as exc:
        raise SigningError(f"{tc.ca_cert}: not a PEM certificate ({exc}); not overwritten") from exc
    if ca.not_valid_after_utc < datetime.now(UTC):
        raise SigningError(f"{tc.ca_cert}: the TEST CA expired on {ca.not_valid_after_utc:%Y-%m-%d};"
                           " choose a new --test-cert folder (existing keys are not replaced)")
    tc.signer().check()


def _new_test_certificate(signer_name: str, passphrase: str, valid_days: int) -> dict[str, bytes]:
    """A fresh TEST CA and signer: file name → contents."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC).replace(microsecond=0)
    org = TEST_ORG

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "policykit TEST CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=valid_days + 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, signer_name),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pw = passphrase.encode()
    files = {
        "ca.pem": ca_cert.public_bytes(serialization.Encoding.PEM),
        "signer.pem": cert.public_bytes(serialization.Encoding.PEM),
        "signer-key.pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(pw),
        ),
        "signer.p12": pkcs12.serialize_key_and_certificates(
            b"policykit-test-signer", key, cert, [ca_cert], serialization.BestAvailableEncryption(pw)
        ),
    }
    return files
