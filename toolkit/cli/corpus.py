"""Corpus commands: ``ingest``, ``list``, ``show``, ``export``, ``search``.

Thin shells over ``extractors.pipeline`` and ``toolkit.store``: parse the arguments, call the
library, print. A problem is one line on stderr (no traceback): exit code 2 for a wrong argument
(unknown document or article, no store), 1 when an ingest had files it could not read.
"""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extractors.normalize import cn_to_int
from toolkit.cli.errors import fail as _fail
from toolkit.cli.errors import one_line_errors
from toolkit.cli.main import db_path
from toolkit.fileio import atomic_write
from toolkit.linking import relink
from toolkit.model import Document, Node
from toolkit.store import DocSummary, Store, StoreError

WORKERS = 2  # the machines have two cores; parsing is CPU-bound, saving stays in this process



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
    """What happened to one file of an ingest."""

    file: str
    documents: int = 0
    articles: int = 0
    pages: int | None = None
    error: str | None = None


def _parse(path: str, manifest: Any) -> tuple[Any, str | None]:
    """Worker: (ParsedSource, None) or (None, reason). Errors travel as text: a ReadError does
    not survive pickling, and a parser bug must not stop the other files."""
    from extractors.readers.base import ReadError
    from toolkit.ingest import parse_source

    try:
        return parse_source(path, manifest=manifest), None
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
        futures = {pool.submit(_parse, str(f), manifest): f for f in files}
        for future in as_completed(futures):
            try:
                parsed, error = future.result()
            except BrokenProcessPool:
                parsed, error = None, "the parser process died (out of memory?)"
            yield futures[future], parsed, error


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Corpus manifest (default: corpus/manifest.yaml when present).")
@click.option("--no-manifest", is_flag=True, help="Ignore the manifest (ids from file names).")
@click.pass_context
@_one_line_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], manifest_path: Path | None,
           no_manifest: bool) -> None:
    """Parse files (PDF, DOCX, TXT, MD; folders are searched) into the store."""
    from extractors.pipeline import article_count, discover

    manifest = _load_manifest(manifest_path, not no_manifest)
    files = discover(list(paths))
    if not files:
        _fail("no .pdf, .docx, .txt or .md files in " + ", ".join(map(str, paths)))
    db = db_path(ctx)
    db.parent.mkdir(parents=True, exist_ok=True)
    outcomes = {str(f): Outcome(str(f)) for f in files}
    err = _console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    Store(db).close()  # a wrong --db fails now, not after the parsing
    # The store is opened once the workers are forked (they get no copy of the connection), and
    # the progress bar has no refresh thread (auto_refresh off) for the same reason.
    with ExitStack() as stack:
        progress = stack.enter_context(Progress(*columns, console=err, transient=True,
                                                auto_refresh=False))
        task = progress.add_task("ingesting", total=len(files))
        store: Store | None = None
        for path, parsed, error in _results(files, manifest):
            store = store or stack.enter_context(Store(db))
            out = outcomes[str(path)]
            if parsed is not None:
                try:
                    store.save(parsed)
                except StoreError as exc:
                    error = f"not stored: {exc}"
                else:
                    out.documents = len(parsed.documents)
                    out.articles = sum(article_count(d) for d in parsed.documents)
                    out.pages = parsed.pages
            if error:
                out.error = error
                progress.console.print(f"{path}: {error}", markup=False, soft_wrap=True)
            progress.advance(task)
            progress.refresh()

    # References between files resolve now that every file is stored, whatever the order.
    with Store(db) as store:
        linked = relink(store, manifest)
    table = Table(title=f"ingested into {db}")
    table.add_column("file", overflow="fold")
    for name in ("documents", "articles", "pages", "status"):
        table.add_column(name)
    for o in outcomes.values():
        table.add_row(Path(o.file).name, str(o.documents), str(o.articles), "" if o.pages is None else
                      str(o.pages), "failed" if o.error else "ok")
    _console().print(table)
    if linked:
        click.echo(f"cross-references resolved across files: {sum(linked.values())} "
                   f"in {len(linked)} documents", err=True)
    failed = [o for o in outcomes.values() if o.error]
    if failed:
        click.echo(f"{len(failed)} of {len(files)} files failed:", err=True)
        for o in failed:
            click.echo(f"  {o.file}: {o.error}", err=True)
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


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_context
@_one_line_errors
def list_documents(ctx: click.Context, as_json: bool) -> None:
    """The stored documents (id, kind, 文号, title, region, effective, last day, status today)."""
    with _open_store(ctx) as store:
        docs = store.documents()
        states = _states(store, docs)
    regions = _region_names()
    if as_json:
        click.echo(json.dumps([_summary_json(s, regions, states[s.id]) for s in docs],
                              ensure_ascii=False, indent=2))
        return
    table = Table("id", "kind", "文号", caption="* inferred" if any(
        e.inferred for st in states.values() for e in st.evidence) else None)
    table.add_column("title", overflow="fold")
    for name in ("region", "effective", "last day", "status today"):
        table.add_column(name, no_wrap=True)
    for s in docs:
        st = states[s.id]
        table.add_row(s.id, s.kind, s.doc_number or "", s.title,
                      regions.get(s.region or "", s.region or ""),
                      _date(st.effective, _inferred(st, "effective")),
                      _date(st.last_day, _inferred(st, "expires", "validity_extended", st.last_day)),
                      st.label if st.effective else "")
    _console().print(table)


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


def find_unit(store: Store, doc_id: str, article: str) -> Node | None:
    """ARTICLE as 9, 第九条 or an eId."""
    text = article.strip()
    if text.isdigit():
        return store.article(doc_id, int(text))
    if m := re.fullmatch(r"第([零〇一二两三四五六七八九十百千\d]+)条", text):
        number = cn_to_int(m.group(1))
        return store.article(doc_id, number) if number is not None else None
    return store.node(doc_id, text)


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
    """A document's outline, or one article (9, 第九条 or an eId) as printed."""
    from toolkit.export.markdown import metadata_rows

    with _open_store(ctx) as store:
        doc_id = store.resolve(doc)
        document = store.document(doc_id)
        if article:
            node = find_unit(store, doc_id, article)
            if node is None:
                _fail(f"{doc_id} has no article or eId {article!r}")
            click.echo(f"《{document.title}》 {store.label(doc_id, node.eid)}  [{node.eid}]")
            click.echo(node.full_text())
            click.echo(f"source: {_location(node, document)}")
            return
        chain = [s for s in store.documents() if s.source == document.source]
    out = _console()
    click.echo(f"《{document.title}》  [{doc_id}]")
    click.echo("chain: " + " → ".join(
        ("▶ " if s.id == doc_id else "") + (s.doc_number or s.title) for s in chain))
    table = Table("field", "value", show_header=False)
    regions = _region_names()
    for key, value in metadata_rows(document):
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
        from toolkit.export.markdown import document_to_markdown

        return document_to_markdown(document).encode()
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
        data = render(store, store.resolve(doc), fmt)
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream: UTF-8 whatever the locale
    else:
        atomic_write(output, data, make_parents=False)
        click.echo(f"wrote {output}", err=True)


# --- search ----------------------------------------------------------------------------------

@click.command()
@click.argument("query")
@click.option("--doc", default=None, help="Only this document (id, alias, 文号 or title).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_context
@_one_line_errors
def search(ctx: click.Context, query: str, doc: str | None, limit: int, as_json: bool) -> None:
    """Full-text search of node texts (two-character words like 中止 work)."""
    with _open_store(ctx) as store:
        doc_id = store.resolve(doc) if doc else None
        hits = store.search(query, limit=limit, doc_id=doc_id)
    if as_json:
        click.echo(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"no match for {query!r}", err=True)
        return
    table = Table("doc", "where")
    table.add_column("text", overflow="fold")
    table.add_column("page")
    for h in hits:
        table.add_row(h.doc_id, h.label or h.eid, h.snippet, "" if h.page is None else str(h.page))
    _console().print(table)
