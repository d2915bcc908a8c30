"""The comparison in a terminal (rich): key differences, the article matrix, region-only lists.

Everything is cited as printed (第九条第（五）项, never an eId) and worded as in the HTML report:
bounds in words (不满3年), 未规定 for a silent region, each row's closeness and shared words, weak
rows marked 弱. Columns are sized for the console (80 columns in a pipe): the reason column folds,
``redlines=True`` adds every aligned row's text with its redline against the row's reference (red
struck = deleted, green underlined = inserted), which is long: the HTML and DOCX reports are the
place to read whole articles.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from toolkit import standing
from toolkit.citations import node_label
from toolkit.compare.align import Alignment, DocInfo
from toolkit.compare.params_table import ParamRow, alignment_parameters, wording
from toolkit.compare.reasons import part_text, row_reasons, weak_legend
from toolkit.compare.redline import row_redlines

STATUS_STYLE = {"same": "green", "different": "bold red", "partial": "yellow", "only": "dim"}
STYLE = {"equal": "", "delete": "red strike", "insert": "green underline"}


def heading(d: DocInfo) -> str:
    return d.short or d.title


def parameters_table(alignment: Alignment, parameters: list[ParamRow]) -> Table:
    table = Table(title="关键参数差异", show_lines=False, expand=True)
    table.add_column("参数", ratio=3, overflow="fold")
    for d in alignment.documents:
        table.add_column(heading(d), ratio=2, overflow="fold")
    table.add_column("比较", ratio=1, overflow="fold")
    silent = wording()["silent"]
    for p in parameters:
        cells = []
        for d in alignment.documents:
            v = p.values.get(d.id)
            cells.append(Text(silent, style="yellow italic") if v is None else
                         Text.assemble((v.bound(), "bold"), (f"\n{v.label or alignment_label(alignment, d.id, v.eid)}",
                                                             "dim")))
        table.add_row(p.label, *cells, Text(p.status_label, style=STATUS_STYLE[p.status]))
    return table


def alignment_label(alignment: Alignment, doc_id: str, eid: str) -> str:
    """The citation of a node as printed (第十七条第（一）项), from the document's tree."""
    doc = alignment.docs.get(doc_id)
    if doc is not None:
        return node_label(doc, eid)
    for row in alignment.rows:
        for p in row.members.get(doc_id, []):
            if p.holds(eid):
                return p.label
    return eid


def matrix_table(alignment: Alignment) -> Table:
    table = Table(title="条文对照（按内容对齐）", expand=True)
    table.add_column("#", justify="right", width=3)
    for d in alignment.documents:
        table.add_column(heading(d), ratio=3, overflow="fold")
    if alignment.baseline is not None:
        table.add_column(f"基准 {heading(alignment.baseline)}", ratio=2, overflow="fold")
    table.add_column("相似度与理由", ratio=6, overflow="fold")
    reasons = row_reasons(alignment)
    part_word = wording()["part"]
    for number, row in enumerate(alignment.rows, 1):
        if not row.shown:
            continue
        cells = []
        for d in alignment.documents:
            cell = Text("、".join(p.label for p in row.members.get(d.id, [])),
                        style="" if d.id in row.members else "dim")
            for part in row.parts.get(d.id, []):  # a multi-topic article shown for one of its parts
                cell.append(("、" if cell.plain else "") + f"{part.provision.label}（{part_word}）", style="italic")
            cells.append(cell if cell.plain else Text("—", style="dim"))
        if alignment.baseline is not None:
            b = row.baseline
            cells.append(Text("—", style="dim") if b is None else Text(f"{b.provisions[0].label} {b.score:.2f}"))
        reason = reasons.get(number)
        weak = reason is not None and reason.weak
        why = Text()
        if weak:
            why.append("弱匹配 ", style="bold yellow")
        why.append(f"{row.score:.2f}", style="bold")
        for pair in reason.pairs if reason else []:
            why.append("\n" + pair.text(alignment), style="dim")
        for part in (p for ps in row.parts.values() for p in ps):
            why.append("\n" + part_text(part, alignment), style="dim")
        table.add_row(str(number), *cells, why, style="on grey15" if weak else None)
    return table


def only_panel(alignment: Alignment) -> Group:
    parts = []
    for d in alignment.documents:
        rows = alignment.only_rows(d.id)
        if rows:
            labels = "、".join(p.label for r in rows for p in r.members[d.id])
            parts.append(Text.assemble((f"仅{heading(d)}（{len(rows)}）：", "bold"), labels))
    return Group(*parts) if parts else Group(Text("无"))


def redline_panels(alignment: Alignment) -> list[Panel]:
    panels = []
    for number, row in enumerate(alignment.rows, 1):
        if not row.aligned:
            continue
        redlines = row_redlines(row.members)
        body = []
        for doc_id, ops in redlines.items():
            name = heading(alignment.info(doc_id))
            text = Text(f"{name} {'、'.join(p.label for p in row.members[doc_id])}：", style="bold")
            for op in ops:
                text.append(op.text, style=STYLE[op.kind])
            body.append(text)
        panels.append(Panel(Group(*body), title=f"#{number} {row.score:.2f}", title_align="left"))
    return panels


def _doc_line(alignment: Alignment, d: DocInfo, role: str) -> Text:
    """广东办法 《title》 文号 效力级别：规范性文件；层级：省级."""
    said = standing.of(alignment.docs.get(d.id)).labelled()
    return Text.assemble((f"{role} ", "bold"), f"《{d.title}》", (f" {d.doc_number}" if d.doc_number else "", "dim"),
                         (f" {said}" if said else "", "dim"))


def print_report(alignment: Alignment, console: Console | None = None, *, redlines: bool = False,
                 parameters: list[ParamRow] | None = None) -> None:
    console = console or Console()
    parameters = alignment_parameters(alignment) if parameters is None else parameters
    for d in alignment.documents:
        console.print(_doc_line(alignment, d, heading(d)))
    if alignment.baseline is not None:
        console.print(_doc_line(alignment, alignment.baseline, "基准"))
    console.print(parameters_table(alignment, parameters))
    console.print(Text(f"{wording()['silent']}：该文件没有规定这一参数的条文。", style="dim"))
    console.print(matrix_table(alignment))
    console.print(Text(weak_legend(), style="dim"))
    console.print(Panel(only_panel(alignment), title="仅一方规定的条文", title_align="left"))
    if redlines:
        for panel in redline_panels(alignment):
            console.print(panel)
