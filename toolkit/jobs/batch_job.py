"""The batch-issuing job: ``toolkit.issuing.batch.run_batch`` as ``policykit batch --pdf --zip``
runs it, with the progress written to the job's row. Every row's outcome (number, files,
reasons) is the job's result; a row that fails after its number was reserved is voided with
the reason by run_batch itself, so a job never leaves a number unexplained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.jobs.runner import JobFailed, Progress

STATUS = {"issued": "已签发", "invalid": "未签发（未占用文号）", "voided": "已作废"}


def batch_job(settings: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from toolkit.cli.issuing import issuing_errors
    from toolkit.corpus import Corpus
    from toolkit.documents.doctypes import TYPES
    from toolkit.issuing.batch import run_batch
    from toolkit.issuing.issue import IssueOptions
    from toolkit.issuing.register import Register
    from toolkit.web.signing import signing_for

    doc_type = params["doc_type"]
    signing = signing_for(settings)
    options = IssueOptions(pdf=True, sign=signing.signer,
                           reason=TYPES[doc_type].name if doc_type in TYPES else None)
    out_dir = Path(params["out_dir"])
    try:
        corpus = Corpus.open(settings.db)
        with Register(settings.db) as reg:
            result = run_batch(Path(params["table"]), doc_type, corpus=corpus, register=reg,
                               out_dir=out_dir, options=options, office=params["office"],
                               make_zip=True, progress=progress)
    except issuing_errors() as e:  # the table is unusable: nothing was numbered
        raise JobFailed(str(e)) from None
    return {
        "source": result.source.name,
        "issued": len(result.issued),
        "failed": len(result.failed),
        "zip": str(result.zip) if result.zip else None,
        "rows": [{"row": r.row, "case_id": r.case_id, "status": r.status,
                  "status_label": STATUS.get(r.status, r.status), "number": r.number,
                  "files": [p.name for p in r.files], "reasons": r.reasons,
                  "warnings": r.warnings} for r in result.rows],
    }
