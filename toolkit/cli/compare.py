"""``policykit compare``: regional rules side by side (aligned articles, key differences, redlines).

A thin shell over ``toolkit.compare``: resolve the documents in the store, align, print or write.
A problem is one line on stderr: exit 2 for a wrong argument (unknown document, no store, a
document without articles, an output folder that does not exist), 1 for anything else. Output
files are written complete or not at all, and only after every folder was checked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from toolkit.cli.errors import fail as _fail
from toolkit.cli.errors import one_line_errors
from toolkit.cli.main import db_path
from toolkit.store import Store, StoreError


def _known() -> tuple[type[BaseException], ...]:

    return (StoreError, ValueError)  # ValueError: align's own refusals (one document, no articles)


_errors = one_line_errors(_known)





def _rule(store: Store, key: str) -> str:
    """The document ``key`` names; when that is a notice publishing or forwarding a rule (its 文号
    is what people quote), the rule it carries."""
    from toolkit.store import UnknownDocument

    try:
        doc_id = store.resolve(key)
    except UnknownDocument:
        found = dict.fromkeys(s.id for s in store.find_by_doc_number(key) + store.find_by_title(key))
        rules = [i for i in found if store.summary(i).articles]
        if len(rules) != 1:
            from toolkit.cli.lookup import resolve

            resolve(store, key)  # raises, naming the near documents when there are some
            raise
        return rules[0]
    queue, seen = [doc_id], set()
    while queue:  # breadth first through attached documents
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        summary = store.summary(current)
        if summary.articles:
            return current
        queue += list(summary.children)
    return doc_id


def _implemented(store: Store, documents: list) -> str | None:
    """The stored work the compared rules implement, if any (the national order 2 is not bundled)."""
    from toolkit.compare.align import implemented
    from toolkit.store import UnknownDocument

    work = implemented(documents)
    if work is None:
        return None
    try:
        found = store.resolve(work)
    except UnknownDocument:
        return None
    return None if found in {d.id for d in documents} else found


@click.command("compare")
@click.argument("docs", nargs=-1, required=True)
@click.option("--baseline", help="A national document to show each row against (id, 文号 or title); by default "
                                "the work the rules implement (manifest implements:), when it is in the store.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a self-contained offline HTML report.")
@click.option("--docx", "docx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the 对照表 as DOCX (landscape A4).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the key differences and the article matrix as CSV.")
@click.option("--json", "json_path", help="Write the comparison as JSON to a file, or - for stdout.")
@click.option("--redline", is_flag=True, help="In the terminal view, also print every row's redline.")
@click.pass_context
@_errors
def compare(ctx: click.Context, docs: tuple[str, ...], baseline: str | None, html_path: Path | None,
            docx_path: Path | None, csv_path: Path | None, json_path: str | None, redline: bool) -> None:
    """Align DOCS (two or more: ids, short names, 文号 or titles) by content and show how they differ."""
    if len(docs) < 2:
        _fail("compare needs at least two documents")
    with Store(db_path(ctx), create=False) as store:
        ids = [_rule(store, d) for d in docs]
        base_id = _rule(store, baseline) if baseline else None
        if base_id is not None and base_id in ids:
            _fail(f"{baseline} is both compared and the baseline")
        documents = [store.document(i) for i in ids]
        if base_id is None:
            base_id = _implemented(store, documents)
        base = store.document(base_id) if base_id else None

    from toolkit.compare.align import align
    from toolkit.compare.export import atomic_write, csv_bytes, json_bytes
    from toolkit.compare.params_table import alignment_parameters

    alignment = align(documents, baseline=base)
    parameters = alignment_parameters(alignment)
    outputs: list[tuple[Path, Callable[[], bytes]]] = []
    if html_path:
        from toolkit.compare.report_html import html_bytes

        outputs.append((html_path, lambda: html_bytes(alignment, parameters)))
    if docx_path:
        from toolkit.compare.report_docx import docx_bytes

        outputs.append((docx_path, lambda: docx_bytes(alignment, parameters)))
    if csv_path:
        outputs.append((csv_path, lambda: csv_bytes(alignment, parameters)))
    if json_path and json_path != "-":
        outputs.append((Path(json_path), lambda: json_bytes(alignment, parameters)))
    for path, _ in outputs:  # every folder checked before any file is written
        if not path.parent.is_dir():
            _fail(f"{path}: folder {path.parent} does not exist")
    blobs = [(path, make()) for path, make in outputs]  # all rendered before any is written
    for path, blob in blobs:
        atomic_write(path, blob)
    if json_path == "-":
        sys.stdout.buffer.write(json_bytes(alignment, parameters))
        sys.stdout.flush()
        return
    if not outputs:
        from rich.console import Console

        from toolkit.compare.report_terminal import print_report

        print_report(alignment, Console(highlight=False), redlines=redline, parameters=parameters)
        return
    for path, _ in outputs:
        click.echo(f"wrote {path}")
