"""Topics as evidence for the provision-level alignment: sentences on one rare topic, binding one actor.

Character n-grams find a part when two regions word a rule alike. Many rules are worded apart
and share only the field's term for their subject: 对定点医疗机构开展绩效考核 / 强化绩效考核和结果
运用, 严格掌握出入院标准 / 掌握出入院诊断和指征. ``corpus/alignment_topics.yaml`` names the field's
topics, each a set of cue words (data, never code). A provision's sentence that names a topic
makes the provision a part of another row when
- the topic is rare: at most ``RARE`` provisions of each of the two documents name it for that
  actor (a topic every chapter mentions is no evidence);
- both sentences bind the same actor (``parts._actor`` read at the cue: the last actor named
  before a modal, so in 经办机构应…宣传培训，定点医药机构应强化全员培训 the second 培训 binds the
  provider);
- the row's own provisions of the same document do not name the topic (the row has it already),
  and the provision's own row does not hold it either for the other document (it is said there);
- the two sentences share some wording besides (clause cosine ≥ ``FLOOR``; ``FLOOR_SAME_ACTOR``
  when both name the actor: 定点医药机构应强化全员培训 / 定点医疗机构应当…组织开展…政策培训学习).
The part quotes the sentence's clause that names the topic; its reason says the topic both state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from toolkit.compare.provisions import Provision
from toolkit.compare.similarity import normalize

TOPICS = Path(__file__).resolve().parents[2] / "corpus" / "alignment_topics.yaml"
RARE = 2  # a topic named (for one actor) in more provisions of a document than this is common there
FLOOR = 0.06  # the two clauses' cosine, at least: a topic word alone is not a rule
FLOOR_SAME_ACTOR = 0.04  # … lower when both sentences name the same actor (not one left unsaid)
LIST_TARGETS = False  # a row member's list entry (a ground in a list) is no evidence for a topic part

_CLAUSE_END = "，,。；;：:！？!?\n"
_CITED = re.compile(r"《[^》]*》")


@dataclass(frozen=True)
class Mention:
    topic: str
    start: int  # the clause naming the topic, offsets in ``provision.text``
    end: int
    actor: str | None


@lru_cache(maxsize=1)
def topics() -> dict[str, tuple[str, tuple[str, ...]]]:
    """topic → (label, cue words in comparison form)."""
    raw = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))["topics"]
    return {k: (v["label"], tuple(normalize(c) for c in v["cues"])) for k, v in raw.items()}


@lru_cache(maxsize=1)
def _not_topics() -> dict[str, re.Pattern[str] | None]:
    """topic → the words that hold a cue but name something else (诊所备案证 is a licence)."""
    raw = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))["topics"]
    return {k: re.compile("|".join(map(re.escape, map(normalize, v["not"])))) if v.get("not") else None
            for k, v in raw.items()}


def mentions(p: Provision, actor_at: Callable[[Provision, int], str | None]) -> list[Mention]:
    """Every clause of ``p`` that names a topic, with the actor it binds."""
    out = []
    text, start = p.text, 0
    for piece in re.split(f"(?<=[{re.escape(_CLAUSE_END)}])", text):
        norm = normalize(_CITED.sub("", piece))  # 《…经办规程》 cites a title, it is not the topic
        if norm:
            for topic, (_, cues) in topics().items():
                other = _not_topics()[topic]
                said = other.sub("|", norm) if other else norm
                if any(c in said for c in cues):
                    lo = start + len(piece) - len(piece.lstrip())
                    hi = start + len(piece.rstrip().rstrip(_CLAUSE_END))
                    out.append(Mention(topic, lo, hi, actor_at(p, hi)))
        start += len(piece)
    return out


def compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b
