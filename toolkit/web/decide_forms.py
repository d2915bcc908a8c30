"""HTML forms generated from the rule case models (``toolkit.rules.cases``), and back.

The models stay the only place that says what a case is: each field's widget follows its type
(a date, a number, a choice from a ``Literal``, 是/否/未知 for ``bool | None``, one line per item
for a list, rows for a list of models, typed rows for the discriminated staff events, key/value
rows for a mapping). Field names are error paths as ``toolkit.documents.cases.explain`` prints
them (``facts.pharmacists.[1].name``, ``events.[2].scoring.date``), so every message lands
beside its field. Labels and the choices the rule tables list are data
(``decide_labels.yaml``, ``toolkit/rules/tables/``), never code.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

LABELS_FILE = Path(__file__).resolve().parent / "decide_labels.yaml"
EXTRA_ROWS = 1  # empty rows offered after the filled ones (no script needed to add one)
MIN_ROWS = {"rows": 1, "variants": 2, "pairs": 2}

TRUE, FALSE = "true", "false"


@dataclass
class Field:
    name: str  # form name = error path
    label: str
    widget: str  # text number decimal date select tristate flag lines lines_or_flag group rows
    #              pairs variants
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, shown)
    children: list[Field] = field(default_factory=list)  # group: fields; rows: one group per row
    variants: dict[str, list[Field]] = field(default_factory=dict)  # variants row: tag → fields
    value_widget: str = ""  # pairs: the value's widget (tristate | number)
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # keys the tables list

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^\w-]", "_", self.name)


# --- labels and the tables' keys ---------------------------------------------------------------

@cache
def _labels() -> dict[str, Any]:
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def generic(path: str) -> str:
    """A field path without its list positions (``events.[2].scoring.date`` → ``events.scoring.date``)."""
    return re.sub(r"\.\[\d+\]", "", path)


def label_for(kind: str, path: str) -> str:
    key = generic(path)
    labels = _labels()
    own = (labels.get(kind) or {}).get(key)
    return own or labels["any"].get(key.rsplit(".", 1)[-1]) or key.rsplit(".", 1)[-1]


def _choice_names(path: str) -> dict[str, str]:
    key = generic(path)
    names = _labels()["choices"]
    return names.get(key) or names.get(".".join(key.split(".")[-2:])) or {}


def _walk(node: Any, parts: list[str]) -> list[Any]:
    """The values at ``parts`` under ``node`` ("*" any key; lists are entered item by item)."""
    if isinstance(node, list):
        return [found for item in node for found in _walk(item, parts)]
    if not parts:
        return [node]
    if not isinstance(node, dict):
        return []
    head, rest = parts[0], parts[1:]
    if head == "*":
        return [found for value in node.values() for found in _walk(value, rest)]
    return _walk(node[head], rest) if head in node else []


@cache
def _tables() -> dict[str, dict[str, Any]]:
    from toolkit.rules.tables import TABLES_DIR

    return {data["region"]: data for p in sorted(Path(TABLES_DIR).glob("*.yaml"))
            if isinstance(data := yaml.safe_load(p.read_text(encoding="utf-8")), dict)}


def _keyed(items: list[Any]) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for item in items:
        for row in item if isinstance(item, list) else [item]:
            if isinstance(row, dict) and "key" in row:
                out.setdefault(str(row["key"]), str(row.get("label") or row["key"]))
    return list(out.items())


def _fact_keys(section: str, mapping: str) -> list[tuple[str, str]]:
    """``fact: <mapping>.<key>`` tests in a section of every table, with the row's label."""
    out: dict[str, str] = {}

    def visit(node: Any, label: str | None) -> None:
        if isinstance(node, dict):
            label = str(node.get("label") or label or "")
            for k, v in node.items():
                if k == "fact" and isinstance(v, str) and v.startswith(mapping + "."):
                    out.setdefault(v.split(".", 1)[1], label or v)
                else:
                    visit(v, label)
        elif isinstance(node, list):
            for item in node:
                visit(item, label)

    for table in _tables().values():
        visit(table.get(section), None)
    return sorted(out.items())


@cache
def suggestions(kind: str, path: str) -> tuple[tuple[str, str], ...]:
    """(key, label) the rule tables give for a field, e.g. the materials or staff situations."""
    key = generic(path)
    mapping = (_labels().get("fact_keys") or {}).get(kind) or {}
    if key in mapping:
        return tuple(_fact_keys(mapping[key], key))
    found = [v for spec in _labels()["suggest"].get(key, [])
             for t in _tables().values() for v in _walk(t, spec.split("."))]
    return tuple(_keyed(found))


def regions(kind: str) -> list[tuple[str, str]]:
    """(key, name) of the regions whose table decides this kind, named as the manifest does."""
    from toolkit.manifest import ManifestError, load_manifest

    try:
        names = {k: r.name for k, r in load_manifest().regions.items()}
    except ManifestError:
        names = {}
    return [(r, names.get(r, r)) for r, t in _tables().items() if kind in t]


# --- models → fields ---------------------------------------------------------------------------

def _base(annotation: Any) -> Any:
    """``Annotated[str, …]`` → ``str``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> list[Any]:
    ann = _base(annotation)
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return [_base(a) for a in typing.get_args(ann)]
    return [ann]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _rows(kind_counts: dict[str, int], path: str, data: Any, least: int) -> int:
    """Rows to show: the case's own, one empty row more, and at least every row posted."""
    have = len(data) if isinstance(data, list | dict) else 0
    return max(least, have + EXTRA_ROWS, kind_counts.get(generic(path), 0))


def _literal(kind: str, path: str, ann: Any) -> list[tuple[str, str]]:
    names = _choice_names(path) or dict(suggestions(kind, path))
    return [(str(v), names.get(str(v), str(v))) for v in typing.get_args(ann)]


def _field(kind: str, path: str, annotation: Any, required: bool, data: Any,
           counts: dict[str, int]) -> Field:
    members = _members(annotation)
    nullable = type(None) in members
    kinds = [m for m in members if m is not type(None)]
    label = label_for(kind, path)
    make = lambda widget, **kw: Field(path, label, widget, required, **kw)  # noqa: E731
    if len(kinds) == 2 and bool in kinds and any(typing.get_origin(k) is list for k in kinds):
        return make("lines_or_flag", suggestions=list(suggestions(kind, path)))
    ann = kinds[0] if kinds else str
    if _is_model(ann):
        return make("group", children=model_fields(ann, kind, path, data or {}, counts=counts))
    origin = typing.get_origin(ann)
    if origin is list:
        inner = _members(typing.get_args(ann)[0])
        if all(_is_model(m) for m in inner) and len(inner) > 1:
            return _variants(kind, path, inner, required, data, counts)
        if _is_model(inner[0]):
            count = _rows(counts, path, data, MIN_ROWS["rows"])
            rows = [Field(f"{path}.[{i}]", f"第{i}项", "group",
                          children=model_fields(inner[0], kind, f"{path}.[{i}]",
                                                _item(data, i), counts=counts))
                    for i in range(1, count + 1)]
            return make("rows", children=rows)
        return make("lines", suggestions=list(suggestions(kind, path)))
    if origin is dict:
        value = [m for m in _members(typing.get_args(ann)[1]) if m is not type(None)]
        count = _rows(counts, path, data, MIN_ROWS["pairs"])
        rows = [Field(f"{path}.[{i}]", f"第{i}项", "group") for i in range(1, count + 1)]
        return make("pairs", children=rows, suggestions=list(suggestions(kind, path)),
                    value_widget="tristate" if value == [bool] else "number")
    if origin is Literal:
        return make("select", choices=_literal(kind, path, ann))
    if ann is bool:
        return make("tristate" if nullable or required else "flag")
    if ann is dt.date:
        return make("date")
    if ann is int:
        return make("number")
    if ann is float:
        return make("decimal")
    if path.rsplit(".", 1)[-1] == "region" and "." not in path:
        return make("select", choices=regions(kind))
    return make("text", suggestions=list(suggestions(kind, path)))


def _item(data: Any, i: int) -> Any:
    return data[i - 1] if isinstance(data, list) and len(data) >= i else {}


def _variants(kind: str, path: str, models: list[type[BaseModel]], required: bool,
              data: Any, counts: dict[str, int]) -> Field:
    """Rows of a discriminated list: a type select, and each type's own fields under
    ``<path>.[i].<tag>.`` (pydantic's error path for that type)."""
    tags = {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in models}
    names = _choice_names(f"{path}.type")
    count = _rows(counts, path, data, MIN_ROWS["variants"])
    rows = []
    for i in range(1, count + 1):
        item = _item(data, i)
        variants = {tag: model_fields(m, kind, f"{path}.[{i}].{tag}",
                                      item if item.get("type") == tag else {}, skip={"type"},
                                      counts=counts)
                    for tag, m in tags.items()}
        rows.append(Field(f"{path}.[{i}]", f"第{i}项", "group", variants=variants,
                          choices=[(t, names.get(t, t)) for t in tags]))
    return Field(path, label_for(kind, path), "variants", required, children=rows,
                 choices=[(t, names.get(t, t)) for t in tags])


def model_fields(model: type[BaseModel], kind: str, prefix: str = "", data: Any = None,
                 skip: set[str] | frozenset[str] = frozenset({"kind"}),
                 counts: dict[str, int] | None = None) -> list[Field]:
    """The form of a case model (``data``: the case shown, so lists get enough rows;
    ``counts``: rows posted per list, so every posted row is read back)."""
    data = data if isinstance(data, dict) else {}
    counts = counts or {}
    out = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        path = f"{prefix}.{name}" if prefix else name
        out.append(_field(kind, path, info.annotation, info.is_required(), data.get(name),
                          counts))
    return out


def case_fields(kind: str, data: Any = None, form: dict[str, str] | None = None) -> list[Field]:
    """The form of ``kind``'s case model, with rows for ``data`` and for a posted ``form``."""
    from toolkit.rules.cases import CASE_MODELS

    return model_fields(CASE_MODELS[kind], kind, data=data, counts=posted_rows(form or {}))


# --- posted form → case data ---------------------------------------------------------------

def _scalar(widget: str, raw: str) -> Any:
    if widget in ("tristate", "flag"):
        return {TRUE: True, FALSE: False}.get(raw)
    if widget == "number":
        return int(raw) if re.fullmatch(r"[+-]?\d+", raw) else raw  # the model says why not
    if widget == "decimal":
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def value_of(spec: Field, form: dict[str, str]) -> Any:
    """The posted value of one field as plain case data, or None when left empty."""
    if spec.widget == "group":
        data = {c.name.rsplit(".", 1)[-1]: v for c in spec.children
                if (v := value_of(c, form)) is not None}
        return data or None
    if spec.widget == "rows":
        return [v for row in spec.children if (v := value_of(row, form)) is not None] or None
    if spec.widget == "variants":
        out = []
        for row in spec.children:
            tag = (form.get(f"{row.name}.type") or "").strip()
            fields = row.variants.get(tag, [])
            data = {c.name.rsplit(".", 1)[-1]: v for c in fields
                    if (v := value_of(c, form)) is not None}
            if data:
                out.append({"type": tag, **data})
        return out or None
    if spec.widget == "pairs":
        pairs = {}
        for row in spec.children:
            key = (form.get(f"{row.name}.key") or "").strip()
            if key:
                raw = (form.get(f"{row.name}.value") or "").strip()
                pairs[key] = _scalar(spec.value_widget, raw) if raw else None
        return pairs or None
    raw = (form.get(spec.name) or "").strip()
    if spec.widget == "lines_or_flag":
        listed = _lines(form.get(f"{spec.name}.list") or "")
        return listed or _scalar("tristate", raw)
    if not raw:
        return None
    if spec.widget == "lines":
        return _lines(raw)
    return _scalar(spec.widget, raw)


def form_to_case(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """The case data a posted form stands for (empty fields left out: "missing" if required)."""
    return {spec.name: v for spec in case_fields(kind, form=form)
            if (v := value_of(spec, form)) is not None}


def posted_rows(form: dict[str, str]) -> dict[str, int]:
    """The highest row posted per list (``events.[4].scoring.date`` → events: 4)."""
    counts: dict[str, int] = {}
    for key in form:
        for m in re.finditer(r"\.\[(\d+)\]", key):
            path = generic(key[:m.start()])
            counts[path] = max(counts.get(path, 0), int(m.group(1)))
    return counts


# --- case data → form values -----------------------------------------------------------------

def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def case_to_form(specs: list[Field], data: Any) -> dict[str, str]:
    """Case data (an example file, a posted case) as the form's values, by field name."""
    out: dict[str, str] = {}
    data = data if isinstance(data, dict) else {}
    for spec in specs:
        _fill(spec, data.get(spec.name.rsplit(".", 1)[-1]), out)
    return out


def _fill(spec: Field, value: Any, out: dict[str, str]) -> None:
    if value is None:
        return
    if spec.widget == "group":
        out |= case_to_form(spec.children, value)
    elif spec.widget == "rows" and isinstance(value, list):
        for row, item in zip(spec.children, value, strict=False):
            out |= case_to_form(row.children, item)
    elif spec.widget == "variants" and isinstance(value, list):
        for row, item in zip(spec.children, value, strict=False):
            if isinstance(item, dict):
                tag = str(item.get("type", ""))
                out[f"{row.name}.type"] = tag
                out |= case_to_form(row.variants.get(tag, []), item)
    elif spec.widget == "pairs" and isinstance(value, dict):
        for row, (k, v) in zip(spec.children, value.items(), strict=False):
            out[f"{row.name}.key"] = str(k)
            if v is not None:
                out[f"{row.name}.value"] = _shown(v)
    elif spec.widget == "lines_or_flag":
        if isinstance(value, list):
            out[f"{spec.name}.list"] = "\n".join(map(str, value))
        else:
            out[spec.name] = _shown(value)
    elif spec.widget == "lines" and isinstance(value, list):
        out[spec.name] = "\n".join(map(str, value))
    else:
        out[spec.name] = _shown(value)


# --- messages beside their fields ----------------------------------------------------------

_PROBLEM = re.compile(r"^(?P<label>.*?)（(?P<path>[^（）]+)）：(?P<reason>.*)$", re.S)


def field_messages(problems: list[str], specs: list[Field],
                   data: dict[str, Any]) -> tuple[dict[str, list[str]], list[str]]:
    """``explain`` lines split into {field name: reasons} and those about the whole case. A
    mapping's entry (``facts.rectification_failed``) goes beside the row holding its key; a
    path the form has no field for (a typed row's own check) beside the nearest field above."""
    keys = _pair_rows(specs, data)
    names = set(_names(specs))
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for p in problems:
        m = _PROBLEM.match(p)
        path = keys.get(m.group("path"), m.group("path")) if m else ""
        while path and path not in names:
            path = path.rpartition(".")[0]
        if path:
            by_field.setdefault(path, []).append(m.group("reason"))
        else:  # a check of the whole case: on a form page it is about the case, not a file
            general.append(p.removeprefix("整个文件："))
    return by_field, general


def _pair_rows(specs: list[Field], data: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    data = data if isinstance(data, dict) else {}
    for spec in specs:
        value = data.get(spec.name.rsplit(".", 1)[-1])
        if spec.widget == "pairs" and isinstance(value, dict):
            for row, key in zip(spec.children, value, strict=False):
                out[f"{spec.name}.{key}"] = f"{row.name}.key"
        elif spec.widget == "group":
            out |= _pair_rows(spec.children, value)
    return out


def _names(specs: list[Field]):
    for spec in specs:
        yield spec.name
        if spec.widget == "pairs":
            yield from (f"{row.name}.key" for row in spec.children)
        yield from _names(spec.children)
        for fields in spec.variants.values():
            yield from _names(fields)
