"""Recorded edits applied to a real rule: the ground truth for the version-diff tests.

An edit script (tests/data/versions/edits/*.yaml) names a base document of the bundled corpus and
a list of edits that refer to articles by their ORIGINAL number:

    insert:   {after: 12, from: {source: "002", doc: js-rules, article: 9}}   # a real article
    delete:   {article: 36}
    split:    {article: 3, at: 1}          # lines [at:] of the article become the next article
    merge:    {articles: [40, 41]}         # the second's lines are appended to the first
    move:     {article: 22, to_chapter: 6, position: end}   # or start
    reword:   {article: 9, old: "…", new: "…", count: 1}    # a recorded wording change

The script is applied to the document's text as parsed (lines as printed, article numbers
dropped), the articles are renumbered in order, and the result is written as Markdown and parsed
by the pipeline like any source. Every article of the result records which original articles it
came from, so the expected change set and number map follow from the script, not from the diff.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from conftest import DATA, source_path

from extractors.normalize import int_to_cn
from toolkit.model import Document
from toolkit.versions.units import article_body

EDITS = DATA / "versions" / "edits"


@functools.cache
def base_document(source: str, doc_id: str) -> Document:
    """A document of the bundled corpus parsed from its clean text (no layers: fast)."""
    from toolkit.ingest import parse_source
    from toolkit.manifest import load_manifest

    parsed = parse_source(source_path(source, "clean"), manifest=load_manifest(), layers=False)
    return next(d for d in parsed.documents if d.id == doc_id)


@dataclass
class Art:
    lines: list[str]
    origin: list[int]  # original article numbers this article's text came from
    edited: bool = False


@dataclass
class Chapter:
    num: str
    heading: str
    arts: list[Art] = field(default_factory=list)


@dataclass
class Edited:
    title: str
    chapters: list[Chapter]

    def articles(self) -> list[tuple[int, Chapter, Art]]:
        """(new number, chapter, article) in order."""
        out, k = [], 0
        for ch in self.chapters:
            for a in ch.arts:
                k += 1
                out.append((k, ch, a))
        return out

    def markdown(self) -> str:
        parts = [f"# {self.title}", ""]
        for number, ch, art in self._numbered():
            if ch is not None:
                parts += [f"## {ch.num} {ch.heading}", ""]
            first, *rest = art.lines
            parts += [f"第{int_to_cn(number)}条 {first}", ""]
            for line in rest:
                parts += [line, ""]
        return "\n".join(parts)

    def _numbered(self):
        k = 0
        for ch in self.chapters:
            for i, a in enumerate(ch.arts):
                k += 1
                yield k, (ch if i == 0 else None), a


def _split_lines(article, printed=None) -> list[str]:
    return article_body(article, printed).split("\n")


def load(doc: Document) -> Edited:
    chapters = []
    printed = doc.meta.get("printed_nums")  # item markers as the base prints them: (一) stays (一)
    for ch in doc.chapters():
        arts = [Art(_split_lines(a, printed), [a.number]) for a in ch.walk() if a.kind == "article"]
        chapters.append(Chapter(ch.num, ch.heading or "", arts))
    return Edited(doc.title, chapters)


def _find(ed: Edited, number: int) -> tuple[Chapter, int]:
    for ch in ed.chapters:
        for i, a in enumerate(ch.arts):
            if number in a.origin:
                return ch, i
    raise KeyError(f"article {number} is not in the edited text")


def apply(ed: Edited, edits: list[dict]) -> Edited:
    for edit in edits:
        (op, arg), = edit.items()
        if op == "insert":
            src = arg["from"]
            lines = _split_lines(base_document(src["source"], src["doc"]).article(src["article"]))
            ch, i = _find(ed, arg["after"])
            ch.arts.insert(i + 1, Art(lines, [], edited=True))
        elif op == "delete":
            ch, i = _find(ed, arg["article"])
            del ch.arts[i]
        elif op == "split":
            ch, i = _find(ed, arg["article"])
            a = ch.arts[i]
            ch.arts[i : i + 1] = [Art(a.lines[: arg["at"]], list(a.origin)),
                                  Art(a.lines[arg["at"] :], list(a.origin))]
        elif op == "merge":
            first, second = arg["articles"]
            ch, i = _find(ed, first)
            ch2, j = _find(ed, second)
            a, b = ch.arts[i], ch2.arts.pop(j)
            a.lines += b.lines
            a.origin += b.origin
        elif op == "move":
            ch, i = _find(ed, arg["article"])
            a = ch.arts.pop(i)
            target = ed.chapters[arg["to_chapter"] - 1]
            if arg.get("position", "end") == "start":
                target.arts.insert(0, a)
            else:
                target.arts.append(a)
        elif op == "reword":
            ch, i = _find(ed, arg["article"])
            a = ch.arts[i]
            text = "\n".join(a.lines)
            count = arg.get("count", 1)
            if text.count(arg["old"]) < count:
                raise ValueError(f"reword: {arg['old']!r} occurs fewer than {count} times in article {arg['article']}")
            a.lines = text.replace(arg["old"], arg["new"], count).split("\n")
            a.edited = True
        else:
            raise ValueError(f"unknown edit {op!r}")
    return ed


@dataclass
class Fixture:
    name: str
    script: dict
    old: Document
    new: Document
    edited: Edited


def script(name: str) -> dict:
    return yaml.safe_load((EDITS / f"{name}.yaml").read_text(encoding="utf-8"))


@functools.cache
def fixture(name: str, tmp: str | None = None) -> Fixture:
    """Apply the named script to its base document, write the new version, parse it back."""
    import tempfile

    from toolkit.ingest import parse_source

    data = script(name)
    base = data["base"]
    old = base_document(base["source"], base["doc"])
    edited = apply(load(old), data["edits"])
    folder = Path(tmp or tempfile.mkdtemp(prefix="pk-versions-"))
    path = folder / f"{name}.md"
    path.write_text(edited.markdown(), encoding="utf-8")
    [new] = [d for d in parse_source(path, layers=False).documents if d.articles()]
    return Fixture(name, data, old, new, edited)


def expected_map(fx: Fixture) -> dict[str, str | list[str] | None]:
    """The old→new number map the script implies (original numbers → new numbers)."""
    went: dict[int, list[int]] = {}
    for number, _, art in fx.edited.articles():
        for o in art.origin:
            went.setdefault(o, []).append(number)
    out: dict[str, str | list[str] | None] = {}
    for a in fx.old.articles():
        dest = went.get(a.number, [])
        out[str(a.number)] = None if not dest else str(dest[0]) if len(dest) == 1 else [str(d) for d in dest]
    return out


def expected_changes(fx: Fixture) -> set[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(kind, old eids, new eids) for every article, from the script's provenance alone."""
    old_eid = {a.number: a.eid for a in fx.old.articles()}
    new_eid = {a.number: a.eid for a in fx.new.articles()}
    old_chapter = {a.number: k for k, ch in enumerate(fx.old.chapters())
                   for a in ch.walk() if a.kind == "article"}
    rows = fx.edited.articles()
    chapter_index = {id(ch): k for k, ch in enumerate(fx.edited.chapters)}
    heirs: dict[int, list[int]] = {}
    for number, _, art in rows:
        for o in art.origin:
            heirs.setdefault(o, []).append(number)
    out: set[tuple[str, tuple[str, ...], tuple[str, ...]]] = set()
    for number, ch, art in rows:
        new = (new_eid[number],)
        if not art.origin:
            out.add(("added", (), new))
        elif len(art.origin) > 1:
            out.add(("merged", tuple(old_eid[o] for o in art.origin), new))
        elif len(heirs[art.origin[0]]) > 1:
            o = art.origin[0]
            out.add(("split", (old_eid[o],), tuple(new_eid[n] for n in heirs[o])))
        else:
            o = art.origin[0]
            if chapter_index[id(ch)] != old_chapter[o]:
                kind = "moved"
            elif number != o:
                kind = "renumbered"
            else:
                kind = "modified" if art.edited else "unchanged"
            out.add((kind, (old_eid[o],), new))
    for number, eid in old_eid.items():
        if number not in heirs:
            out.add(("deleted", (eid,), ()))
    return out
