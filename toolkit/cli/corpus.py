"""Corpus commands: ``ingest``, ``list``, ``show``, ``export``, ``search``.

Thin shells over ``extractors.pipeline`` and ``toolkit.store``: parse the arguments, call the
library, print. A problem is one line on stderr (no traceback): exit code 2 for a wrong argument
(unknown document or article, no store), 1 when an ingest had files it could not read.
"""

from __future__ import annotations

import json
import os
import re
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from extractors.normalize import cn_to_int
from toolkit.cli.errors import fail as _fail
from toolkit.cli.errors import one_line_errors
from toolkit.cli.lookup import resolve
from toolkit.cli.main import db_path
from toolkit.fileio import atomic_write
from toolkit.linking import relink, save
from toolkit.model import Document, Node
from toolkit.store import DocSummary, Store, StoreError

WORKERS = os.cpu_count() or 2  # all cores: parsing is CPU-bound, saving stays in this process
PROGRESS_BYTES = 1_000_000  # files this large say each parsing stage as they reach it



# --- errors and output -----------------------------------------------------------------------

def _known() -> tuple[type[BaseException], ...]:
    from toolkit.manifest import ManifestError

    return (StoreError, ManifestError)


_one_line_errors = one_line_errors(_known)







def _console(stderr: bool = False) -> Console:
    # Created per call: CliRunner and pipes swap sys.stdout after import time.
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _open_store(ctx: click.Context) -> Store:
    return Store(db_path(ctx), create=False)


def _region_names() -> dict[str, str]:
    """Region key → name from the manifest, for display (empty without a manifest)."""
    from toolkit.manifest import DEFAULT_MANIFEST, ManifestError, load_manifest

    try:
        return {k: r.name for k, r in load_manifest(DEFAULT_MANIFEST).regions.items()}
    except ManifestError:
        return {}


def _date(value: Any, inferred: bool = False) -> str:
    return "" if value is None else f"{value.isoformat()}{'*' if inferred else ''}"


# --- ingest ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What happened to one file of an ingest: ``status`` is ok, partial (read imperfectly, see
    ``notes``), re-read, new version, refused (a changed text of a known source: nothing stored)
    or failed."""

    file: str
    documents: int = 0
    articles: int = 0
    pages: int | None = None
    error: str | None = None
    status: str = "ok"
    notes: list[str] = field(default_factory=list)


def _parse(path: str, manifest: Any) -> tuple[Any, str | None]:
    """Worker: (ParsedSource, None) or (None, reason). Errors travel as text: a ReadError does
    not survive pickling, and a parser bug must not stop the other files."""
    from extractors.readers.base import ReadError
    from toolkit.ingest import parse_source

    def say(message: str) -> None:  # straight to stderr: a worker process has no progress bar
        print(f"{path}: {message}", file=sys.stderr, flush=True)

    try:
        big = Path(path).stat().st_size >= PROGRESS_BYTES
    except OSError:
        big = False
    try:
        return parse_source(path, manifest=manifest, **({"progress": say} if big else {})), None
    except ReadError as exc:
        return None, exc.reason
    except Exception as exc:  # a parser bug on one file: report it, keep going
        return None, f"cannot parse ({type(exc).__name__}: {exc})"


def _load_manifest(path: Path | None, use: bool) -> Any:
    from toolkit.manifest import DEFAULT_MANIFEST, load_manifest

    if not use:
        return None
    if path is None:
        return load_manifest(DEFAULT_MANIFEST) if DEFAULT_MANIFEST.exists() else None
    return load_manifest(path)


def _results(files: list[Path], manifest: Any) -> Any:
    """(path, parsed, error) as each file is parsed: in a pool of WORKERS processes when there is
    more than one file."""
    if len(files) == 1:
        yield files[0], *_parse(str(files[0]), manifest)
        return
    with ProcessPoolExecutor(max_workers=min(WORKERS, len(files))) as pool:
        pending = {pool.submit(_parse, str(f), manifest): f for f in files}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                # Dropped as soon as it is handed on: a finished future holds its parsed source,
                # and keeping them all made memory grow with the number of files.
                path = pending.pop(future)
                try:
                    parsed, error = future.result()
                except BrokenProcessPool:
                    parsed, error = None, "the parser process died (out of memory?)"
                del future
                yield path, parsed, error


def _unchanged(path: Path, store: Store, manifest: Any, out: Outcome) -> bool:
    """Whether ``path`` is stored exactly as this parser would store it (then ``out`` says so)."""
    from toolkit.ingest import unchanged

    src = unchanged(path, store, manifest)
    if src is None:
        return False
    docs = store.documents_of(src.id)
    out.status, out.documents, out.pages = "unchanged", len(docs), src.pages
    out.articles = sum(d.articles for d in docs)
    out.notes.append(f"the file stored as {src.id} (sha256 {src.sha256[:12]}…), read by this "
                     f"parser: not parsed or stored again")
    return True


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Corpus manifest (default: corpus/manifest.yaml when present).")
@click.option("--no-manifest", is_flag=True, help="Ignore the manifest (ids from file names).")
@click.option("--strict", is_flag=True,
              help="A file read imperfectly (pages by OCR, numbering gaps, no structure) is an error: "
                   "it is not stored.")
@click.option("--new-version", is_flag=True,
              help="A known source whose text changed is stored as a new version beside the old text "
                   "(ids suffixed @<text hash>) instead of being refused.")
@click.pass_context
@_one_line_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], manifest_path: Path | None,
           no_manifest: bool, strict: bool, new_version: bool) -> None:
    """Parse files (PDF, DOCX, TXT, MD; folders are searched) into the store.

    A file whose text differs from the stored (or bundled) text of the same source is refused
    with what changed; nothing replaces the law silently."""
    from extractors.pipeline import article_count, discover
    from toolkit.ingest import admit
    from toolkit.linking import Change

    manifest = _load_manifest(manifest_path, not no_manifest)
    files = discover(list(paths))
    if not files:
        _fail("no .pdf, .docx, .txt or .md files in " + ", ".join(map(str, paths)))
    db = db_path(ctx)  # a folder that does not exist is refused there, never made (#15.11)
    outcomes = {str(f): Outcome(str(f)) for f in files}
    err = _console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    # A wrong --db fails now, not after the parsing; and a file stored exactly as this parser
    # would store it again is known by its bytes, before any worker or model is started.
    with Store(db) as store:
        to_parse = [f for f in files if not _unchanged(f, store, manifest, outcomes[str(f)])]
    change = Change()
    # The store is opened once the workers are forked (they get no copy of the connection), and
    # the progress bar has no refresh thread (auto_refresh off) for the same reason.
    with ExitStack() as stack:
        progress = stack.enter_context(Progress(*columns, console=err, transient=True,
                                                auto_refresh=False))
        task = progress.add_task("ingesting", total=len(files), completed=len(files) - len(to_parse))
        store: Store | None = None
        for path, parsed, error in _results(to_parse, manifest) if to_parse else ():
            store = store or stack.enter_context(Store(db))
            out = outcomes[str(path)]
            if parsed is not None:
                admission = admit(parsed, store, manifest, new_version=new_version)
                out.notes += [admission.reason] + admission.changes if admission.action in (
                    "reread", "new_version") else []
                partial = list(parsed.meta.get("read_problems", []))
                if not admission.stores:
                    out.status = "refused"
                    error = "\n    ".join([admission.reason] + admission.changes)
                elif partial and strict:
                    out.status = "refused"
                    error = "\n    ".join(["read imperfectly, not stored (--strict):"] + partial)
                else:
                    try:
                        save(store, parsed, change)
                    except StoreError as exc:
                        error = f"not stored: {exc}"
                    else:
                        out.documents = len(parsed.documents)
                        out.articles = sum(article_count(d) for d in parsed.documents)
                        out.pages = parsed.pages
                        out.status = "partial" if partial else {
                            "reread": "re-read", "new_version": "new version"}.get(admission.action, "ok")
                        out.notes += partial
            if error:
                out.error = error  # listed once, after the table (not also while parsing)
            progress.advance(task)
            progress.refresh()

    # References between files resolve now that every file is stored, whatever the order; only
    # the documents this ingest can have touched are resolved again.
    if change:
        with Store(db) as store:
            linked = relink(store, manifest, change)
    else:
        linked = None
    table = Table(title=f"ingested into {db}")
    table.add_column("file", overflow="fold")
    for name in ("documents", "articles", "pages", "status"):
        table.add_column(name)
    # Stored and refused files are rows; a file that could not be read is listed once, below.
    rows = [o for o in outcomes.values() if not o.error or o.status == "refused"]
    for o in rows:
        table.add_row(Path(o.file).name, str(o.documents), str(o.articles), "" if o.pages is None else
                      str(o.pages), o.status)
    if rows:  # no table over nothing ingested
        _console().print(table)
    if linked and linked.gained:
        click.echo(f"cross-references resolved across files: {sum(linked.gained.values())} "
                   f"in {len(linked.gained)} documents", err=True)
    if linked and linked.lost:
        click.echo(f"cross-references no longer resolved (their document was replaced, or its "
                   f"name now names several): {sum(linked.lost.values())} in "
                   f"{', '.join(sorted(linked.lost))}", err=True)
    for o in outcomes.values():
        if o.notes and not o.error:
            click.echo(f"{o.file}: {o.status}:", err=True)
            for note in o.notes:
                click.echo(f"    {note}", err=True)
    failed = [o for o in outcomes.values() if o.error]
    if failed:
        click.echo(f"{len(failed)} of {len(files)} files failed:", err=True)
        for o in failed:
            click.echo(f"  {o.file}: {'refused: ' if o.status == 'refused' else ''}{o.error}", err=True)
        sys.exit(1)


# --- list ------------------------------------------------------------------------------------

def _summary_json(s: DocSummary, regions: dict[str, str], state: Any) -> dict[str, Any]:
    d = asdict(s)
    d["region_name"] = regions.get(s.region or "", s.region)
    # effective / expires as every known lifecycle event settles them (an extension stated by
    # another notice counts), with the status on the day of listing.
    d["effective"] = state.effective.isoformat() if state.effective else None
    d["expires"] = state.last_day.isoformat() if state.last_day else None
    d["status"] = state.label if state.effective else None
    d["status_on"] = state.on.isoformat()
    d["children"], d["aliases"] = list(s.children), list(s.aliases)
    return d


def _states(store: Store, docs: list[DocSummary]) -> dict[str, Any]:
    from datetime import date

    from toolkit.versions.status import document_status

    today = date.today()
    return {s.id: document_status(store, s.id, today) for s in docs}


def _validity_cell(st: Any) -> str:
    """2021-06-01 至 2027-06-01 (the compact form of the two date columns)."""
    if not st.effective:
        return ""
    first = _date(st.effective, _inferred(st, "effective"))
    last = _date(st.last_day, _inferred(st, "expires", "validity_extended", st.last_day)) or "长期"
    return f"{first} 至 {last}"


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--wide", is_flag=True, help="Every column, nothing cut (also when piped).")
@click.pass_context
@_one_line_errors
def list_documents(ctx: click.Context, as_json: bool, wide: bool) -> None:
    """The stored documents (id, kind, 文号, title, region, effective, last day, status today).

    In a narrow terminal (or a pipe: 80 columns) the title cell also carries the region and the
    dates, and columns that do not fit are left out (named under the table); --wide shows all."""
    from toolkit.cli.tables import Column, natural_width, print_table

    with _open_store(ctx) as store:
        docs = store.documents()
        states = _states(store, docs)
    regions = _region_names()
    if as_json:
        click.echo(json.dumps([_summary_json(s, regions, states[s.id]) for s in docs],
                              ensure_ascii=False, indent=2))
        return
    caption = "* 推定（由条文推算，非原文所载）" if any(
        e.inferred for st in states.values() for e in st.evidence) else None
    full = [Column("编号", 10, shrink=False), Column("类型", 6, priority=6), Column("文号", 12, priority=2, fold=True),
            Column("标题", 16, fold=True), Column("地区", 6, priority=5),
            Column("施行日期", 10, priority=4), Column("有效期至", 10, priority=3),
            Column("今日状态", 8, priority=1)]
    rows = []
    for s in docs:
        st = states[s.id]
        rows.append([s.id, s.kind, s.doc_number or "", s.title, regions.get(s.region or "", s.region or ""),
                     _date(st.effective, _inferred(st, "effective")),
                     _date(st.last_day, _inferred(st, "expires", "validity_extended", st.last_day)),
                     st.label if st.effective else ""])
    console = _console()
    if wide or natural_width(full, rows) <= console.width:
        print_table(console, full, rows, wide=wide, caption=caption)
        return
    # Narrow: region and dates ride under the title instead of taking three columns.
    compact = [Column("编号", 10, shrink=False), Column("文号", 19, priority=2, fold=True),
               Column("标题", 16, fold=True),
               Column("今日状态", 8, priority=1)]
    small = []
    for s, r in zip(docs, rows, strict=True):
        extra = "  ".join(x for x in (r[4], _validity_cell(states[s.id])) if x)
        title = Text(r[3])
        if extra:
            title.append("\n" + extra, style="dim")
        small.append([r[0], r[2], title, r[7]])
    note = "标题下为地区与施行期间；类型等列未单独显示（--wide 显示全部列）"
    print_table(console, compact, small, caption="\n".join(x for x in (caption, note) if x))


def _inferred(state: Any, *what: Any) -> bool:
    """Whether the evidence deciding a date was inferred (computed, not printed)."""
    kinds = [w for w in what if isinstance(w, str)]
    day = next((w for w in what if not isinstance(w, str)), None)
    return any(e.inferred for e in state.evidence if e.what in kinds and (day is None or e.date == day))


# --- show ------------------------------------------------------------------------------------

def _location(node: Node | None, doc: Document) -> str:
    src = node.source if node else None
    file = src.file if src else doc.meta.get("file")
    page = src.page if src else doc.meta.get("page")
    line = src.line if src else doc.meta.get("line")
    parts = [str(file or doc.source)]
    if page:
        parts.append(f"page {page}")
    if line:
        parts.append(f"line {line}")
    return ", ".join(parts)


def find_unit(store: Store, doc_id: str, article: str, document: Document | None = None) -> Node | None:
    """ARTICLE as 9, 第九条, one item (第九条第（五）项, 9.5: toolkit.citations) or an eId."""
    from toolkit.citations import find_cited

    text = article.strip()
    if text.isdigit():
        return store.article(doc_id, int(text))
    if m := re.fullmatch(r"第([零〇一二两三四五六七八九十百千\d]+)条", text):
        number = cn_to_int(m.group(1))
        return store.article(doc_id, number) if number is not None else None
    document = document or store.document(doc_id)
    return find_cited(document, text)


def where_names(store: Store) -> Any:
    """(doc id, eId) → how a reader names it: the 文号 (else 《title》) and the cited node."""
    def where(doc_id: str | None, eid: str | None) -> str:
        if not doc_id:
            return ""
        try:
            summary = store.summary(doc_id)
        except StoreError:
            return doc_id
        name = summary.doc_number or f"《{summary.title}》"
        label = store.label(doc_id, eid) if eid else ""
        return f"{name}{label}"

    return where


def _preview(node: Node, width: int = 40) -> str:
    text = node.plain_text()
    return text if len(text) <= width else text[:width] + "…"


def _outline(node: Node, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if node.kind == "article":
        head = (node.num or "") + (f"【{node.heading}】" if node.heading else "")
        return [f"{pad}{head} {_preview(node)}"]
    if node.kind in ("book", "part", "chapter", "section", "heading"):
        lines = [pad + " ".join(p for p in (node.num, node.heading) if p)]
        return lines + [x for c in node.children for x in _outline(c, indent + 1)]
    return [f"{pad}{node.num or ''}{_preview(node)}"]


@click.command()
@click.argument("doc")
@click.argument("article", required=False)
@click.pass_context
@_one_line_errors
def show(ctx: click.Context, doc: str, article: str | None) -> None:
    """A document's outline, or one unit of it as printed.

    ARTICLE is an article (9, 第九条), a paragraph or item (第九条第（五）项, 第十二条第二款, 9.5 —
    item 5 of a one-paragraph article, 12.2.1 — paragraph 2, item 1 otherwise) or an eId."""
    from datetime import date

    from toolkit.export.markdown import metadata_rows
    from toolkit.versions.status import document_status

    with _open_store(ctx) as store:
        doc_id = resolve(store, doc)
        document = store.document(doc_id)
        if article:
            node = find_unit(store, doc_id, article, document)
            if node is None:
                _fail(f"{doc_id} has no {article.strip()!r} (try 9, 第九条, 第九条第（五）项, 9.5 or an eId; "
                      f"`policykit show {doc_id}` lists the articles)")
            click.echo(f"《{document.title}》 {store.label(doc_id, node.eid)}  [{node.eid}]")
            click.echo(node.full_text())
            click.echo(f"source: {_location(node, document)}")
            return
        chain = [s for s in store.documents() if s.source == document.source]
        status = document_status(store, doc_id, date.today())
        rows = metadata_rows(document, status, where_names(store))
    out = _console()
    click.echo(f"《{document.title}》  [{doc_id}]")
    click.echo("chain: " + " → ".join(
        ("▶ " if s.id == doc_id else "") + (s.doc_number or s.title) for s in chain))
    table = Table("field", "value", show_header=False)
    table.columns[1].overflow = "fold"
    regions = _region_names()
    for key, value in rows:
        table.add_row(key, regions.get(value, value) if key == "地区" else value)
    table.add_row("source", _location(None, document))
    out.print(table)
    for child in document.root.children:
        for line in _outline(child):
            click.echo(line)


# --- export ----------------------------------------------------------------------------------

def render(store: Store, doc_id: str, fmt: str) -> bytes:
    """The document in ``fmt`` (json | md | akn) as bytes to write."""
    document = store.document(doc_id)
    if fmt == "json":
        from toolkit.export.json import document_to_json

        return (json.dumps(document_to_json(document), ensure_ascii=False, indent=2)
                + "\n").encode()
    if fmt == "md":
        from datetime import date

        from toolkit.export.markdown import document_to_markdown
        from toolkit.versions.status import document_status

        status = document_status(store, doc_id, date.today())
        return document_to_markdown(document, status, where_names(store)).encode()
    from toolkit.export.akn import document_to_akn_bytes, work_uri

    def uri_for(other: str) -> str | None:
        try:
            return work_uri(store.document(store.resolve(other)))
        except StoreError:
            return None

    return document_to_akn_bytes(document, uri_for)


@click.command()
@click.argument("doc")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "akn"]), default="json",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (atomically); standard output if absent.")
@click.pass_context
@_one_line_errors
def export(ctx: click.Context, doc: str, fmt: str, output: Path | None) -> None:
    """Export a document as JSON, Markdown or Akoma Ntoso XML."""
    with _open_store(ctx) as store:
        data = render(store, resolve(store, doc), fmt)
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream: UTF-8 whatever the locale
    else:
        atomic_write(output, data, make_parents=False)
        click.echo(f"wrote {output}", err=True)


# --- search ----------------------------------------------------------------------------------

@click.command()
@click.argument("query")
@click.option("--doc", default=None, help="Only this document (id, alias, 文号 or title).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many hits to show (the best first).")
@click.option("--all", "show_all", is_flag=True, help="Show every hit.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--wide", is_flag=True, help="Every column, nothing cut (also when piped).")
@click.pass_context
@_one_line_errors
def search(ctx: click.Context, query: str, doc: str | None, limit: int, show_all: bool, as_json: bool,
           wide: bool) -> None:
    """Full-text search of node texts (two-character words like 中止 work).

    Says how many hits there are in all when it shows fewer, and how to see the rest."""
    from toolkit.cli.tables import Column, print_table

    with _open_store(ctx) as store:
        doc_id = resolve(store, doc) if doc else None
        # the page shown is fetched (with its labels); the rest is only counted
        total = store.count(query, doc_id=doc_id)
        hits = store.search(query, limit=total if show_all else limit, doc_id=doc_id)
    if as_json:
        click.echo(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2))
    elif not hits:
        click.echo(f"no match for {query!r}" + (f" in {doc_id}" if doc_id else ""), err=True)
        return
    else:
        columns = [Column("文件", 10, shrink=False), Column("位置", 18, fold=True), Column("内容", 20, fold=True),
                   Column("页", 2, priority=1, justify="right")]
        rows = [[h.doc_id, h.label or h.eid, h.snippet, "" if h.page is None else str(h.page)] for h in hits]
        print_table(_console(), columns, rows, wide=wide)
    if len(hits) < total:
        scope = f" in {doc_id}" if doc_id else ""
        narrow = "" if doc_id else ", --doc ID narrows to one document"
        click.echo(f"{len(hits)} of {total} hits for {query!r}{scope} (best first); "
                   f"--limit {total} or --all shows them all{narrow}", err=True)
    elif not as_json:
        click.echo(f"{total} hits for {query!r}" + (f" in {doc_id}" if doc_id else ""), err=True)
