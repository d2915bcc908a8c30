"""#16.4: ingest is linear in the file size, refuses files over the limit, says its progress.

Speed itself is measured in bench/ingest_scale.py (BENCHMARKS.md); these tests check the
behaviour that made it quadratic: a lookup per citation that walked the whole document.
"""

from __future__ import annotations

from click.testing import CliRunner
from conftest import DATA

from extractors import pipeline
from extractors.layers import refs
from extractors.normalize import cn_to_int, int_to_cn
from toolkit.cli import corpus as corpus_cli
from toolkit.cli.main import cli
from toolkit.model import Document

ENV = {"COLUMNS": "250", "POLICYKIT_DEBUG": None}
CX = DATA / "clean" / "004_928757f12460cdce.txt"


def _repeated_rule(tmp_path, copies: int):
    """The Chuxiong rule's body repeated: the numbering restarts, so every copy after the first
    lands in the last article (and is reported)."""
    lines = CX.read_text(encoding="utf-8").split("\n")
    i = lines.index("第一章 总则")
    path = tmp_path / f"rep{copies}.txt"
    path.write_text("\n".join(lines[:i] + lines[i:] * copies), encoding="utf-8")
    return path


def test_citations_do_not_walk_the_tree_once_each(tmp_path, monkeypatch):
    """Resolving every citation looks articles up in an index built once per document: the
    number of full-tree walks does not grow with the number of citations."""
    walks = []
    real = Document.nodes

    def counting(self):
        walks.append(1)
        return real(self)

    monkeypatch.setattr(Document, "nodes", counting)
    counts = {}
    for copies in (1, 4):
        doc = pipeline.parse_file(_repeated_rule(tmp_path, copies), layers=False).documents[1]
        walks.clear()
        spans = refs.ref_spans(doc)
        counts[copies] = (len(spans), len(walks))
    assert counts[4][0] > 3 * counts[1][0]  # four times the citations…
    # …and no more walks: the citations' own scan, the definitions' and one index of the document
    assert counts[1][1] <= 3 and counts[4][1] <= 3, counts


def test_restarted_numbering_is_reported_not_merged_silently(tmp_path):
    parsed = pipeline.parse_file(_repeated_rule(tmp_path, 3), layers=False)
    problems = parsed.documents[1].meta["numbering"]
    assert any("第一条 out of order (after 第三十九条)" in p for p in problems)


def test_a_file_over_the_limit_is_refused_with_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_BYTES", 1024 * 1024)
    big = tmp_path / "big.txt"
    big.write_text(CX.read_text(encoding="utf-8") * 60, encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["--db", str(tmp_path / "kit.db"), "ingest", str(big)])
    assert result.exit_code == 1
    mb = big.stat().st_size / 1024 / 1024
    assert mb > 1
    assert f"{big}: file is {mb:.1f} MB, over the 1 MB limit for one source: split it into its documents" in result.stderr


def test_a_long_file_says_its_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_cli, "PROGRESS_BYTES", 10_000)
    result = CliRunner(env=ENV).invoke(cli, ["--db", str(tmp_path / "kit.db"), "ingest", "--no-manifest",
                                             str(_repeated_rule(tmp_path, 2))])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(tmp_path / "rep2.txt") + ": ")]
    assert [line.split(": ", 1)[1].split(" ")[0] for line in lines[:3]] == ["read", "2", "annotated"]


def test_numerals_past_a_thousand_round_trip():
    assert [int_to_cn(n) for n in (1000, 1001, 1010, 1100, 3027)] == ["一千", "一千零一", "一千零一十", "一千一百",
                                                                       "三千零二十七"]
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 10000))


def test_a_long_article_is_indexed_once_not_once_per_citation(tmp_path, monkeypatch):
    """The copies of a repeated rule land in its last article: each citation inside it (本条,
    前款, 第（一）项) must not scan that article's paragraphs again."""
    calls = []
    real = refs._paragraphs

    def counting(article):
        calls.append(article.eid)
        return real(article)

    monkeypatch.setattr(refs, "_paragraphs", counting)
    doc = pipeline.parse_file(_repeated_rule(tmp_path, 6), layers=False).documents[1]
    spans = refs.ref_spans(doc)
    articles = sum(1 for n in doc.nodes() if n.kind == "article")
    assert len(spans) > 2 * articles  # many more citations than articles…
    assert len(calls) == len(set(calls)) <= articles  # …and each article indexed at most once
