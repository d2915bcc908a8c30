"""Version commands: ``diff``, ``status``, ``history``.

Thin shells over ``toolkit.versions``: resolve the documents in the store, call the library,
print or write. A problem is one line on stderr: exit 2 for a wrong argument (unknown document
or article, bad date, no store, an output path that cannot be written), 1 for anything else.
Output files are written through a temporary file and ``os.replace``: complete or absent.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from extractors.normalize import cn_to_int
from toolkit import standing
from toolkit.cli.errors import fail as _fail
from toolkit.cli.errors import one_line_errors
from toolkit.cli.lookup import resolve
from toolkit.cli.main import db_path
from toolkit.fileio import atomic_write
from toolkit.store import Store, StoreError


def _known() -> tuple[type[BaseException], ...]:
    from toolkit.manifest import ManifestError
    from toolkit.versions.diff import PinError
    from toolkit.versions.history import ArticleNotFound

    return (StoreError, ManifestError, ArticleNotFound, PinError)


_errors = one_line_errors(_known)





def _store(ctx: click.Context) -> Store:
    return Store(db_path(ctx), create=False)


def _write(path: Path, data: bytes) -> None:
    """Complete or absent (toolkit.fileio); a missing folder is the user's error, not created."""
    path = Path(path)
    if not path.parent.is_dir():
        _fail(f"{path}: folder {path.parent} does not exist")
    atomic_write(path, data, make_parents=False)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


# --- diff ------------------------------------------------------------------------------------

def parse_pins(values: tuple[str, ...]) -> dict[str, list[str]]:
    """``--pin OLD=NEW[,NEW…]`` values as {old: [new…]} (article numbers, 第N条 or eIds, as typed);
    ``OLD=`` says the old article has no counterpart."""
    out: dict[str, list[str]] = {}
    for value in values:
        left, sep, right = value.partition("=")
        left = left.strip()
        if not sep or not left:
            _fail(f"--pin {value!r}: write OLD=NEW, e.g. --pin 11=11 or --pin 12=12,13 (article numbers or eIds)")
        if left in out:
            _fail(f"--pin {value!r}: old article {left} is pinned twice")
        out[left] = [x.strip() for x in right.replace("，", ",").split(",") if x.strip()]
    return out


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--docx", "docx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the 修订前后对照表 as DOCX.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the 对照表 as one self-contained HTML page.")
@click.option("--json", "json_path", help="Write the change set as JSON to a file, or - for stdout.")
@click.option("--unchanged", is_flag=True, help="Also list unchanged articles.")
@click.option("--pin", "pins", multiple=True, metavar="OLD=NEW[,NEW]",
              help="Override the automatic match: old article → new article(s), by number (11, 第十一条) "
                   "or eId; several new ones for a split, OLD= for no counterpart. Repeatable; shown as 人工指定.")
@click.option("--collapse/--no-collapse", default=None,
              help="Fold runs of articles whose number alone changed into one row (HTML: on by default, "
                   "expandable; DOCX and terminal: off).")
@click.option("--wide", is_flag=True, help="Terminal table with every column, nothing cut.")
@click.pass_context
@_errors
def diff_cmd(ctx: click.Context, old: str, new: str, docx_path: Path | None, html_path: Path | None,
             json_path: str | None, unchanged: bool, pins: tuple[str, ...], collapse: bool | None,
             wide: bool) -> None:
    """Article-level changes from OLD to NEW (ids, short names, 文号 or titles)."""
    from toolkit.versions.diff import diff, pins_from_refs
    from toolkit.versions.export import changeset_json

    refs = parse_pins(pins)
    with _store(ctx) as store:
        a, b = store.document(resolve(store, old)), store.document(resolve(store, new))
    if not a.articles() or not b.articles():
        _fail(f"{a.id if not a.articles() else b.id} has no articles to compare")
    from toolkit.versions.pins import load_pins

    # matches a drafter pinned (web 版本对照 or earlier runs) first; --pin overrides them
    saved = load_pins(db_path(ctx), a.id, b.id)
    cs = diff(a, b, pins={**saved, **pins_from_refs(a, b, refs)})
    outputs: list[tuple[Path, bytes]] = []
    if docx_path:
        from toolkit.versions.report_docx import changeset_docx

        outputs.append((docx_path, changeset_docx(cs, unchanged=unchanged, collapse=bool(collapse))))
    if html_path:
        from toolkit.versions.report_html import changeset_html

        outputs.append((html_path, changeset_html(cs, unchanged=unchanged,
                                                  collapse=True if collapse is None else collapse).encode("utf-8")))
    data = json.dumps(changeset_json(cs, unchanged=unchanged), ensure_ascii=False, indent=2) + "\n"
    if json_path and json_path != "-":
        outputs.append((Path(json_path), data.encode("utf-8")))
    for path, _ in outputs:  # every folder checked before any file is written
        if not path.parent.is_dir():
            _fail(f"{path}: folder {path.parent} does not exist")
    for path, blob in outputs:
        _write(path, blob)
    if json_path == "-":
        click.echo(data, nl=False)
        return
    _print_changes(cs, unchanged, bool(collapse), wide)
    for path, _ in outputs:
        click.echo(f"wrote {path}")


def _print_changes(cs: Any, unchanged: bool, collapse: bool, wide: bool) -> None:
    from rich.text import Text

    from toolkit.cli.tables import Column, print_table
    from toolkit.versions.diff import MANUAL_LABEL
    from toolkit.versions.report_html import run_summary, runs, stale_lines, version_rows

    console = _console()
    for label, value in version_rows(cs):
        console.print(Text.assemble((f"{label}：", "bold"), value))
    columns = [Column("原条文", 10, fold=True), Column("修改后条文", 10, fold=True), Column("修改类型", 8, fold=True),
               Column("实质修改", 4, priority=2), Column("修改说明", 14, fold=True, priority=1)]
    rows = []
    shown = [c for c in cs.changes if unchanged or c.kind != "unchanged"]
    for group in runs(shown, collapse):
        if len(group) > 1:
            rows.append(["", "", "条号变更", "否", run_summary(group)])
            continue
        c = group[0]
        kinds = "、".join(c.labels) + (f"（{MANUAL_LABEL}）" if c.manual else "")
        rows.append(["、".join(r.num for r in c.old), "、".join(r.num for r in c.new), kinds,
                     "是" if c.substantive else "否", c.note])
    print_table(console, columns, rows, wide=wide)
    for line in stale_lines(cs):
        console.print(f"引用条文序号待核对：{line}")


# --- status ----------------------------------------------------------------------------------

def _parse_date(value: str) -> date:
    from toolkit.cli.dates import parse_day

    try:
        return parse_day(value)
    except ValueError as e:
        _fail(f"--on: {e}")


@click.command("status")
@click.argument("doc")
@click.option("--on", "on", default=None, help="The date (YYYY-MM-DD); default today.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
@_errors
def status_cmd(ctx: click.Context, doc: str, on: str | None, as_json: bool) -> None:
    """Is DOC in force on a date? 尚未施行 / 现行有效 / 已失效, with the clauses that decide it.

    Documents are named by 文号 (a rule without one by the 文号 of the notice publishing it)."""
    from toolkit.cli.corpus import where_names
    from toolkit.versions.status import document_status
    from toolkit.versions.wording import deciding_end, evidence_line

    when = _parse_date(on) if on else date.today()
    with _store(ctx) as store:
        doc_id = resolve(store, doc)
        st = document_status(store, doc_id, when)
        summary = store.summary(doc_id)
        where = where_names(store)
        publisher = store.summary(summary.parent) if summary.parent else None
        decider = deciding_end(st)
        said = standing.of(store.document(doc_id))
        lines = []
        for e in st.evidence:
            line = evidence_line(e, lambda d, eid: _place(where, d, eid, doc_id, store))
            if e.what == "expires" and decider is not None and e.date != st.last_day:
                # a superseded date says what superseded it
                by = _place(where, decider.doc_id, None, doc_id, store)
                later = "延长至" if decider.what == "validity_extended" else "提前终止于"
                line += f"（已由{by}{later}{st.last_day.isoformat()}）"
            lines.append((line, e.note))
    if as_json:
        click.echo(json.dumps({**st.to_json(), "title": summary.title, "doc_number": summary.doc_number,
                               "legal_kind": said.legal_kind, "level": said.level},
                              ensure_ascii=False, indent=2))
        return
    number = summary.doc_number or (f"{publisher.doc_number}印发" if publisher and publisher.doc_number else "")
    last = st.last_day.isoformat() if st.last_day else "长期（未定有效期）"
    first = st.effective.isoformat() if st.effective else "不明"
    click.echo(f"《{summary.title}》{f'（{number}）' if number else ''} {when.isoformat()}：{st.label}")
    click.echo(f"  施行期间 {first} 至 {last}   [{doc_id}]")
    if said.labelled():
        click.echo(f"  {said.labelled()}")
    for line, note in lines:
        click.echo(f"  {line}")
        if note:
            click.echo(f"      {note}")


def _place(where: Any, doc_id: str | None, eid: str | None, subject: str, store: Store) -> str:
    """A piece of evidence's place: the cited node alone for the document itself (第五十三条),
    else the other document's 文号 (or title) and node; a version of the same work by its id."""
    if doc_id == subject:
        return store.label(doc_id, eid) if eid else ""
    if doc_id and doc_id != subject:
        mine, theirs = store.summary(subject), store.summary(doc_id)
        if mine.doc_number and mine.doc_number == theirs.doc_number:
            return f"{doc_id}（同一文号的另一版本）"
    return where(doc_id, eid)


# --- history ---------------------------------------------------------------------------------

def _article_key(value: str) -> str:
    text = value.strip()
    if text.startswith("第") and text.endswith("条"):
        text = text[1:-1]
    if "之" in text:
        main, sub = text.split("之", 1)
        n, s = cn_to_int(main), cn_to_int(sub)
        if n is not None and s is not None:
            return f"{n}_{s}"
    n = cn_to_int(text)
    if n is None:
        _fail(f"not an article number: {value!r} (try 11 or 第十一条)")
    return str(n)


@click.command("history")
@click.argument("doc")
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.pass_context
@_errors
def history_cmd(ctx: click.Context, doc: str, article: str, as_json: bool) -> None:
    """ARTICLE of DOC through every version of its work in the store (matched by content)."""
    from toolkit.versions.history import article_history

    key = _article_key(article)
    with _store(ctx) as store:
        h = article_history(store, resolve(store, doc), key)
        said = standing.of(store.document(h.doc_id))
    if as_json:
        click.echo(json.dumps({**h.to_json(), "legal_kind": said.legal_kind, "level": said.level},
                              ensure_ascii=False, indent=2))
        return
    from toolkit.versions.diff import KIND_LABELS

    asked = next((s for s in h.steps if s.version.doc_id == h.doc_id), None)
    num = "、".join(asked.nums) if asked and asked.nums else f"第{key}条"
    title = h.steps[0].version.title if h.steps else h.work
    click.echo(f"《{title}》{num}（{h.doc_id}）在{len(h.steps)}个版本中：")
    if said.labelled():
        click.echo(said.labelled())
    for s in h.steps:
        day = s.version.date
        when = f"{day.year}年{day.month}月{day.day}日版" if day else "日期不明的版本"
        what = s.note or {"": "（最早的版本）", "absent": "（本版本无此条）"}.get(s.change, KIND_LABELS.get(s.change, s.change))
        click.echo(f"\n{when}（{s.version.doc_id}）{'、'.join(s.nums) or '—'}：{what}")
        if s.text:
            click.echo(s.text)
    if h.unstored:
        # the 题注 lists these revisions, but their text is not in the store: said, not hidden
        click.echo("\n题注所载、正文未收入本库的修改：")
        for day, quote, by in h.unstored:
            click.echo(f"{day.year}年{day.month}月{day.day}日（见 {by} 的题注）：{quote}")
