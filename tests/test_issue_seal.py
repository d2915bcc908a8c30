"""The seal image and its placement in the DOCX (no LibreOffice)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from conftest import source_path
from docx import Document
from docx.oxml.ns import qn
from issue_samples import specimen_docx, specimen_text
from PIL import Image

from toolkit.issuing.seal import SealError, make_seal, seal_png, seal_size_px
from toolkit.issuing.sealing import (
    SealingError,
    date_text,
    doc_date_from_text,
    find_signature_block,
    prepare_docx,
    tighten,
)

NAME = "揭阳市医疗保障局"


def _alpha(image: Image.Image, x: float, y: float) -> int:
    return image.getpixel((round(x), round(y)))[3]


def test_seal_image_is_a_transparent_red_ring_with_star() -> None:
    png = seal_png(NAME)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGBA"
    assert image.size == (seal_size_px(42, 300),) * 2 == ((496, 496))
    assert round(image.info["dpi"][0]) == 300
    w = image.width
    c = w / 2
    # transparent outside the ring, red on it, transparent between ring and text
    assert _alpha(image, 2, 2) == 0
    for angle in range(0, 360, 30):
        x = c + (c - 6) * math.cos(math.radians(angle))
        y = c + (c - 6) * math.sin(math.radians(angle))
        r, g, b, a = image.getpixel((round(x), round(y)))
        assert a > 200 and r > 200 and g < 60 and b < 60, angle
    assert _alpha(image, c, c) > 200  # star centre
    assert _alpha(image, c, c - 0.28 * c) > 200  # star's upper point
    # the name is on the upper arc only: ink in the text annulus above the centre, none
    # in the lower part of the annulus (where a 42 mm seal has no text by default)
    alpha = np.asarray(image)[..., 3]
    yy, xx = np.mgrid[0:w, 0:w]
    r = np.hypot(xx - c, yy - c) / c
    annulus = (r > 0.55) & (r < 0.85)
    upper = int(((alpha > 128) & annulus & (yy < c)).sum())
    lower = int(((alpha > 128) & annulus & (yy > c + 0.6 * c)).sum())
    assert upper > 5000 and lower == 0
    assert seal_png(NAME) == png  # deterministic


def test_text_under_star_and_limits() -> None:
    plain = make_seal(NAME)
    special = make_seal(NAME, bottom_text="业务专用章")
    w = plain.width
    region = (round(0.25 * w), round(0.68 * w), round(0.75 * w), round(0.82 * w))
    ink = [int((np.asarray(img.crop(region))[..., 3] > 128).sum()) for img in (plain, special)]
    assert ink[0] == 0 and ink[1] > 500
    with pytest.raises(SealError, match="needs the office name"):
        make_seal("  ")
    with pytest.raises(SealError, match="too long"):
        make_seal("医" * 40)


def test_prepare_numbers_seals_and_keeps_the_block_together() -> None:
    text = specimen_text()
    prepared = prepare_docx(specimen_docx(), number="揭医保〔2026〕12号", seal_png=seal_png(NAME))
    doc = Document(io.BytesIO(prepared.docx))
    assert [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"] == ["揭医保〔2026〕12号"]
    block = prepared.block
    assert block.signature_text == tuple(text.signature)
    assert block.date_text == text.date
    assert block.body_last_text == text.body[-1]
    anchor = doc.element.body.find(f".//{qn('wp:anchor')}")
    extent = anchor.find(qn("wp:extent"))
    assert int(extent.get("cx")) == int(extent.get("cy")) == round(42 * 36000)
    # centred on the 署名: the specimen right-aligns it with a computed indent
    section = doc.sections[0]
    area = (section.page_width - section.left_margin - section.right_margin) / 12700
    sig = doc.paragraphs[block.signature[-1]]
    right = sig.paragraph_format.right_indent.pt
    sig_centre = area - right - 16 * len(text.signature[-1]) / 2
    x = int(anchor.find(qn("wp:positionH")).find(qn("wp:posOffset")).text) / 12700
    assert x + prepared.seal_diameter_pt / 2 == pytest.approx(sig_centre, abs=0.5)
    y = int(anchor.find(qn("wp:positionV")).find(qn("wp:posOffset")).text) / 12700
    assert -prepared.seal_diameter_pt / 2 < y < 0  # centre a little below the 署名 line top
    keep = [p.paragraph_format.keep_with_next for p in doc.paragraphs]
    assert keep[block.body_last : block.date] == [True] * (block.date - block.body_last)
    assert not any(keep[: block.body_last])


def test_tighten_removes_blank_lines_above_the_signature() -> None:
    docx = specimen_docx()

    def blanks(data: bytes) -> int:
        doc = Document(io.BytesIO(data))
        b = find_signature_block(doc)
        return sum(1 for p in doc.paragraphs[b.body_last + 1 : b.signature[0]] if not p.text.strip())

    assert blanks(docx) == 2
    assert blanks(tighten(docx, 1)) == 1
    assert blanks(tighten(docx, 2)) == 0


def test_signature_block_found_by_shape_in_a_real_document() -> None:
    # 楚雄州's published notice has no PK styles: the 署名 sits right above a date-only line
    doc = Document(str(source_path("004", "docx")))
    block = find_signature_block(doc)
    assert block.signature_text == ("楚雄州医疗保障局",)
    assert block.date_text == "2022 年 4 月 28 日"
    assert block.body_last_text.endswith("现印发给你们，请认真遵照执行。")
    assert doc_date_from_text(block.date_text).isoformat() == "2022-04-28"


def test_no_signature_block_is_a_clear_error() -> None:
    doc = Document(str(source_path("735", "docx")))  # a State Council order: no 署名/日期 block
    with pytest.raises(SealingError, match="mark the 署名 with style PK-Signature"):
        find_signature_block(doc)


def test_date_text_has_no_leading_zeros() -> None:
    from datetime import date

    assert date_text(date(2026, 3, 2)) == "2026年3月2日"
    assert doc_date_from_text("2026年03月02日").isoformat() == "2026-03-02"


def test_joint_signature_block_gets_one_seal_over_all_lines() -> None:
    from dataclasses import replace

    from toolkit.issuing.specimen import build_specimen

    names = ["湛江市医疗保障局", "湛江市卫生健康局"]
    docx = build_specimen(replace(specimen_text(), signature=names))
    prepared = prepare_docx(docx, number=None, seal_png=seal_png(names[0]))
    doc = Document(io.BytesIO(prepared.docx))
    assert prepared.block.signature_text == tuple(names)
    anchors = doc.element.body.findall(f".//{qn('wp:anchor')}")
    assert len(anchors) == 1
    last = doc.paragraphs[prepared.block.signature[-1]]
    assert anchors[0] in list(last._p.iter(qn("wp:anchor")))  # presses on the line above the date
    first = doc.paragraphs[prepared.block.signature[0]]
    assert first.paragraph_format.keep_with_next and last.paragraph_format.keep_with_next
    assert [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"] == ["〔发文字号〕"]
