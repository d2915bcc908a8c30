"""The demo job behind `make demo`: every area of policykit run once on the bundled corpus.

Reads an ingested store and writes, under one folder:
- ``compare.{html,docx,json,csv}`` — the Guangdong / Jiangsu / Chuxiong comparison;
- ``versions/`` — the 新旧对照表 of the bundled version pair (DOCX, HTML, JSON);
- ``decisions/`` — each example case decided, as JSON (the notice generator's input);
- ``notices/`` — a DOCX for every example case (every type, the three regions), and one refusal
  notice generated from a decision (``--from-decision``);
- ``issued/`` — two notices numbered in the register, sealed, converted to PDF and signed with a
  TEST certificate made in ``test-certificate/`` (the demo says so), then verified;
- ``index.html`` — what was written, with the validity of each rule on the demo date.
Each step reports what it wrote; a failing step is reported and the others still run.

The demo's store is its own (``out/demo/policykit.db`` in the Makefile), apart from any store a
clerk issues real numbers in. ``python -m toolkit.demo reset DB`` (the first line of ``make
demo``) starts it afresh without ever deleting a 发文登记簿 that holds numbers the demo did not
issue: such a store is moved aside (``policykit-<time>.db``), not removed.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from toolkit.fileio import atomic_write
from toolkit.manifest import ROOT

EXAMPLES = ROOT / "examples"
COMPARED = ("gd-measure", "js-rules", "cx-rules")
VERSION_PAIR = ("internet-cafe-2016", "internet-cafe-2022")
RULES = ("gd-measure", "gd-staff", "js-rules", "cx-rules", "order-735", "sz-guide")


@dataclass
class Step:
    name: str
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class DemoResult:
    out: Path
    steps: list[Step] = field(default_factory=list)

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if s.error]


def compare_step(corpus, out: Path, step: Step) -> None:
    from toolkit.compare.align import align
    from toolkit.compare.export import write_reports

    docs = [corpus.document(d) for d in COMPARED]
    paths = write_reports(align(docs), out)
    step.outputs += list(paths.values())


def versions_step(corpus, out: Path, step: Step) -> None:
    from toolkit.versions.diff import diff
    from toolkit.versions.export import changeset_json
    from toolkit.versions.report_docx import changeset_docx
    from toolkit.versions.report_html import changeset_html

    old, new = (corpus.document(d) for d in VERSION_PAIR)
    cs = diff(old, new)
    folder = out / "versions"
    step.outputs.append(atomic_write(folder / "对照表.docx", changeset_docx(cs)))
    step.outputs.append(atomic_write(folder / "对照表.html", changeset_html(cs).encode("utf-8")))
    step.outputs.append(atomic_write(folder / "changes.json", json.dumps(
        changeset_json(cs), ensure_ascii=False, indent=2).encode("utf-8")))
    step.notes.append(f"{len([c for c in cs.changes if c.kind != 'unchanged'])} changed articles")


def decisions_step(corpus, out: Path, step: Step) -> None:
    from toolkit.rules import decide_case
    from toolkit.rules.cases import load_case

    for path in sorted((EXAMPLES / "decide").glob("*.yaml")):
        kind = path.stem.split("_")[0]
        decision = decide_case(load_case(path, kind), corpus)
        data = json.dumps(decision.to_json(), ensure_ascii=False, indent=2, default=str)
        step.outputs.append(atomic_write(out / "decisions" / f"{path.stem}.json", data.encode("utf-8")))
        step.notes.append(f"{path.stem}: {decision.outcome_label}")


def notices_step(corpus, out: Path, step: Step) -> None:
    from toolkit.documents.cases import load_case, parse_case, read_data
    from toolkit.documents.decision import load_decision
    from toolkit.documents.render import generate

    folder = out / "notices"
    cases = sorted(EXAMPLES.glob("*.yaml")) + sorted((EXAMPLES / "more").glob("*.yaml"))
    for path in cases:
        case = load_case(path)
        result = generate(case.type, case, corpus, folder)
        step.outputs.append(result.path)
        step.notes += [f"{path.name}: {w}" for w in result.warnings]
    # A decision feeding a notice: the application decided in decisions/, written as a refusal.
    decided = out / "decisions" / "application_guangdong.json"
    if decided.exists():
        decision = load_decision(decided)
        data = read_data(EXAMPLES / "refusal.yaml")
        data.pop("grounds", None)  # the grounds come from the decision
        # The notice is to the party decided about, on the day decided (both are checked).
        data["applicant"] = {**data["applicant"], "name": decision.model_extra["applicant"]["name"]}
        data["addressee"] = data["applicant"]["name"]
        data["date"] = decision.date
        case = parse_case(data, str(EXAMPLES / "refusal.yaml"))
        result = generate("refusal", case, corpus, folder / "from-decision", decision=decision)
        step.outputs.append(result.path)


ISSUED = ("refusal.yaml", "more/chuxiong-termination.yaml")
DEMO_CASE = "policykit-demo:"  # case ids of the numbers the demo issues: its own, to discard


def issue_step(corpus, out: Path, step: Step) -> None:
    """Two notices issued for real: 文号 from the register (the demo store), sealed, converted to
    PDF by LibreOffice, checked, and signed with a TEST certificate made here."""
    from toolkit.documents.cases import load_case
    from toolkit.issuing.issue import IssueOptions
    from toolkit.issuing.notice_issue import issue_notices, prepare_notice
    from toolkit.issuing.numbering import load_offices
    from toolkit.issuing.register import Register
    from toolkit.issuing.sign import make_test_certificate, verify_pdf

    cert = make_test_certificate(out / "test-certificate")
    step.notes.append(f"TEST certificate (not for real use): {cert.ca_cert}")
    offices = load_offices()
    notices = []
    for name in ISSUED:
        case = load_case(EXAMPLES / name)
        notices.append(prepare_notice(case.type, case, corpus, offices,
                                      case_id=DEMO_CASE + Path(name).stem))
    signer = cert.signer()
    with Register(corpus.store.path) as register:
        outcomes = issue_notices(notices, register=register, out_dir=out / "issued", offices=offices,
                                 options=IssueOptions(sign=signer, workers=2))
    for outcome in outcomes:
        if outcome.status != "issued":
            raise RuntimeError(f"{outcome.number}: {outcome.error}")
        check = verify_pdf(outcome.pdf, trust_roots=[cert.ca_cert])
        step.outputs += [outcome.docx, outcome.pdf]
        step.notes.append(f"{outcome.number}: signature {check.status}")


def _index(result: DemoResult, statuses: list[tuple[str, str, str]]) -> bytes:
    rows = "".join(
        f"<tr><td>{html.escape(d)}</td><td>{html.escape(t)}</td><td>{html.escape(s)}</td></tr>"
        for d, t, s in statuses)
    parts = []
    for step in result.steps:
        links = "".join(
            f'<li><a href="{html.escape(str(p.relative_to(result.out)))}">'
            f"{html.escape(str(p.relative_to(result.out)))}</a></li>" for p in step.outputs)
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in step.notes)
        err = f'<p class="err">{html.escape(step.error)}</p>' if step.error else ""
        parts.append(f"<h2>{html.escape(step.name)}</h2>{err}<ul>{links}</ul>"
                     + (f"<ul class='notes'>{notes}</ul>" if notes else ""))
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>policykit demo</title>"
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em;max-width:60em}"
        "td,th{border:1px solid #ccc;padding:.3em .6em}table{border-collapse:collapse}"
        ".err{color:#b00}.notes{color:#555}</style></head><body>"
        "<h1>policykit demo</h1><h2>Rules in force on the demo date</h2>"
        f"<table><tr><th>document</th><th>title</th><th>status</th></tr>{rows}</table>"
        + "".join(parts) + "</body></html>").encode("utf-8")


def run_demo(db: Path, out: Path, *, on: date | None = None,
             extra_steps: list[tuple[str, Callable]] | None = None,
             report: Callable[[Step], None] | None = None) -> DemoResult:
    """Run every demo step against the store at ``db``, writing under ``out``."""
    from toolkit.corpus import Corpus

    on = on or date.today()
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(out)
    corpus = Corpus.open(db)
    steps = [("regional comparison", compare_step), ("version diff", versions_step),
             ("decisions", decisions_step), ("notices and agreements", notices_step),
             ("issued notices (文号, seal, PDF, signature)", issue_step)]
    for name, fn in steps + list(extra_steps or []):
        step = Step(name)
        try:
            fn(corpus, out, step)
        except Exception as e:  # a demo step failing must not hide the others' output
            step.error = f"{type(e).__name__}: {e}"
        result.steps.append(step)
        if report:
            report(step)
    statuses = []
    for doc_id in RULES:
        doc = corpus.document(doc_id)
        statuses.append((doc_id, doc.title, corpus.status(doc_id, on).label + f"（{on.isoformat()}）"))
    index = Step("index", [atomic_write(out / "index.html", _index(result, statuses))])
    result.steps.append(index)
    if report:
        report(index)
    return result


# -- starting the demo store afresh ----------------------------------------------------------


def foreign_numbers(db: Path) -> list[str]:
    """Numbers in the store's 发文登记簿 that the demo did not issue (a clerk's, the tour's)."""
    import sqlite3

    try:
        cx = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return ["(unreadable register)"]
    try:
        rows = cx.execute("SELECT number, case_id FROM reg_numbers ORDER BY prefix, year, seq")
        return [n for n, case in rows if not str(case or "").startswith(DEMO_CASE)]
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return []  # a store without a register
        return [f"(register unreadable: {e})"]
    except sqlite3.DatabaseError as e:
        return [f"(damaged store: {e})"]
    finally:
        cx.close()


def reset_store(db: Path, *, now: str | None = None) -> str:
    """Make room for a fresh demo store at ``db``; what was done, in one line. A store whose
    register holds only the demo's numbers (or none) is deleted; one holding any other number
    is renamed aside, never deleted."""
    from datetime import datetime

    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)  # the store's own folder (out/demo/)
    if not db.exists():
        return f"{db}: no demo store yet"
    others = foreign_numbers(db)
    if not others:
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
            path.unlink(missing_ok=True)
        return f"{db}: previous demo store removed (it held only the demo's numbers)"
    stamp = now or datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = db.with_name(f"{db.stem}-{stamp}{db.suffix}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = Path(f"{db}{suffix}")
        if source.exists():
            source.rename(Path(f"{kept}{suffix}"))
    shown = "、".join(others[:5]) + ("…" if len(others) > 5 else "")
    return (f"{db}: its 发文登记簿 holds {len(others)} number(s) the demo did not issue ({shown});"
            f" not deleted: moved to {kept}")


def main(argv: list[str]) -> int:
    """``python -m toolkit.demo reset DB``."""
    if len(argv) != 2 or argv[0] != "reset":
        print("usage: python -m toolkit.demo reset DB", file=sys.stderr)
        return 2
    print(reset_store(Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
