"""Dates typed on the command line: YYYY-MM-DD, and an impossible day named as such.

``date.fromisoformat`` says the same thing for ``2026-13-01``, ``2026-02-30`` and ``26/2/3``; a
user who typed the right format deserves "2026-02-30 does not exist (2026年2月只有28天)".
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def day_error(text: str) -> str | None:
    """Why ``text`` is not a day (None when it is one)."""
    m = _ISO.fullmatch(text.strip())
    if not m:
        return f"{text.strip()!r} is not a date written YYYY-MM-DD"
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"{text.strip()} does not exist (there is no month {month})"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{text.strip()} does not exist ({year}年{month}月只有{days}天)"
    return None


def parse_day(text: str) -> date:
    """The day ``text`` names; ValueError with ``day_error``'s reason otherwise."""
    reason = day_error(text)
    if reason:
        raise ValueError(reason)
    return date.fromisoformat(text.strip())
