"""The server's signer, from configuration only (a key file on the server and the name of the
variable holding its passphrase); keys are never uploaded through a page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from toolkit.web.settings import Settings


@dataclass(frozen=True)
class Signing:
    signer: object | None  # toolkit.issuing.sign.PadesSigner
    trust: tuple[Path, ...]  # CA certificates `verify` trusts
    test: bool  # a TEST certificate: say so on the page


@cache
def signing_for(settings: Settings) -> Signing:
    from toolkit.issuing.sign import PadesSigner, TestCertificate, make_test_certificate

    trust = tuple(Path(p) for p in os.environ.get("POLICYKIT_TRUST", "").split(os.pathsep) if p)
    if settings.sign_p12 is not None:
        signer = PadesSigner(pkcs12=settings.sign_p12,
                             passphrase=os.environ.get(settings.sign_passphrase_env))
        signer.check()
        return Signing(signer, trust, False)
    if settings.test_cert is not None:
        d = settings.test_cert
        if (d / "signer.p12").exists() and (d / "ca.pem").exists():  # made by an earlier start
            tc = TestCertificate(d / "ca.pem", d / "signer.p12", d / "signer-key.pem",
                                 d / "signer.pem", "policykit-test")
        else:
            tc = make_test_certificate(d)
        return Signing(tc.signer(), (*trust, tc.ca_cert), True)
    return Signing(None, trust, False)
