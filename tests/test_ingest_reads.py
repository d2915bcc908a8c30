"""#16.2 and #16.5: everything read imperfectly says so; UTF-16 text is read."""

from __future__ import annotations

import codecs

import pytest
from click.testing import CliRunner
from conftest import DATA

from extractors.readers.base import ReadError
from extractors.readers.text import decode, read_text
from toolkit.cli.main import cli

ENV = {"COLUMNS": "250", "POLICYKIT_DEBUG": None}
CX = DATA / "clean" / "004_928757f12460cdce.txt"


def run(*args: str, db=None):
    return CliRunner(env=ENV).invoke(cli, (["--db", str(db)] if db else []) + list(args))


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom_reads_like_utf8(tmp_path, codec, bom):
    text = CX.read_text(encoding="utf-8")
    path = tmp_path / "cx.txt"
    path.write_bytes(bom + text.encode(codec))
    assert decode(path.read_bytes()) == (text, codec)
    assert [b.text for b in read_text(path).blocks] == [b.text for b in read_text(CX).blocks]


def test_utf16_bom_with_broken_body_names_the_offset():
    with pytest.raises(ReadError, match="UTF-16-LE byte-order mark but is not UTF-16-LE"):
        decode(codecs.BOM_UTF16_LE + "条".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate


def test_utf16_file_is_ingested(tmp_path):
    path = tmp_path / "cx-utf16.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + CX.read_text(encoding="utf-8").encode("utf-16-le"))
    result = run("ingest", "--no-manifest", str(path), db=tmp_path / "kit.db")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "cx-utf16.txt" in line)
    assert [c.strip() for c in row.split("│")[2:4]] == ["2", "39"]
