"""The comparison in a terminal (rich): key differences, the article matrix, region-only lists.

The matrix shows each row's provisions, score and reason; ``redlines=True`` adds every aligned
row's text with its redline against the row's reference (red struck = deleted, green underlined
= inserted), which is long: the HTML and DOCX reports are the place to read whole articles.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from toolkit.compare.align import Alignment, names
from toolkit.compare.params_table import ParamRow, alignment_parameters
from toolkit.compare.redline import row_redlines

STATUS = {"same": ("相同", "green"), "different": ("不同", "bold red"), "only": ("仅一方", "dim")}
STYLE = {"equal": "", "delete": "red strike", "insert": "green underline"}


def parameters_table(alignment: Alignment, parameters: list[ParamRow]) -> Table:
    table = Table(title="关键参数差异", show_lines=False, expand=True)
    table.add_column("参数", ratio=3)
    for d in alignment.documents:
        table.add_column(f"{d.tag} {d.short or ''}".strip(), ratio=2)
    table.add_column("比较", ratio=1)
    for p in parameters:
        cells = []
        for d in alignment.documents:
            v = p.values.get(d.id)
            cells.append(Text("—", style="dim") if v is None else
                         Text.assemble((v.display(), "bold"), (f" {v.bound()}" if v.comparator else "", "dim"),
                                       (f"\n{alignment_label(alignment, d.id, v.eid)}", "dim")))
        word, style = STATUS[p.status]
        table.add_row(Text.assemble(p.label, (f"\n{p.key}", "dim")), *cells, Text(word, style=style))
    return table


def alignment_label(alignment: Alignment, doc_id: str, eid: str) -> str:
    """A short citation for a node: the label of the provision holding it, else the eId."""
    for row in alignment.rows:
        for p in row.members.get(doc_id, []):
            if p.holds(eid):
                return p.label
    return eid


def matrix_table(alignment: Alignment) -> Table:
    table = Table(title="条文对照（按内容对齐）", expand=True)
    table.add_column("#", justify="right", ratio=1)
    for d in alignment.documents:
        table.add_column(f"{d.tag} {d.short or ''}".strip(), ratio=3)
    if alignment.baseline is not None:
        table.add_column(f"基准 {alignment.baseline.short or alignment.baseline.tag}", ratio=2)
    table.add_column("相似度与理由", ratio=8)
    for number, row in enumerate(alignment.rows, 1):
        if not row.aligned:
            continue
        cells = [Text(" + ".join(p.label for p in row.members.get(d.id, [])) or "—",
                      style="" if d.id in row.members else "dim") for d in alignment.documents]
        if alignment.baseline is not None:
            b = row.baseline
            cells.append(Text("—", style="dim") if b is None else Text(f"{b.provisions[0].label} {b.score:.2f}"))
        table.add_row(str(number), *cells, Text.assemble((f"{row.score:.2f} ", "bold"), (row.reason, "dim")))
    return table


def only_panel(alignment: Alignment) -> Group:
    parts = []
    for d in alignment.documents:
        rows = alignment.only_rows(d.id)
        if rows:
            labels = "、".join(p.label for r in rows for p in r.members[d.id])
            parts.append(Text.assemble((f"仅 {d.tag}（{len(rows)}）：", "bold"), labels))
    return Group(*parts) if parts else Group(Text("无"))


def redline_panels(alignment: Alignment) -> list[Panel]:
    panels = []
    for number, row in enumerate(alignment.rows, 1):
        if not row.aligned:
            continue
        redlines = row_redlines(row.members)
        body = []
        for doc_id, ops in redlines.items():
            tag = alignment.info(doc_id).tag
            text = Text(f"{names(tag, row.members[doc_id])}: ", style="bold")
            for op in ops:
                text.append(op.text, style=STYLE[op.kind])
            body.append(text)
        panels.append(Panel(Group(*body), title=f"#{number} {row.score:.2f}", title_align="left"))
    return panels


def print_report(alignment: Alignment, console: Console | None = None, *, redlines: bool = False,
                 parameters: list[ParamRow] | None = None) -> None:
    console = console or Console()
    parameters = alignment_parameters(alignment) if parameters is None else parameters
    for d in alignment.documents:
        console.print(Text.assemble((f"{d.tag} ", "bold"), f"《{d.title}》", (f" {d.doc_number or ''}", "dim"),
                                    (f" ({d.id})", "dim")))
    if alignment.baseline is not None:
        b = alignment.baseline
        console.print(Text.assemble(("基准 ", "bold"), f"《{b.title}》", (f" ({b.id})", "dim")))
    console.print(parameters_table(alignment, parameters))
    console.print(matrix_table(alignment))
    console.print(Panel(only_panel(alignment), title="仅一方规定的条文", title_align="left"))
    if redlines:
        for panel in redline_panels(alignment):
            console.print(panel)
