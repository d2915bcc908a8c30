"""Why ``toolkit.ingest.admit`` decided as it did, in two wordings from one table: English for
``policykit ingest`` (its tests and logs quote it) and Chinese for the web ingest page.

A module of its own, outside the parser's fingerprint (``toolkit.ingest._READING_CODE``): a
change of wording changes no stored row, so it must not make every stored file count as read by
another parser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# key: (English, Chinese); ``{name}`` fields are filled by ``say``, a field may itself be a key
MESSAGES: dict[str, tuple[str, str]] = {
    "same": ("the stored text, unchanged", "与库中已存文本相同，未变"),
    "same_version": ("already stored as the new version {source}",
                     "已作为新版本 {source} 存入库中，未再写入"),
    "reread": ("the same file as stored, read differently by this version of the parser",
               "与库中所存为同一文件，本版解析器的读取结果不同，已按新的读取结果重新入库"),
    "bundled": ("the bundled text", "随附文本"),
    "stored_text": ("the stored text", "库中已存文本"),
    "bundled_expected": ("the bundled text the manifest expects", "清单登记的随附文本"),
    "refused": ("the text differs from {against} of {source}; nothing was stored (ingest it with "
                "--new-version to keep it as a new version beside the old text)",
                "文本与 {source} 的{against}不同，未入库（如需保留，可“作为新版本保存”，与旧文本并存）"),
    "declared": ("declared in the manifest", "清单已登记此版本"),
    "chosen": ("--new-version", "选择了“作为新版本保存”"),
    "keeps_old": ("{old} keeps the old text", "{old} 保留旧文本"),
    "bundled_keeps": ("the bundled text keeps the id {old} (not in this store)",
                      "随附文本保留编号 {old}（不在本库中）"),
    "new_version": ("stored as a new version {source} ({how}); {keeps}",
                    "已作为新版本 {source} 入库（{how}）；{keeps}"),
    "sha_differs": ("text sha256 {text}… differs from the expected {expected}…",
                    "文本 sha256 {text}… 与清单登记的 {expected}… 不同"),
}


@dataclass(frozen=True)
class Said:
    """One message in both wordings."""

    en: str
    cn: str


def say(key: str, **fields: Any) -> Said:
    """``MESSAGES[key]`` in both wordings; a field given as a ``Said`` is worded alike."""
    en, cn = MESSAGES[key]
    return Said(en.format(**{k: v.en if isinstance(v, Said) else v for k, v in fields.items()}),
                cn.format(**{k: v.cn if isinstance(v, Said) else v for k, v in fields.items()}))
