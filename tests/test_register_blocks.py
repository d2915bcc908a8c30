"""#15.12: a batch's numbers are one consecutive block, taken under one lock, on both engines."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest

from toolkit.issuing.register import Register, RegisterError, Slot

SERIES = {"prefix": "揭医保", "office": "jieyang-ybj", "doc_type": "通知", "year": 2026}
SIZES = (5, 7, 13)  # three batches per process: 25 numbers each


def _batches(db: str, start) -> list[list[int]]:
    start.wait()
    with Register(db) as reg:
        return [[e.seq for e in reg.reserve_block(**SERIES, count=n)] for n in SIZES]


def _singles(db: str, start) -> list[int]:
    start.wait()
    with Register(db) as reg:
        return [reg.reserve(**SERIES).seq for _ in range(10)]


def test_eight_concurrent_batches_each_get_one_consecutive_block(db_url: str) -> None:
    Register(db_url).close()
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(8) as pool:
        batches = [pool.apply_async(_batches, (db_url, start)) for _ in range(6)]
        singles = [pool.apply_async(_singles, (db_url, start)) for _ in range(2)]  # interleavers
        start.set()
        blocks = [b for p in batches for b in p.get(timeout=180)]
        loose = [s for p in singles for s in p.get(timeout=180)]
    assert len(blocks) == 18
    for block in blocks:
        assert block == list(range(block[0], block[0] + len(block))), block  # consecutive
    everything = sorted([s for b in blocks for s in b] + loose)
    assert everything == list(range(1, 6 * 25 + 20 + 1))  # no duplicates, no gaps
    with Register(db_url) as reg:
        assert reg.unexplained_gaps("揭医保", 2026) == []
        # the block's rows say they were taken together
        first = reg.get(f"揭医保〔2026〕{blocks[0][0]}号")
        assert first.events[0].detail == f"block of {len(blocks[0])} from {blocks[0][0]}"


def test_a_block_carries_each_slot_and_is_all_or_nothing(db_url: str) -> None:
    with Register(db_url) as reg:
        reg.reserve(**SERIES, case_id="before")
        entries = reg.reserve_block(
            **SERIES,
            slots=[Slot("C-1", date(2026, 3, 2), "v1"), Slot("C-2"), Slot("C-3", template_version="v2")],
        )
        assert [(e.number, e.case_id, e.doc_date, e.template_version, e.status) for e in entries] == [
            ("揭医保〔2026〕2号", "C-1", "2026-03-02", "v1", "reserved"),
            ("揭医保〔2026〕3号", "C-2", None, None, "reserved"),
            ("揭医保〔2026〕4号", "C-3", None, "v2", "reserved"),
        ]
        # one bad slot (a reissue of a number not in the register): no number of the block is taken
        with pytest.raises(RegisterError, match="揭医保〔2026〕99号 is not in the register"):
            reg.reserve_block(**SERIES, slots=[Slot("C-4"), Slot("C-5", reissue_of="揭医保〔2026〕99号")])
        with pytest.raises(RegisterError, match="reissues the same number twice"):
            reg.reserve_block(**SERIES, slots=[Slot(reissue_of="揭医保〔2026〕1号")] * 2)
        with pytest.raises(RegisterError, match="at least one number"):
            reg.reserve_block(**SERIES, count=0)
        assert [e.seq for e in reg.entries()] == [1, 2, 3, 4]
        assert reg.reserve(**SERIES).number == "揭医保〔2026〕5号"
