"""Version pages: the 新旧对照表 of two versions with 修改说明, the number map, each version's
status on a date with its evidence, one article's history, and pinning a match (drafters):
``toolkit.versions`` as ``policykit diff|status|history`` call it; pins are saved with the work
(``toolkit.versions.pins``) and the CLI's ``diff`` reads them too."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from toolkit.store import Store, StoreError
from toolkit.web import deps
from toolkit.web.corpus import parse_day
from toolkit.web.present import node_url

router = APIRouter(prefix="/versions")



def default_pair(store: Store, rules: list) -> tuple[str | None, str | None]:
    """The last two stored versions of the first work that has two (the manifest says which
    documents are versions of one work), so the page opens on a real 对照表."""
    from toolkit.versions.works import versions

    for s in rules:
        found = [v.doc_id for v in versions(store, s.id)]
        if len(found) >= 2:
            return found[-2], found[-1]
    return None, None


def _rule(store: Store, key: str) -> str:
    try:
        doc_id = store.resolve(key)
    except StoreError:
        raise HTTPException(404, f"没有文件 {key}") from None
    if not store.summary(doc_id).articles:
        raise HTTPException(404, f"{doc_id} 没有条文，不能对照")
    return doc_id


def changeset(store: Store, db: str, old: str, new: str):
    from toolkit.versions.diff import diff
    from toolkit.versions.pins import load_pins

    return diff(store.document(old), store.document(new), pins=load_pins(db, old, new))


def _status(store: Store, doc_id: str, day: date):
    from toolkit.cli.corpus import where_names
    from toolkit.versions.status import document_status
    from toolkit.versions.wording import evidence_line

    st = document_status(store, doc_id, day)
    return st, [evidence_line(e, where_names(store)) for e in st.evidence]


@router.get("")
def versions_page(request: Request, user: deps.CurrentUser, store: deps.StoreDep,
                  old: str | None = None, new: str | None = None, on: str | None = None,
                  unchanged: bool = False) -> Response:
    rules = [s for s in store.documents() if s.articles]
    if old is None and new is None:
        old, new = default_pair(store, rules)
    day, date_error = parse_day(on)
    if not old or not new:
        return deps.render(request, "versions.html", rules=rules, old=old, new=new, cs=None,
                           day=day, date_error=date_error)
    old, new = _rule(store, old), _rule(store, new)
    from toolkit.versions.diff import KIND_LABELS, MANUAL_LABEL, PinError
    from toolkit.versions.pins import saved_pins
    from toolkit.versions.report_html import number_map, version_rows

    db = deps.settings(request).db
    try:
        cs = changeset(store, db, old, new)
    except PinError as e:  # a saved pin no longer fits (an article re-ingested): say so
        return deps.render(request, "versions.html", 409, rules=rules, old=old, new=new, cs=None,
                           day=day, date_error=f"保存的人工指定匹配已不适用：{e}")
    new_doc = store.document(new)
    articles = [(a.eid, a.num) for a in new_doc.articles()]
    return deps.render(
        request, "versions.html", rules=rules, old=old, new=new, cs=cs, day=day,
        date_error=date_error, version_rows=version_rows(cs), number_map=number_map(cs),
        statuses={d: _status(store, d, day) for d in (old, new)}, kinds=KIND_LABELS,
        manual_label=MANUAL_LABEL, unchanged=unchanged, node_url=node_url,
        changes=[c for c in cs.changes if unchanged or c.kind != "unchanged"],
        saved={p.old_eid: p for p in saved_pins(db, old, new)}, new_articles=articles,
        query=urlencode({"old": old, "new": new}))


@router.get("/report.{fmt}")
def versions_report(request: Request, fmt: str, user: deps.CurrentUser, store: deps.StoreDep,
                    old: str, new: str) -> Response:
    old, new = _rule(store, old), _rule(store, new)
    cs = changeset(store, deps.settings(request).db, old, new)
    if fmt == "html":
        from toolkit.versions.report_html import changeset_html

        data, media = changeset_html(cs).encode("utf-8"), "text/html; charset=utf-8"
    elif fmt == "docx":
        from toolkit.versions.report_docx import changeset_docx

        data = changeset_docx(cs)
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        raise HTTPException(404, f"没有 {fmt} 格式的对照表")
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="diff-{old}-{new}.{fmt}"'})


@router.post("/pin", dependencies=[Depends(deps.csrf)])
async def pin(request: Request, user: deps.Drafter) -> Response:
    """Pin (or unpin) one old article's match. The pin is checked by diffing with it before it
    is saved, so a pin the diff would refuse is never stored."""
    from toolkit.versions.diff import PinError, diff
    from toolkit.versions.pins import load_pins, remove_pin, save_pin

    form = await request.form()
    db = deps.settings(request).db
    store = deps.store(request)
    old, new = _rule(store, str(form.get("old", ""))), _rule(store, str(form.get("new", "")))
    old_doc, new_doc = store.document(old), store.document(new)
    old_eid = str(form.get("old_eid", ""))
    back = f"/versions?{urlencode({'old': old, 'new': new})}"
    if form.get("unpin"):
        if remove_pin(db, old, new, old_eid):
            deps.audit(request, user, "unpin", f"{old}→{new} {old_eid}")
        return RedirectResponse(back, status_code=303)
    new_eids = [str(v) for v in form.getlist("new_eid") if str(v)]
    pins = load_pins(db, old, new) | {old_eid: new_eids}
    try:
        diff(old_doc, new_doc, pins=pins)
    except PinError as e:
        raise HTTPException(400, f"不能这样指定：{e}") from None
    save_pin(db, old, new, old_eid, new_eids, by=user.username)
    deps.audit(request, user, "pin", f"{old}→{new} {old_eid} → {','.join(new_eids) or '（无对应）'}")
    return RedirectResponse(back, status_code=303)


@router.get("/history")
def history(request: Request, user: deps.CurrentUser, store: deps.StoreDep, doc: str,
            article: str) -> Response:
    from toolkit.versions.diff import KIND_LABELS
    from toolkit.versions.history import ArticleNotFound, article_history

    doc_id = _rule(store, doc)
    key = article.strip().removeprefix("第").removesuffix("条")
    if not key.replace("_", "").isdigit():
        from extractors.normalize import cn_to_int

        n = cn_to_int(key)
        if n is None:
            raise HTTPException(400, f"不是条号：{article}（如 11 或 第十一条）")
        key = str(n)
    try:
        h = article_history(store, doc_id, key)
    except ArticleNotFound as e:
        raise HTTPException(404, str(e)) from None
    return deps.render(request, "history.html", h=h, kinds=KIND_LABELS, node_url=node_url,
                       article=article)
