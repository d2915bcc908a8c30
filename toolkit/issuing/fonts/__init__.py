"""Fonts for rendering 公文: the bundled fontconfig aliases and font-file lookup.

``fonts.conf`` maps the official font names kept in the DOCX (仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312 …) to free fonts; LibreOffice sees it through ``FONTCONFIG_FILE``. ``font_file``
finds a font file for Pillow (the seal) and pyHanko (the signature stamp) through ``fc-match``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")


class FontError(RuntimeError):
    """A font the issuing chain needs is not installed."""


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int  # face index inside a .ttc collection (0 for a single font)
    family: str


def fontconfig_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with FONTCONFIG_FILE pointing at the bundled aliases."""
    out = dict(os.environ if env is None else env)
    out["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return out


@lru_cache(maxsize=64)
def font_file(pattern: str, *, with_aliases: bool = True) -> FontFile:
    """The font file fontconfig picks for ``pattern`` (e.g. ``Noto Serif CJK SC:bold``)."""
    if shutil.which("fc-match") is None:
        raise FontError("fc-match not found: install fontconfig (apt-get install fontconfig)")
    result = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}\n%{family[0]}", pattern],
        capture_output=True,
        text=True,
        env=fontconfig_env() if with_aliases else None,
        timeout=30,
        check=False,
    )
    parts = result.stdout.split("\n")
    if result.returncode != 0 or len(parts) < 3 or not parts[0]:
        raise FontError(f"fc-match found no font for {pattern!r}: {result.stderr.strip()}")
    return FontFile(Path(parts[0]), int(parts[1] or 0), parts[2])


def require_family(pattern: str, family: str, package: str) -> FontFile:
    """``font_file(pattern)``, insisting that fontconfig really found ``family`` (it silently
    substitutes anything, e.g. DejaVu Sans, which has no CJK glyphs)."""
    found = font_file(pattern)
    if found.family != family:
        raise FontError(
            f"font {family!r} is not installed (fontconfig offers {found.family!r}):"
            f" apt-get install {package}"
        )
    return found
