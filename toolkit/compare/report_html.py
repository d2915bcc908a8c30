"""A self-contained, offline HTML comparison report.

One file, inline CSS, no scripts, fonts or images from anywhere: it opens the same on a laptop
without network. First the key-differences table, then the article matrix (one column per
document; the first document of a row is the reference and every other column shows its
redline against it: deletions struck through in red, insertions underlined in green), then the
provisions only one document has. Every provision cell carries ``id="{doc}--{eId}"`` so a link
like ``compare.html#gd-measure--chp_2__art_9`` opens at the article.

What a reader sees is in Chinese and cites articles as printed: a parameter cell prints its
bound (不满3年, 3个月以内) and the article (第十二条) as the link into the matrix; a region that
states nothing reads 未规定; each matrix row says how close its provisions are and which whole
words they share (``reasons.py``), and a weak row is marked. Internal keys stay in attributes.
"""

from __future__ import annotations

from html import escape

from toolkit import standing
from toolkit.compare.align import Alignment, DocInfo, Row
from toolkit.compare.params_table import ParamRow, alignment_parameters, provision_of, wording
from toolkit.compare.parts import excerpt
from toolkit.compare.reasons import RowReason, part_text, row_reasons, weak_legend
from toolkit.compare.redline import Op, row_redlines
from toolkit.standing import KIND_HEADING, LEVEL_HEADING

CSS = """
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; margin: 1.5em; color: #111; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: .35em .5em; vertical-align: top; font-size: .92em; }
th { background: #f0f0f0; position: sticky; top: 0; }
td.num { width: 3em; text-align: right; color: #666; }
td.why { width: 18%; font-size: .8em; color: #444; }
.label { font-weight: bold; margin-bottom: .2em; }
.label a { color: inherit; text-decoration: none; }
.text { white-space: pre-wrap; line-height: 1.55; }
.prov + .prov { margin-top: .6em; padding-top: .4em; border-top: 1px dashed #ccc; }
ins { background: #d9f5d9; color: #0a5a12; text-decoration: underline; }
del { background: #fadcdc; color: #8f1a1a; text-decoration: line-through; }
.quote { font-size: .8em; color: #555; margin-top: .2em; }
tr.different td.status { color: #8f1a1a; font-weight: bold; }
tr.same td.status { color: #0a5a12; }
tr.partial td.status, tr.only td.status { color: #7a5b00; }
.value { font-weight: bold; }
.cite { font-size: .85em; margin-left: .3em; }
td.silent { color: #7a5b00; font-style: italic; }
.score { font-weight: bold; }
.empty { color: #aaa; }
tr.weak td { background: #fff8e1; }
.weak-mark { display: inline-block; color: #fff; background: #b26a00; border-radius: 3px; padding: 0 .3em;
             font-size: .85em; margin-right: .3em; }
.why p { margin: 0 0 .3em; }
.docs td { font-size: .9em; }
.legend { font-size: .85em; color: #444; }
mark { background: #fff0a8; color: inherit; }
.part .text { color: #444; }
.part .label a { font-weight: normal; font-style: italic; }
"""


def anchor(doc_id: str, eid: str) -> str:
    return f"{doc_id}--{eid}"


def _ops_html(ops: list[Op]) -> str:
    out = []
    for op in ops:
        text = escape(op.text)
        out.append(text if op.kind == "equal" else f"<ins>{text}</ins>" if op.kind == "insert" else f"<del>{text}</del>")
    return "".join(out)


def _split_ops(ops: list[Op], lengths: list[int]) -> list[list[Op]]:
    """Cut a redline at the boundaries between the other document's provisions.

    ``lengths`` are the provisions' lengths on the other side, each followed by one "\\n"
    separator (not the last); deletions go to the provision the next other-side character is in.
    """
    bounds, pos = [], 0
    for k, n in enumerate(lengths):
        pos += n + (1 if k < len(lengths) - 1 else 0)
        bounds.append(pos)
    parts: list[list[Op]] = [[] for _ in lengths]
    at, k = 0, 0
    for op in ops:
        text = op.text
        if op.kind == "delete":
            while k < len(bounds) - 1 and at >= bounds[k]:
                k += 1
            parts[k].append(op)
            continue
        while text:
            while k < len(bounds) - 1 and at >= bounds[k]:
                k += 1
            room = bounds[k] - at if k < len(bounds) - 1 else len(text)
            chunk, text = text[:room], text[room:]
            parts[k].append(Op(op.kind, chunk))
            at += len(chunk)
    for k, part in enumerate(parts[:-1]):  # the separator newline is not part of the provision
        last = max((i for i, o in enumerate(part) if o.kind != "delete"), default=None)
        if last is not None and part[last].text.endswith("\n"):
            trimmed = part[last].text[:-1]
            parts[k] = part[:last] + ([Op(part[last].kind, trimmed)] if trimmed else []) + part[last + 1 :]
    return parts


def _parts(row: Row, doc_id: str) -> list[str]:
    """A provision of another row shown here for one of its parts: its label (linking to its own
    row) and the sentence that matches, the matching words marked; the rest of the article is cut."""
    blocks = []
    for part in row.parts.get(doc_id, []):
        p = part.provision
        before, quote, after = excerpt(part)
        blocks.append(f'<div class="prov part" data-eid="{escape(p.eid)}"><div class="label">'
                      f'<a href="#{escape(anchor(doc_id, p.eid))}">{escape(p.label)}（{escape(wording()["part"])}）</a>'
                      f'</div><div class="text">{escape(before)}<mark>{escape(quote)}</mark>{escape(after)}</div></div>')
    return blocks


def _cell(row: Row, doc_id: str, ops: list[Op] | None) -> str:
    ps = row.members.get(doc_id)
    if not ps:
        parts = _parts(row, doc_id)
        return f'<td class="cell">{"".join(parts)}</td>' if parts else '<td class="empty">—</td>'
    pieces = _split_ops(ops, [len(p.body) for p in ps]) if ops is not None else [[Op("equal", p.body)] for p in ps]
    blocks = []
    for p, part in zip(ps, pieces, strict=True):
        aid = anchor(doc_id, p.eid)
        blocks.append(f'<div class="prov" id="{escape(aid)}" data-eid="{escape(p.eid)}">'
                      f'<div class="label"><a href="#{escape(aid)}">{escape(p.label)}</a></div>'
                      f'<div class="text">{_ops_html(part)}</div></div>')
    return f'<td class="cell">{"".join(blocks + _parts(row, doc_id))}</td>'


def doc_heading(d: DocInfo) -> str:
    """A column heading: the document's short name (广东办法), else its title."""
    return d.short or d.title


def _parameters(alignment: Alignment, parameters: list[ParamRow]) -> str:
    docs = alignment.documents
    silent = wording()["silent"]
    head = "".join(f"<th>{escape(doc_heading(d))}</th>" for d in docs)
    rows = []
    for p in parameters:
        cells = []
        for d in docs:
            v = p.values.get(d.id)
            if v is None:
                cells.append(f'<td class="silent" data-doc="{escape(d.id)}">{escape(silent)}</td>')
                continue
            target = provision_of(alignment, d.id, v.eid) or v.eid
            cells.append(f'<td data-doc="{escape(d.id)}"><span class="value">{escape(v.bound())}</span>'
                         f'<a class="cite" href="#{escape(anchor(d.id, target))}" data-eid="{escape(v.eid)}">'
                         f'{escape(v.label or v.eid)}</a>'
                         f'<div class="quote">{escape(v.quote)}</div></td>')
        rows.append(f'<tr id="param-{escape(p.key)}" class="{p.status}" data-key="{escape(p.key)}">'
                    f'<td><div class="label">{escape(p.label)}</div></td>{"".join(cells)}'
                    f'<td class="status">{escape(p.status_label)}</td></tr>')
    return (f'<table class="params"><thead><tr><th>参数</th>{head}<th style="width:6em">比较</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _why(row: Row, reason: RowReason | None, alignment: Alignment) -> str:
    kind = wording()["kinds"].get(row.kind, row.kind)
    mark = '<span class="weak-mark">弱匹配</span>' if reason is not None and reason.weak else ""
    lines = "".join(f"<p>{escape(p.text(alignment))}</p>" for p in (reason.pairs if reason else []))
    lines += "".join(f'<p class="part">{escape(part_text(p, alignment))}</p>'
                     for ps in row.parts.values() for p in ps)
    return (f'<td class="why" title="{escape(row.reason)}">{mark}<span class="score">{row.score:.2f}</span> '
            f'{escape(kind)}{lines}</td>')


def _matrix(alignment: Alignment) -> str:
    docs = alignment.documents
    base = alignment.baseline
    head = "".join(f"<th>{escape(doc_heading(d))}</th>" for d in docs)
    if base is not None:
        head += f"<th>基准 {escape(doc_heading(base))}</th>"
    reasons = row_reasons(alignment)
    rows, seen_base = [], set()
    for number, row in enumerate(alignment.rows, 1):
        if not row.shown:
            continue
        redlines = row_redlines(row.members)
        ref = row.docs[0]
        cells = "".join(_cell(row, d.id, None if d.id == ref else redlines.get(d.id)) for d in docs)
        if base is not None:
            b = row.baseline
            if b is None:
                cells += '<td class="empty">—</td>'
            else:
                blocks = []
                for p in b.provisions:
                    aid = anchor(b.doc_id, p.eid)
                    ident = f' id="{escape(aid)}"' if aid not in seen_base else ""
                    seen_base.add(aid)
                    blocks.append(f'<div class="prov"{ident} data-eid="{escape(p.eid)}"><div class="label">'
                                  f'{escape(p.label)} <small>{b.score:.2f}</small></div>'
                                  f'<div class="text">{escape(p.body)}</div></div>')
                cells += f'<td class="cell">{"".join(blocks)}</td>'
        reason = reasons.get(number)
        weak = ' class="weak"' if reason is not None and reason.weak else ""
        rows.append(f'<tr id="row-{number}"{weak}><td class="num">{number}</td>{cells}'
                    f'{_why(row, reason, alignment)}</tr>')
    return (f'<table class="matrix"><thead><tr><th style="width:3em">#</th>{head}<th style="width:18%">相似度与理由</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _only(alignment: Alignment) -> str:
    parts = []
    for d in alignment.documents:
        rows = alignment.only_rows(d.id)
        if not rows:
            continue
        cells = "".join(f"<tr>{_cell(r, d.id, None)}</tr>" for r in rows)
        parts.append(f'<h3>{escape(d.title)}（{len(rows)}）</h3>'
                     f'<table class="only"><tbody>{cells}</tbody></table>')
    return "".join(parts) or "<p>无。</p>"


def _doc_row(alignment: Alignment, d: DocInfo, role: str) -> str:
    """One compared document in the header: its role, title, 文号, kind of law and level."""
    st = standing.of(alignment.docs.get(d.id))
    cells = (role, d.title, d.doc_number or "", st.legal_kind or "—", st.level_label or "—")
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def render_html(alignment: Alignment, parameters: list[ParamRow] | None = None) -> str:
    parameters = alignment_parameters(alignment) if parameters is None else parameters
    docs = "".join(_doc_row(alignment, d, doc_heading(d)) for d in alignment.documents)
    if alignment.baseline is not None:
        docs += _doc_row(alignment, alignment.baseline, "基准")
    title = "定点管理规定对照：" + "、".join(d.short or d.tag for d in alignment.documents)
    aligned = len(alignment.aligned_rows)
    in_part = sum(1 for r in alignment.rows if r.parts)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<table class="docs"><thead><tr><th>简称</th><th>标题</th><th>文号</th><th>{KIND_HEADING}</th>'
        f'<th>{LEVEL_HEADING}</th></tr></thead><tbody>{docs}</tbody></table>'
        f'<p class="legend">每行第一个文件为参照；其他各列为相对参照的修改：<del>删除</del> <ins>新增</ins>。'
        f"按内容对齐（非按条号），{aligned} 行对齐。"
        f"一条规定几件事的，按款、句对齐：该条也列入其各部分所属的行（标“{escape(wording()['part'])}”，"
        f"<mark>标出</mark>对应的文字），共 {in_part} 行。"
        f"“{escape(wording()['silent'])}”：该文件没有规定这一参数的条文。"
        f'<span class="weak-mark">弱匹配</span>{escape(weak_legend().removeprefix("弱匹配"))}</p>'
        f'<h2 id="parameters">关键参数差异</h2>{_parameters(alignment, parameters)}'
        f'<h2 id="matrix">条文对照</h2>{_matrix(alignment)}'
        f'<h2 id="only">仅一方规定的条文</h2>{_only(alignment)}'
        "</body></html>\n"
    )


def html_bytes(alignment: Alignment, parameters: list[ParamRow] | None = None) -> bytes:
    return render_html(alignment, parameters).encode("utf-8")
