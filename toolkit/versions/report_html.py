"""The 修订前后对照表 as one self-contained HTML page (inline CSS, no scripts, no links out).

Same rows as the DOCX: 原条文 with deletions in ``<del>``, 修改后条文 with insertions in ``<ins>``,
the 修改说明 (人工指定 where a drafter pinned the match); then the article-number map and any stale
references. The header names both versions as a drafter does — title, 文号, the version's date —
and counts the changes in Chinese; internal ids stay in ``data-`` attributes. Runs of articles
whose number alone changed are folded into one ``<details>`` row (``collapse``), which opens
without a script. Everything printed from the documents is escaped.
"""

from __future__ import annotations

from html import escape

from toolkit.standing import KIND_HEADING, LEVEL_HEADING, Standing
from toolkit.versions.diff import MANUAL_LABEL, Change, ChangeSet
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
p{margin:.2em 0}
table.versions th{width:8em} table.versions td{border-color:#aaa}
tr.unchanged td{color:#777}
.manual{display:inline-block;background:#1f4e99;color:#fff;border-radius:3px;padding:0 .3em;margin-right:.3em;
        font-size:.85em}
details summary{cursor:pointer;color:#333}
details table{margin:.4em 0 0}
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


def note_html(c: Change) -> str:
    mark = f'<span class="manual" title="此对应关系由人工指定">{MANUAL_LABEL}</span>' if c.manual else ""
    return f"{mark}{escape(c.note)}"


def _row(c: Change) -> str:
    segments = c.redline or [Segment("equal", c.new_text or c.old_text)]
    old = _cell(segments, "delete") if c.old else ""
    new = _cell(segments, "insert") if c.new else ""
    ids = escape(" ".join(c.old_eids + c.new_eids))
    manual = ' data-manual="true"' if c.manual else ""
    return (f'<tr class="{c.kind}" data-eids="{ids}" data-kinds="{escape(" ".join(c.kinds))}"{manual}>'
            f'<td class="old">{old}</td><td class="new">{new}</td><td class="note">{note_html(c)}</td></tr>')


def runs(changes: list[Change], collapse: bool) -> list[list[Change]]:
    """Changes in order, consecutive renumber-only ones grouped (when ``collapse``); a group of
    one is a plain row."""
    out: list[list[Change]] = []
    for c in changes:
        if collapse and c.renumber_only and not c.manual and out and out[-1][-1].renumber_only \
                and not out[-1][-1].manual:
            out[-1].append(c)
        else:
            out.append([c])
    return out


def run_summary(group: list[Change]) -> str:
    """第三十四条至第三十七条依次改为第三十五条至第三十八条（4条，仅条号变化）."""
    first, last = group[0], group[-1]
    return (f"{first.old[0].num}至{last.old[0].num}依次改为{first.new[0].num}至{last.new[0].num}"
            f"（{len(group)}条，仅条号变化）")


def _num(cs: ChangeSet, key: str | None, side: str) -> str:
    if key is None:
        return "（删除）"
    for c in cs.changes:
        for r in (c.old if side == "old" else c.new):
            if r.key == key:
                return r.num
    return key


def number_map(cs: ChangeSet) -> list[tuple[str, str]]:
    """(原条号, 新条号) as printed: 第三十二条 → 第三十三条; a split lists its parts."""
    rows = []
    for k, v in cs.article_map.items():
        new = "、".join(_num(cs, x, "new") for x in v) if isinstance(v, list) else _num(cs, v, "new")
        rows.append((_num(cs, k, "old"), new))
    return rows


def stale_lines(cs: ChangeSet) -> list[str]:
    """Each stale reference, placed by the new article holding it."""
    out = []
    for s in cs.stale_refs:
        holder = next((r.num for c in cs.changes for r in c.new
                       if s.eid == r.eid or s.eid.startswith(r.eid + "__")), "")
        out.append(f"{holder}“{s.context}”：所引原{s.old_num}，{s.suggestion}")
    return out


def standing_rows(cs: ChangeSet) -> list[tuple[str, str]]:
    """效力级别 and 层级 of the two versions (toolkit.standing), each row only when known; a
    value that differs between the versions names each side."""
    rows = []
    for label, attr in ((KIND_HEADING, "legal_kind"), (LEVEL_HEADING, "level_label")):
        sides = [getattr(Standing(v.legal_kind, v.level), attr) if v else None
                 for v in (cs.old_version, cs.new_version)]
        if sides[0] == sides[1]:
            if sides[0]:
                rows.append((label, sides[0]))
            continue
        rows.append((label, "；".join(f"{side}{w or '未载明'}"
                                     for side, w in zip(("原版本", "修改后版本"), sides, strict=True))))
    return rows


def version_rows(cs: ChangeSet) -> list[tuple[str, str]]:
    rows = []
    for label, v, title in (("原版本", cs.old_version, cs.old_title), ("修改后版本", cs.new_version, cs.new_title)):
        rows.append((label, v.heading() if v else f"《{title}》"))
    rows += standing_rows(cs)
    rows.append(("修改情况", cs.summary_cn()))
    return rows


def changeset_html(cs: ChangeSet, *, unchanged: bool = False, collapse: bool = True) -> str:
    """The whole page as a string (``collapse``: fold runs of renumber-only rows)."""
    title = f"《{cs.new_title}》修订前后对照表"
    shown = [c for c in cs.changes if unchanged or c.kind != "unchanged"]
    body = []
    for group in runs(shown, collapse):
        if len(group) == 1:
            body.append(_row(group[0]))
            continue
        inner = "".join(_row(c) for c in group)
        body.append(f'<tr class="collapsed"><td colspan="3"><details><summary>{escape(run_summary(group))}</summary>'
                    f"<table><tbody>{inner}</tbody></table></details></td></tr>")
    amap = "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in number_map(cs))
    stale = ""
    if cs.stale_refs:
        items = "".join(f"<li>{escape(line)}</li>" for line in stale_lines(cs))
        stale = f"<h2>引用条文序号待核对</h2><ul>{items}</ul>"
    versions = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in version_rows(cs))
    rows = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{CSS}</style></head>
<body data-old="{escape(cs.old)}" data-new="{escape(cs.new)}">
<h1>{escape(title)}</h1>
<table class="versions"><tbody>{versions}</tbody></table>
<table><thead><tr><th>原条文</th><th>修改后条文</th><th>修改说明</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{stale}
<h2>条文序号对照</h2>
<table class="map"><thead><tr><th>原条号</th><th>新条号</th></tr></thead><tbody>{amap}</tbody></table>
</body></html>
"""
