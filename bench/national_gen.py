"""A simulated national corpus: ~300 prefectures' implementing rules, each in a forwarding notice.

Built from the bundled rules' clean texts (/work/shared/corpus-src/clean, the same texts as
corpus/sources): the Guangdong, Jiangsu and Chuxiong 定点管理 rules are three provincial rules, and
every simulated prefecture of a province publishes its own version of its province's rule, edited
with a seeded random generator the way prefectures really edit: the province's name replaced by
its own, articles reworded, an article taken over from another province's rule (renumbering
everything after it), an article dropped, one split in two, two merged, deadlines and amounts
changed. Each document is wrapped in the prefecture bureau's forwarding notice (its own 发文机关,
文号 and date), modelled on the Chuxiong notice. Documents 2…10 of a prefecture are later revisions
and its staff-qualification rule (from the Guangdong staff rules).

What was planted where is returned (``Planted``) so a benchmark can check that a comparison finds
the deviations it should, and nothing else. The same seed gives byte-identical files.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from extractors.normalize import int_to_cn

CLEAN = Path("/work/shared/corpus-src/clean")

# The provincial rules: file, the rule's title line, its province's name as printed, the words
# a prefecture replaces, and the concept-map region naming its nodes (corpus/concepts.yaml).
FAMILIES = {
    "gd": {"file": "000_b3443c26a488e755.txt", "title": "广东省医疗机构医疗保障定点管理暂行办法",
           "province": "广东省", "region": "guangdong", "level": "省", "local": ("本省", "全省")},
    "js": {"file": "002_2b5a4cf9d6a9a96c.txt", "title": "江苏省医疗机构医疗保障定点管理实施细则",
           "province": "江苏省", "region": "jiangsu", "level": "省", "local": ("本省", "全省")},
    "cx": {"file": "004_928757f12460cdce.txt", "title": "楚雄州医疗保障定点管理经办规程实施细则（试行）",
           "province": "楚雄州", "region": "chuxiong", "level": "州", "local": ("全州", "我州")},
}
STAFF = {"file": "001_2fb3cac5e76e682b.txt", "title": "广东省定点医药机构相关人员医保支付资格管理实施细则（试行）",
         "province": "广东省", "local": ("本省", "全省", "我省")}
NOTICE_MODEL = "004_928757f12460cdce.txt"  # the forwarding notice every prefecture's follows

# Rewordings a prefecture makes (same sense, other words): the comparison must not call them
# parameter changes.
REWORDINGS = [("应当", "应"), ("医疗保障行政部门", "医保行政部门"), ("经办机构", "医保经办机构"),
              ("及时", "按时"), ("进行", "开展"), ("有关", "相关"), ("的规定", "规定")]
CHARS = "安宝北昌成春大德东丰福广海汉和河华淮吉建江金锦晋京靖九康兰乐丽临龙隆鲁洛梅南宁平" \
        "普青庆泉仁荣瑞山商上韶胜石寿顺松泰唐天通万文西湘新信兴徐延阳宜永玉元云长肇中舟"
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇]+)条")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十]+章")
# A quantity a prefecture may change: a number before a unit of time, money, people or share.
_QUANTITY = re.compile(r"(\d+)(\s*)(个工作日|个月|日|年|万元|元|%|名|张)")
_TRAILER = re.compile(r"^(公开方式|抄送|.*印发$|.*办公室\s*\d)")


@dataclass
class Article:
    lines: list[str]  # the first starts 第N条 (renumbered on output)
    origin: str  # "family:N" — the base article this came from, for the planted record
    chapter: int


@dataclass
class Rule:
    title: str
    chapters: list[str]
    articles: list[Article]


@dataclass
class Planted:
    """What one generated document changed against its provincial rule."""

    file: str
    prefecture: str
    family: str
    title: str
    doc_number: str
    values: list[dict] = field(default_factory=list)  # {origin, old, new}
    edits: list[str] = field(default_factory=list)


def _read(name: str) -> list[str]:
    return [line.strip() for line in (CLEAN / name).read_text(encoding="utf-8").split("\n")]


def base_rule(spec: dict, key: str) -> Rule:
    """The rule inside a bundled file, from its title line to its last article (no 版记)."""
    lines = [x for x in _read(spec["file"]) if x]
    start = lines.index(spec["title"])
    body = lines[start + 1 :]
    while body and _TRAILER.match(body[-1]):
        body.pop()
    chapters: list[str] = []
    articles: list[Article] = []
    for line in body:
        if _CHAPTER.match(line):
            chapters.append(line)
        elif _ARTICLE.match(line):
            articles.append(Article([line], f"{key}:{len(articles) + 1}", len(chapters)))
        elif articles:
            articles[-1].lines.append(line)
    return Rule(spec["title"], chapters, articles)


def prefecture_names(count: int, seed: int) -> list[str]:
    """``count`` distinct two-character names (安平, 宝昌…), shuffled by the seed."""
    rng = random.Random(f"names:{seed}")
    pairs = [a + b for a in CHARS for b in CHARS if a != b]
    rng.shuffle(pairs)
    return pairs[:count]


def _renumbered(rule: Rule) -> list[str]:
    out: list[str] = []
    chapter = 0
    for n, art in enumerate(rule.articles, 1):
        while chapter < art.chapter and chapter < len(rule.chapters):
            out.append(rule.chapters[chapter])
            chapter += 1
        first = _ARTICLE.sub(f"第{int_to_cn(n)}条", art.lines[0], count=1)
        out += [first, *art.lines[1:]]
    return out


def _change_value(art: Article, rng: random.Random, planted: Planted) -> bool:
    for i, line in enumerate(art.lines):
        found = list(_QUANTITY.finditer(line))
        if not found:
            continue
        m = rng.choice(found)
        old = int(m.group(1))
        new = old + rng.choice([-1, 1]) * max(1, old // 3) if old > 1 else old + 1
        art.lines[i] = line[: m.start(1)] + str(new) + line[m.end(1) :]
        planted.values.append({"origin": art.origin, "old": m.group(0).replace(" ", ""),
                               "new": f"{new}{m.group(3)}", "unit": m.group(3)})
        return True
    return False


def edit_rule(rule: Rule, family: dict, donors: list[Rule], city: str, rng: random.Random,
              planted: Planted, protect: set[str], hot: set[str], value_rate: float) -> Rule:
    """The prefecture's version: every edit seeded by ``rng``; articles in ``protect`` are never
    dropped, split or merged (the comparison's target stays one provision), articles in ``hot``
    get a changed quantity with probability ``value_rate``."""
    arts = [Article(list(a.lines), a.origin, a.chapter) for a in rule.articles]
    level = family["level"]
    city_name = city + ("州" if level == "州" else "市")
    rename = [(family["province"], city_name)] + [(w, w[0] + "市") for w in family["local"]]
    title = rule.title
    for a, b in rename:
        title = title.replace(a, b)
    for art in arts:
        for a, b in rename:
            art.lines = [x.replace(a, b) for x in art.lines]
    # rewording: a few articles say the same in other words
    for art in rng.sample(arts, k=min(len(arts), rng.randint(2, 5))):
        a, b = rng.choice(REWORDINGS)
        art.lines = [x.replace(a, b) for x in art.lines]
    planted.edits.append("reworded")
    # changed deadlines and amounts: the compared provision with value_rate, and 1-3 others
    for art in arts:
        if art.origin in hot and rng.random() < value_rate:
            _change_value(art, rng, planted)
    for art in rng.sample(arts, k=rng.randint(1, 3)):
        if art.origin not in hot:
            _change_value(art, rng, planted)
    free = [i for i, a in enumerate(arts) if a.origin not in protect]
    # an article dropped: everything after it renumbered
    if rng.random() < 0.4 and free:
        i = rng.choice(free)
        planted.edits.append(f"dropped {arts[i].origin}")
        del arts[i]
    # an article taken over from another province's rule, in the same chapter as its neighbour
    if rng.random() < 0.5:
        donor = rng.choice(donors)
        extra = rng.choice(donor.articles)
        at = rng.randrange(1, len(arts))
        arts.insert(at, Article(list(extra.lines), extra.origin, arts[at - 1].chapter))
        planted.edits.append(f"inserted {extra.origin} at {at + 1}")
    # a split: an article of several paragraphs becomes two
    multi = [i for i, a in enumerate(arts) if a.origin not in protect and len(a.lines) >= 2
             and not _ARTICLE.match(a.lines[1]) and not a.lines[1].startswith(("（", "("))]
    if rng.random() < 0.3 and multi:
        i = rng.choice(multi)
        a = arts[i]
        arts[i : i + 1] = [Article(a.lines[:1], a.origin, a.chapter),
                           Article(["第一条 " + a.lines[1], *a.lines[2:]], a.origin + "b", a.chapter)]
        planted.edits.append(f"split {a.origin}")
    # a merge: two neighbouring one-paragraph articles of a chapter become one
    pairs = [i for i in range(len(arts) - 1) if arts[i].chapter == arts[i + 1].chapter
             and len(arts[i].lines) == 1 and len(arts[i + 1].lines) == 1
             and not ({arts[i].origin, arts[i + 1].origin} & protect)]
    if rng.random() < 0.3 and pairs:
        i = rng.choice(pairs)
        second = _ARTICLE.sub("", arts[i + 1].lines[0]).strip()
        planted.edits.append(f"merged {arts[i].origin}+{arts[i + 1].origin}")
        arts[i : i + 2] = [Article([arts[i].lines[0], second], arts[i].origin, arts[i].chapter)]
    return Rule(title, rule.chapters, arts)


def forwarding_notice(model: list[str], city: str, level: str, title: str, number: str,
                      day: tuple[int, int, int]) -> list[str]:
    """The prefecture bureau's notice publishing ``title``, on the Chuxiong notice's lines."""
    bureau = f"{city}{'州' if level == '州' else '市'}医疗保障局"
    y, m, d = day
    head = model[: model.index(FAMILIES["cx"]["title"])]
    out = []
    for i, line in enumerate(head):
        if i == 0:
            out.append(number)
        elif "关于印发" in line:
            out.append(f"{bureau}关于印发《{title}》的通知")
        elif line.startswith("《"):
            out.append(re.sub(r"《[^》]+》", f"《{title}》", line, count=1)
                       .replace("2022 年州医疗保障局", f"{y}年{bureau[:-5]}医疗保障局"))
        elif re.fullmatch(r"\d{4}\s*年.*日", line):
            out.append(f"{y}年{m}月{d}日")
        else:
            out.append(line.replace("楚雄州医疗保障局", bureau).replace("县市", "县（市、区）"))
    return out


def generate(out: Path, docs: int, seed: int = 20260101, prefectures: int = 300,
             value_rate: float = 0.3, hot: dict[str, str] | None = None) -> list[Planted]:
    """Write ``docs`` files (one forwarding notice + rule each) into ``out``; returns what was
    planted per file. ``hot`` maps a family to the base article (``gd:12``) whose quantities
    change with probability ``value_rate``: the provision the comparison looks at."""
    out.mkdir(parents=True, exist_ok=True)
    rules = {k: base_rule(v, k) for k, v in FAMILIES.items()}
    staff = base_rule(STAFF, "staff")
    model = [x for x in _read(NOTICE_MODEL) if x]
    count = min(prefectures, docs)
    names = prefecture_names(count, seed)
    families = list(FAMILIES)
    hot = hot or {}
    planted: list[Planted] = []
    for i in range(docs):
        p, k = i % count, i // count  # the first pass gives every prefecture its main rule
        city, fam = names[p], families[p % len(families)]
        rng = random.Random(f"{seed}:{p}:{k}")
        spec = FAMILIES[fam]
        year = 2022 + (k % 4)
        number = f"{city[0]}医保〔{year}〕{rng.randint(1, 99)}号"
        base = staff if k % 2 == 1 else rules[fam]
        family = STAFF | {"level": spec["level"]} if base is staff else spec
        donors = [r for key, r in rules.items() if key != fam] if base is not staff else [rules["gd"]]
        name = f"{p:03d}-{k:02d}"  # ASCII: source ids are made from the ASCII of the file stem
        record = Planted(f"{name}.txt", city, fam, "", number)
        hot_set = {hot[fam]} if fam in hot and base is not staff and k == 0 else set()
        rule = edit_rule(base, family, donors, city, rng, record, hot_set, hot_set, value_rate)
        if k >= 2:  # a later revision says so in its title
            rule.title += f"（{year}年修订）"
        record.title = rule.title
        day = (year, rng.randint(1, 12), rng.randint(1, 28))
        lines = forwarding_notice(model, city, spec["level"], rule.title, number, day)
        lines += [rule.title, *_renumbered(rule)]
        (out / record.file).write_text("\n".join(lines) + "\n", encoding="utf-8")
        planted.append(record)
    return planted


def provincial_files(out: Path) -> list[Path]:
    """The provincial rules themselves (the clean texts as bundled), the comparison's reference."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, spec in FAMILIES.items():
        path = out / f"province-{key}.txt"
        path.write_text((CLEAN / spec["file"]).read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(path)
    return paths
