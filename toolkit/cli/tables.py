"""Tables that stay readable in an 80-column terminal or a pipe.

rich squeezes every column of a table that is too wide until each is one character (the `list`
of nine columns at 80 columns was unreadable). Here each column says how narrow it may get and
how expendable it is; columns are dropped, most expendable first, until the rest fit, and the
caption names what was left out and that ``--wide`` shows everything. With ``wide`` nothing is
dropped or cut: the console is made as wide as the table needs (a pipe gets whole lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

BORDER = 3  # a column's share of borders and padding in rich's default box


@dataclass(frozen=True)
class Column:
    header: str
    min_width: int  # below this the column is dropped rather than squeezed
    priority: int = 0  # 0: always shown; higher numbers are dropped first
    fold: bool = False  # long text folds onto further lines (else one line, cut with …)
    justify: str = "left"
    style: str | None = None
    shrink: bool = True  # False: never narrower than its longest cell (ids people copy)


def _text_width(cell: RenderableType) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _naturals(columns: Sequence[Column], rows: Sequence[Sequence[RenderableType]]) -> list[int]:
    return [max([cell_len(c.header)] + [_text_width(r[i]) for r in rows]) for i, c in enumerate(columns)]


def natural_width(columns: Sequence[Column], rows: Sequence[Sequence[RenderableType]]) -> int:
    """Columns the table takes when nothing is folded."""
    return sum(_naturals(columns, rows)) + BORDER * len(columns) + 1


def _least(column: Column, natural: int) -> int:
    return natural if not column.shrink else min(natural, max(column.min_width, cell_len(column.header)))


def widths(columns: Sequence[Column], naturals: list[int], width: int) -> list[int]:
    """Each column's width in ``width`` terminal columns: natural widths when they fit; else the
    one-line columns shrink toward their minimum, widest first, and folding columns share what is
    left in proportion to their natural widths."""
    room = width - BORDER * len(columns) - 1
    if sum(naturals) <= room:
        return list(naturals)
    out = list(naturals)
    folding = [i for i, c in enumerate(columns) if c.fold]
    least = [_least(c, n) for c, n in zip(columns, naturals, strict=True)]
    for i in folding:
        out[i] = least[i]
    over = sum(out) - room
    for i in sorted((i for i in range(len(columns)) if i not in folding), key=lambda i: -out[i]):
        if over <= 0:
            break
        cut = min(over, out[i] - least[i])
        out[i] -= cut
        over -= cut
    spare = room - sum(out)
    if spare > 0 and folding:
        want = {i: naturals[i] - out[i] for i in folding}
        total = sum(want.values()) or 1
        for i in folding:
            out[i] += min(want[i], spare * want[i] // total)
    return out


def keep(columns: Sequence[Column], rows: Sequence[Sequence[RenderableType]], width: int) -> list[int]:
    """Indexes of the columns shown in ``width`` terminal columns, in table order."""
    shown = list(range(len(columns)))
    naturals = _naturals(columns, rows)

    def need(idx: list[int]) -> int:
        return 1 + sum(_least(columns[i], naturals[i]) + BORDER for i in idx)

    for i in sorted((i for i, c in enumerate(columns) if c.priority), key=lambda i: (-columns[i].priority, -i)):
        if need(shown) <= width:
            break
        shown.remove(i)
    return shown


def fitted(columns: Sequence[Column], rows: Sequence[Sequence[RenderableType]], *, width: int,
           wide: bool = False, title: str | None = None, caption: str | None = None) -> Table:
    """The table for ``width`` columns (every column when ``wide``)."""
    shown = list(range(len(columns))) if wide else keep(columns, rows, width)
    dropped = [columns[i].header for i in range(len(columns)) if i not in shown]
    notes = [caption] if caption else []
    if dropped:
        notes.append(f"未显示：{'、'.join(dropped)}（--wide 显示全部列）")
    table = Table(title=title, caption="\n".join(notes) or None, expand=False)
    cols = [columns[i] for i in shown]
    sizes = widths(cols, [n for i, n in enumerate(_naturals(columns, rows)) if i in shown],
                   10**6 if wide else width)
    for c, size in zip(cols, sizes, strict=True):
        table.add_column(c.header, width=size, overflow="fold" if c.fold or wide else "ellipsis",
                         no_wrap=not (c.fold or wide), justify=c.justify, style=c.style)
    for r in rows:
        table.add_row(*(r[i] for i in shown))
    return table


def print_table(console: Console, columns: Sequence[Column], rows: Sequence[Sequence[RenderableType]], *,
                wide: bool = False, title: str | None = None, caption: str | None = None) -> None:
    """Print the fitted table; with ``wide``, on a console as wide as the table needs."""
    if wide:
        need = max(natural_width(columns, rows), cell_len(title or ""))
        console = Console(file=console.file, width=max(console.width, need), highlight=False, soft_wrap=False,
                          no_color=console.no_color, force_terminal=console.is_terminal)
    console.print(fitted(columns, rows, width=console.width, wide=wide, title=title, caption=caption))
