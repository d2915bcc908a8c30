"""Decide pages: one page per decision kind (application, timeline, agreement, staff, staffing),
the outcome with every rule checked and each cited node linked, and "draft a notice from this
decision" (the desk form with the decision's grounds and citations) — ``toolkit.rules`` as
``policykit decide`` calls it.

The case is edited as YAML in the page (prefilled from the bundled examples): the rule cases
are nested and discriminated (scoring events, repair events) in ways a flat form would hide.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from toolkit.web import deps
from toolkit.web.present import node_url

router = APIRouter(prefix="/decide")

KINDS = {"application": "定点申请", "timeline": "办理期限", "agreement": "协议处理",
         "staff": "人员记分", "staffing": "人员配备"}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "decide"
RESULT_CN = {True: "是", False: "否", None: "待核实"}
CASE_LIMIT = 64 * 1024  # a case is a page of YAML, never a file upload


def _examples(kind: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"{kind}_*.yaml"))


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise HTTPException(404, f"没有决定类型 {kind}")
    return kind


@router.get("")
def decide_home(request: Request, user: deps.CurrentUser) -> Response:
    return deps.render(request, "decide.html", kinds=KINDS,
                       examples={k: [p.stem for p in _examples(k)] for k in KINDS})


@router.get("/{kind}")
def decide_form(request: Request, kind: str, user: deps.CurrentUser,
                example: str | None = None) -> Response:
    _kind(kind)
    found = {p.stem: p for p in _examples(kind)}
    chosen = found.get(example or "") or (next(iter(found.values())) if found else None)
    text = chosen.read_text(encoding="utf-8") if chosen and kind != "staffing" else ""
    return deps.render(request, "decide_form.html", kind=kind, kinds=KINDS, text=text,
                       examples=list(found), example=chosen.stem if chosen else None,
                       decision=None, problems=[], beds="", outpatient=False, region="shenzhen")


def run_decision(kind: str, db: str, text: str, beds: str, outpatient: bool, region: str):
    """(decision, problems): the engine's answer, or the reasons the case could not be decided."""
    from toolkit.calendar import CalendarError
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.rules.cases import CaseError, _CaseLoader, validate_case
    from toolkit.rules.engine import DecisionError
    from toolkit.rules.tables import TableError

    try:
        corpus = Corpus.open(db)
        if kind == "staffing":
            from toolkit.rules.staffing import decide_staffing

            n = int(beds) if beds.strip() else None
            return decide_staffing(n, corpus, outpatient_only=outpatient, region=region), []
        from toolkit.rules import decide_case

        try:
            data = yaml.load(text, Loader=_CaseLoader)  # dates as text: the model names a bad one
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"第{mark.line + 1}行：" if mark is not None else ""
            return None, [f"{where}YAML 格式错误（{getattr(e, 'problem', None) or e}）"]
        return decide_case(validate_case(data, kind, "案件"), corpus), []
    except CaseError as e:
        return None, list(e.problems)
    except ValueError:
        return None, ["床位数应为整数"]
    except (DecisionError, CorpusError, TableError, CalendarError) as e:
        return None, [str(e)]


@router.post("/{kind}", dependencies=[Depends(deps.csrf)])
async def decide_post(request: Request, kind: str, user: deps.CurrentUser) -> Response:
    _kind(kind)
    form = await request.form()
    text = str(form.get("case", ""))[:CASE_LIMIT]
    beds, region = str(form.get("beds", "")), str(form.get("region", "shenzhen"))
    outpatient = bool(form.get("outpatient"))
    decision, problems = await run_in_threadpool(run_decision, kind, deps.settings(request).db,
                                                 text, beds, outpatient, region)
    from toolkit.documents.doctypes import of_kind

    notice_types = {k: t.name for k, t in of_kind("notice").items() if t.decision}
    return deps.render(
        request, "decide_form.html", 422 if problems else 200, kind=kind, kinds=KINDS, text=text,
        examples=[p.stem for p in _examples(kind)], example=None, decision=decision,
        problems=problems, beds=beds, outpatient=outpatient, region=region, node_url=node_url,
        result_cn=RESULT_CN, notice_types=notice_types,
        decision_json=json.dumps(decision.to_json(), ensure_ascii=False, default=str)
        if decision and decision.grounds else "")
