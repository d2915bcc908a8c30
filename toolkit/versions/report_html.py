"""The 修订前后对照表 as one self-contained HTML page (inline CSS, no scripts, no links out).

Same rows as the DOCX: 原条文 with deletions in ``<del>``, 修改后条文 with insertions in ``<ins>``,
the 修改说明; then the article-number map and any stale references. Everything printed from the
documents is escaped.
"""

from __future__ import annotations

from html import escape

from toolkit.versions.diff import Change, ChangeSet
from toolkit.versions.redline import Segment

CSS = """
body{font-family:"FangSong","仿宋","Noto Serif CJK SC",serif;margin:2em;color:#111}
h1{font-family:"SimHei","黑体","Noto Sans CJK SC",sans-serif;font-size:1.4em;text-align:center}
table{border-collapse:collapse;width:100%;margin:1em 0}
th,td{border:1px solid #666;padding:.4em .6em;vertical-align:top;text-align:left}
th{background:#eee;font-family:"SimHei","黑体",sans-serif}
td.old,td.new{width:40%} td.note{width:20%}
del{color:#a00;text-decoration:line-through}
ins{color:#060;text-decoration:underline;font-weight:bold}
p{margin:.2em 0} .counts{text-align:center;color:#444}
tr.unchanged td{color:#777}
"""


def _cell(segments: list[Segment], keep: str) -> str:
    lines: list[str] = [""]
    for seg in segments:
        if seg.op not in ("equal", keep):
            continue
        for k, part in enumerate(seg.text.split("\n")):
            if k:
                lines.append("")
            if not part:
                continue
            text = escape(part)
            lines[-1] += f"<del>{text}</del>" if seg.op == "delete" else f"<ins>{text}</ins>" if seg.op == "insert" else text
    return "".join(f"<p>{line}</p>" for line in lines if line)


def _row(c: Change) -> str:
    old = _cell(c.redline, "delete") if c.old else ""
    new = _cell(c.redline, "insert") if c.new else ""
    ids = escape(" ".join(c.old_eids + c.new_eids))
    return (f'<tr class="{c.kind}" data-eids="{ids}"><td class="old">{old}</td>'
            f'<td class="new">{new}</td><td class="note">{escape(c.note)}</td></tr>')


def changeset_html(cs: ChangeSet, *, unchanged: bool = False) -> str:
    """The whole page as a string."""
    title = f"《{cs.new_title}》修订前后对照表"
    counts = "，".join(f"{k} {v}" for k, v in cs.counts().items())
    rows = "\n".join(_row(c) for c in cs.changes if unchanged or c.kind != "unchanged")
    amap = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape('、'.join(v) if isinstance(v, list) else (v or '（删除）'))}</td></tr>"
        for k, v in cs.article_map.items()
    )
    stale = ""
    if cs.stale_refs:
        items = "".join(
            f"<li>“{escape(s.context)}”（{escape(s.eid)}）：所引原{escape(s.old_num)}，{escape(s.suggestion)}</li>"
            for s in cs.stale_refs
        )
        stale = f"<h2>引用条文序号待核对</h2><ul>{items}</ul>"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="counts">{escape(cs.old)} → {escape(cs.new)}：{escape(counts)}</p>
<table><thead><tr><th>原条文</th><th>修改后条文</th><th>修改说明</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{stale}
<h2>条文序号对照</h2>
<table class="map"><thead><tr><th>原条号</th><th>新条号</th></tr></thead><tbody>{amap}</tbody></table>
</body></html>
"""
