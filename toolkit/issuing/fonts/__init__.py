"""Fonts for rendering 公文: the bundled fontconfig aliases and font-file lookup.

``fonts.conf`` maps the official font names kept in the DOCX (仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312 …) to free fonts; LibreOffice sees it through ``FONTCONFIG_FILE``. ``font_file``
finds a font file for Pillow (the seal) and pyHanko (the signature stamp) through ``fc-match``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")
# The visible signature's font (drawn by the signing step, not part of the DOCX).
STAMP_FONTS = ("LXGW WenKai",)


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
    ensure_font_cache()
    return out


# --- what the aliases say -------------------------------------------------------------------


@lru_cache(maxsize=4)
def aliases(conf: Path = FONTS_CONF) -> dict[str, tuple[str, ...]]:
    """Official font name → the free families standing for it, first choice first (the face,
    then its per-glyph fallbacks), as fonts.conf declares them (``<alias>`` and ``<match>``)."""
    root = ET.parse(conf).getroot()
    out: dict[str, list[str]] = {}
    for alias in root.iter("alias"):
        name = alias.findtext("family")
        prefer = alias.find("prefer")
        if name and prefer is not None:
            out.setdefault(name, []).extend(f.text or "" for f in prefer.iter("family"))
    for match in root.iter("match"):
        test, edit = match.find("test"), match.find("edit")
        if match.get("target") != "pattern" or test is None or edit is None:
            continue
        if test.get("name") == "family" and edit.get("name") == "family":
            name = test.findtext("string")
            if name:
                out.setdefault(name, [])[:0] = [s.text or "" for s in edit.iter("string")]
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def font_dirs(conf: Path = FONTS_CONF) -> list[Path]:
    return [Path(d.text) for d in ET.parse(conf).getroot().iter("dir") if d.text]


def _squash(name: str) -> str:
    return re.sub(r"[\s\-_,]", "", name.lower())


def family_of(pdf_font: str, families: Iterable[str]) -> str | None:
    """The family (of ``families``) a PDF base font name belongs to: ``FandolFang-Regular`` →
    ``FandolFang``, ``NotoSerifCJKsc-Bold`` → ``Noto Serif CJK SC``, ``ARPLUMingCN`` → ``AR PL
    UMing CN`` (PDF names drop the spaces; the longest family that fits wins)."""
    base = pdf_font.split("+", 1)[-1]
    families = list(families)
    names = postscript_names()
    exact = [f for f in families if base in names.get(f, ())]
    if exact:
        return exact[0]
    squashed = _squash(base)
    fits = [f for f in families if _squash(f) and squashed.startswith(_squash(f))]
    return max(fits, key=len) if fits else None


@lru_cache(maxsize=1)
def postscript_names() -> dict[str, frozenset[str]]:
    """Family → the PostScript names of its faces (what a PDF's BaseFont says), from fontconfig
    with the bundled configuration; empty when fontconfig is not installed."""
    if shutil.which("fc-list") is None:
        return {}
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    listed = subprocess.run(["fc-list", "-f", "%{family}|%{postscriptname}\n"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    out: dict[str, set[str]] = {}
    for line in listed.stdout.splitlines():
        fams, _, ps = line.rpartition("|")
        for fam in fams.split(","):
            if ps:
                out.setdefault(fam, set()).add(ps)
    return {k: frozenset(v) for k, v in out.items()}


def accepted_families(docx_fonts: Iterable[str]) -> dict[str, str]:
    """Family → the DOCX font it stands for: each font itself and its declared aliases."""
    table = aliases()
    out: dict[str, str] = {}
    for font in docx_fonts:
        out.setdefault(font, font)
        for family in table.get(font, ()):
            out.setdefault(family, font)
    return out


@lru_cache(maxsize=1)
def ensure_font_cache() -> None:
    """fonts.conf fixes the Fandol bold faces' weight when they are scanned; a font cache built
    before (by another configuration) lacks the fix, and LibreOffice would set titles in the
    regular face. Rebuild our own cache of those folders once per process if it is stale."""
    if shutil.which("fc-list") is None or shutil.which("fc-cache") is None:
        return
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    listed = subprocess.run(["fc-list", "-f", "%{style[0]}|%{weight}\n", "FandolSong"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    stale = any(line.startswith("Bold|") and line.split("|")[1] != "200"
                for line in listed.stdout.splitlines())
    if stale:
        dirs = [str(d) for d in font_dirs() if d.is_dir()]
        subprocess.run(["fc-cache", "-f", *dirs], capture_output=True, env=env, timeout=300,
                       check=False)


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
