"""Decide pages: one page per decision kind (application, timeline, agreement, staff, staffing),
the outcome with every rule checked and each cited node linked, and "draft a notice from this
decision" (the desk form with the decision's grounds and citations) — ``toolkit.rules`` as
``policykit decide`` calls it.

The case is entered in a form generated from the kind's case model (``decide_forms``), the same
model ``policykit decide --case`` validates; each message is shown beside its field. The YAML
of the case stays available as an advanced option: pasted there it is decided the same way,
and after every decision it shows the case as a file ``policykit decide --case`` would take.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from toolkit.web import decide_forms, deps
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


def read_yaml(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """(case data, problems) of a pasted YAML case; dates stay text so the model names a bad one."""
    from toolkit.rules.cases import _CaseLoader

    try:
        data = yaml.load(text, Loader=_CaseLoader)  # a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark is not None else ""
        return None, [f"{where}YAML 格式错误（{getattr(e, 'problem', None) or e}）"]
    if not isinstance(data, dict):
        return None, ["YAML 应为一组字段（region: …、date: … 等）"]
    return data, []


def check_case(kind: str, data: dict[str, Any]) -> tuple[Any, list[str]]:
    """(case, problems): the kind's case model (the one ``policykit decide`` validates), with
    every bad field as ``toolkit.documents.cases.explain`` words it in Chinese."""
    from pydantic import TypeAdapter, ValidationError

    from toolkit.documents.cases import explain
    from toolkit.rules.cases import CASE_MODELS

    model = CASE_MODELS[kind]
    try:
        return TypeAdapter(model).validate_python({"kind": kind, **data}), []
    except ValidationError as e:
        return None, explain(model, e)


def run_decision(kind: str, db: str, case: Any = None, beds: str = "", outpatient: bool = False,
                 region: str = "shenzhen") -> tuple[Any, list[str]]:
    """(decision, problems): the engine's answer, or why the case could not be decided."""
    from toolkit.calendar import CalendarError
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.rules.engine import DecisionError
    from toolkit.rules.tables import TableError

    try:
        corpus = Corpus.open(db)
        if kind == "staffing":
            from toolkit.rules.staffing import decide_staffing

            n = int(beds) if beds.strip() else None
            if n is not None and n < 0:
                return None, ["床位数不能小于 0"]
            return decide_staffing(n, corpus, outpatient_only=outpatient, region=region), []
        from toolkit.rules import decide_case

        return decide_case(case, corpus), []
    except ValueError:
        return None, ["床位数应为整数"]
    except (DecisionError, CorpusError, TableError, CalendarError) as e:
        return None, [str(e)]


def _case_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100) if data else ""


def _page(request: Request, kind: str, status: int = 200, *, data: dict[str, Any] | None = None,
          form: dict[str, str] | None = None, text: str | None = None, example: str | None = None,
          problems: list[str] | None = None, decision: Any = None, mode: str = "form",
          staffing: dict[str, Any] | None = None) -> Response:
    data = data or {}
    fields = decide_forms.case_fields(kind, data, form) if kind != "staffing" else []
    values = decide_forms.case_to_form(fields, data)
    errors, general = decide_forms.field_messages(problems or [], fields, data) if fields \
        else ({}, list(problems or []))
    from toolkit.documents.doctypes import of_kind

    notice_types = {k: t.name for k, t in of_kind("notice").items() if t.decision}
    return deps.render(
        request, "decide_form.html", status, kind=kind, kinds=KINDS, fields=fields,
        values=values, errors=errors, general=general, mode=mode,
        text=_case_yaml(data) if text is None else text,
        examples=[p.stem for p in _examples(kind)], example=example, decision=decision,
        staffing=staffing or {"beds": "", "outpatient": False, "region": "shenzhen"},
        staffing_regions=decide_forms.regions("staffing"),
        node_url=node_url, result_cn=RESULT_CN, notice_types=notice_types,
        decision_json=json.dumps(decision.to_json(), ensure_ascii=False, default=str)
        if decision and decision.grounds else "")


@router.get("")
def decide_home(request: Request, user: deps.CurrentUser) -> Response:
    return deps.render(request, "decide.html", kinds=KINDS,
                       examples={k: [p.stem for p in _examples(k)] for k in KINDS})


@router.get("/{kind}")
def decide_form(request: Request, kind: str, user: deps.CurrentUser,
                example: str | None = None) -> Response:
    """The kind's form, empty or filled from a bundled example (``?example=application_guangdong``)."""
    _kind(kind)
    found = {p.stem: p for p in _examples(kind)}
    chosen = found.get(example or "")
    if example and chosen is None:
        raise HTTPException(404, f"没有示例 {example}")
    data: dict[str, Any] = {}
    if chosen is not None:
        data, _ = read_yaml(chosen.read_text(encoding="utf-8"))
    return _page(request, kind, data=data or {}, example=chosen.stem if chosen else None)


def _form_dict(form: Any) -> dict[str, str]:
    """The posted fields; a name sent several times (checked boxes) is one value per line."""
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out[key] = f"{out[key]}\n{value}" if key in out else value
    return out


@router.post("/{kind}", dependencies=[Depends(deps.csrf)])
async def decide_post(request: Request, kind: str, user: deps.CurrentUser) -> Response:
    _kind(kind)
    form = _form_dict(await request.form())
    db = deps.settings(request).db
    if kind == "staffing":
        staffing = {"beds": form.get("beds", ""), "outpatient": bool(form.get("outpatient")),
                    "region": form.get("region", "shenzhen")}
        decision, problems = await run_in_threadpool(
            run_decision, kind, db, None, staffing["beds"], staffing["outpatient"],
            staffing["region"])
        return _page(request, kind, 422 if problems else 200, problems=problems,
                     decision=decision, staffing=staffing)
    mode = "yaml" if form.get("mode") == "yaml" else "form"
    text = None
    if mode == "yaml":
        text = form.get("case", "")[:CASE_LIMIT]
        data, problems = read_yaml(text)
        if data is None:
            return _page(request, kind, 422, text=text, problems=problems, mode=mode)
    else:
        adding = form.pop("add", "")
        if adding:  # 增加一行: the same form with one more row in that list, nothing decided
            rows = decide_forms.posted_rows(form).get(decide_forms.generic(adding), 0)
            form[f"{adding}.[{rows + 1}]"] = ""
            data = decide_forms.form_to_case(kind, form)
            return _page(request, kind, data=data, form=form)
        data = decide_forms.form_to_case(kind, form)
    case, problems = check_case(kind, data)
    decision = None
    if case is not None:
        decision, problems = await run_in_threadpool(run_decision, kind, db, case)
    return _page(request, kind, 422 if problems else 200, data=data,
                 form=form if mode == "form" else None, text=text, problems=problems,
                 decision=decision, mode=mode)
