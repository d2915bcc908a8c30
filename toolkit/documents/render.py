"""Render a document: case → context → docxtpl template → DOCX, written atomically.

The Jinja environment is strict and escaping: a missing variable is an error (never a blank), and
case text is data, never template code: ``<``, ``&``, ``{{ }}`` and ``{% %}`` in a case appear
literally in the document. Outputs go through a temporary file and ``os.replace``, so a failed
render leaves nothing behind.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from pydantic import BaseModel, ValidationError

from toolkit.corpus import Corpus
from toolkit.documents import gbt9704 as G
from toolkit.documents.basis import Basis, DocumentError
from toolkit.documents.cases import CaseError, explain
from toolkit.documents.context import text_width
from toolkit.documents.decision import Decision, mismatches
from toolkit.documents.doctypes import TYPES, DocType
from toolkit.fileio import write_new

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class Result:
    path: Path
    doc_type: str
    warnings: list[str] = field(default_factory=list)


class _Env(jinja2.Environment):
    """docxtpl compiles a part's whole XML with ``from_string`` on every render; the XML of a
    template part is the same each time, so its compiled form is kept (most of a render's cost)."""

    MAX_CACHED = 64

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) >= self.MAX_CACHED:
                self._compiled.clear()
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


@cache
def jinja_env() -> jinja2.Environment:
    """The strict, escaping environment (one per process, with its compiled templates)."""
    return _Env()


class _Template(DocxTemplate):
    """docxtpl's template, with ``patch_xml`` (a pure function of the part's XML: regex clean-up
    of tags split across runs) remembered per part, as the parts never change between renders."""

    _patched: dict[str, str] = {}

    def patch_xml(self, src_xml: str) -> str:
        patched = self._patched.get(src_xml)
        if patched is None:
            if len(self._patched) >= 64:
                self._patched.clear()
            patched = self._patched[src_xml] = super().patch_xml(src_xml)
        return patched


@cache
def _template_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DocumentError(f"{path}: 模板不存在（运行 python templates/build_templates.py 生成）")
    return path.read_bytes()


def render_bytes(template: Path, context: dict[str, Any]) -> bytes:
    """Render ``template`` with ``context``; StrictUndefined turns a missing field into an error."""
    tpl = _Template(io.BytesIO(_template_bytes(template)))
    try:
        tpl.render(context, jinja_env=jinja_env(), autoescape=True)
    except jinja2.UndefinedError as e:
        raise DocumentError(f"{template.name}: 模板需要的字段缺失：{e.message}") from None
    except jinja2.TemplateError as e:
        raise DocumentError(f"{template.name}: 模板错误：{e}") from None
    centre_signature(tpl.docx)
    keep_signature_with_body(tpl.docx)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def centre_signature(doc) -> None:
    """Centre the 署名 over the 成文日期 (which ends four characters from the right margin).

    Both are right-aligned; the signature gets the extra right indent that puts its centre over
    the date's centre, computed from the rendered text widths.
    """
    # Style ids equal the names for our PK- styles; reading pStyle directly avoids python-docx's
    # slow style lookups (a third of a render's time otherwise).
    def style_id(p_el) -> str | None:
        ps = p_el.find(f"{_W}pPr/{_W}pStyle")
        return ps.get(qn("w:val")) if ps is not None else None

    def text(p_el) -> str:
        return "".join(t.text or "" for t in p_el.iter(f"{_W}t"))

    paras = list(doc.element.body.iter(f"{_W}p"))
    dates = [p for p in paras if style_id(p) == G.S_DATE]
    if not dates:
        return
    date_width = text_width(text(dates[-1]))
    for p in paras:
        if style_id(p) != G.S_SIGNATURE:
            continue
        extra = max(0.0, (date_width - text_width(text(p))) / 2)
        chars = G.DATE_RIGHT_CHARS + extra
        ppr = p.get_or_add_pPr()
        ind = ppr.find(qn("w:ind"))
        if ind is None:
            ind = OxmlElement("w:ind")
            ppr.append(ind)
        ind.set(qn("w:rightChars"), str(round(chars * 100)))
        ind.set(qn("w:right"), str(round(chars * G.BODY_SIZE_PT * 20)))


def _style_id(p_el) -> str | None:
    ps = p_el.find(f"{_W}pPr/{_W}pStyle")
    return ps.get(qn("w:val")) if ps is not None else None


def _text(p_el) -> str:
    return "".join(t.text or "" for t in p_el.iter(f"{_W}t"))


def _keep_with_next(p_el) -> None:
    ppr = p_el.find(f"{_W}pPr")
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p_el.insert(0, ppr)
    if ppr.find(f"{_W}keepNext") is None:
        keep = OxmlElement("w:keepNext")
        style = ppr.find(f"{_W}pStyle")
        # CT_PPr order: pStyle, keepNext, … (Word rejects a misplaced child)
        if style is not None:
            style.addnext(keep)
        else:
            ppr.insert(0, keep)


CLOSINGS = ("特此",)  # 特此通知。特此决定。特此告知。: the closing formula, not body text


def keep_signature_with_body(doc) -> None:
    """GB/T 9704 7.3.5.1: the 署名 and 成文日期 never stand on a page with nothing but the closing
    formula (特此通知。) above them. The template keeps the closing, the blank lines and the 署名
    together; here the last body paragraph joins them (LibreOffice and Word then carry its last
    lines over, widow control keeping at least two), a lead-in ending in "：" stays with what it
    introduces, and a 附注 after the date stays on the date's page."""
    paras = list(doc.element.body.iter(f"{_W}p"))
    signatures = [i for i, p in enumerate(paras) if _style_id(p) == G.S_SIGNATURE]
    dates = [i for i, p in enumerate(paras) if _style_id(p) == G.S_DATE]
    for p in paras:
        if _text(p).rstrip().endswith("："):
            _keep_with_next(p)
    if not signatures or not dates:
        return
    filled = [i for i in range(signatures[0]) if _text(paras[i]).strip()]
    closings = [i for i in filled if _text(paras[i]).strip().startswith(CLOSINGS)]
    before = [i for i in filled if closings and i < closings[-1]]
    # At least two lines of body go with the closing: a one-line last paragraph brings the one
    # before it (lines estimated from the text width: 28 characters a line, 2 of indent).
    lines, start = 0.0, None
    for i in reversed(before):
        start = i
        lines += max(1.0, -(-(text_width(_text(paras[i])) + 2) // G.CHARS_PER_LINE))
        if lines >= 2:
            break
    if start is not None:
        for i in range(start, closings[-1]):
            _keep_with_next(paras[i])
    after = next((i for i in range(dates[-1] + 1, len(paras)) if _text(paras[i]).strip()), None)
    if after is not None and _text(paras[after]).startswith("（联系人"):
        _keep_with_next(paras[dates[-1]])


_UNSAFE = re.compile(r"[\\/:*?\"<>|\s]+")


def output_name(doc_type: str, case: BaseModel) -> str:
    number = getattr(case, "doc_number", None) or getattr(case, "agreement_no", None)
    if not number:  # a draft: the 文号 comes when it is issued
        case_id = getattr(case, "case_id", None)
        number = f"{case_id}_草稿" if case_id else "草稿"
    return f"{doc_type}_{_UNSAFE.sub('_', number)}.docx"


def with_date(case: BaseModel, on: date, source: str = "--date") -> BaseModel:
    """The case re-validated with another 成文日期 (cross-field checks run again)."""
    model = type(case)
    try:
        return model.model_validate({**case.model_dump(), "date": on})
    except ValidationError as e:
        raise CaseError(source, explain(model, e)) from None


def pharmacy(case: BaseModel) -> bool:
    party = getattr(case, "applicant", None) or getattr(case, "institution", None)
    return getattr(party, "kind", None) == "零售药店"


def build_context(doc: DocType, case: BaseModel, corpus: Corpus,
                  decision: Decision | None = None) -> tuple[dict[str, Any], list[str]]:
    if decision is not None:
        if not doc.decision:
            raise DocumentError(f"{doc.name}（{doc.key}）不接受决定文件（--from-decision）")
        if decision.type and decision.type != doc.key:
            raise DocumentError(f"决定文件的类型是 {decision.type!r}，不是 {doc.key!r}")
        if decision.region and decision.region != case.region:
            raise DocumentError(f"决定文件的地区是 {decision.region!r}，案件文件的地区是 {case.region!r}")
        problems = mismatches(decision, case)
        if problems:
            raise DocumentError("决定文件与案件不符：" + "；".join(problems))
    basis = Basis(corpus, case.region, case.date, pharmacy=pharmacy(case))
    return doc.build(case, basis, decision)


def generate(doc_type: str, case: BaseModel, corpus: Corpus, out_dir: Path, *,
             decision: Decision | None = None, on: date | None = None) -> Result:
    """Fill in one document and write it to ``out_dir`` (atomically). Raises DocumentError,
    CaseError; nothing is written unless everything succeeded."""
    doc = TYPES.get(doc_type)
    if doc is None:
        raise DocumentError(f"未知的文书类型 {doc_type!r}（可用：{'、'.join(TYPES)}）")
    if case.type != doc_type:
        raise DocumentError(f"案件文件的类型是 {case.type!r}，不是 {doc_type!r}")
    if on is not None:
        case = with_date(case, on)
    context, warnings = build_context(doc, case, corpus, decision)
    data = render_bytes(doc.template, context)
    # never over an earlier draft: a second `refusal_草稿.docx` becomes `refusal_草稿-2.docx`
    path = write_new(Path(out_dir) / output_name(doc_type, case), data)
    return Result(path, doc_type, warnings)
