"""HTML forms generated from the case models (toolkit.documents.cases), and back.

A field's name in the form is its path as ``cases.explain`` prints it (``applicant.name``,
``grounds.[1].facts``), so each validation message lands beside its field. The models stay the
only place that says what a case needs; this module only maps widgets and parses the posted
strings into the plain data ``parse_case`` validates.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

SKIP = {"type", "doc_number"}  # the type is the page; the 文号 comes from the register
ROWS = 3  # rows offered for a list of grounds (a fourth appears once three are filled)


@dataclass
class FieldSpec:
    name: str  # form name = error path
    label: str
    widget: str  # text | date | datetime | number | select | lines | group | rows
    required: bool
    choices: tuple[str, ...] = ()
    children: list[FieldSpec] = field(default_factory=list)  # group: fields; rows: one row
    rows: int = 0


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    """``Annotated[str, …]`` → ``str``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _spec(name: str, info, annotation: Any, required: bool, filled: dict[str, Any]) -> FieldSpec:
    ann, _ = _strip_optional(_base(annotation))
    ann = _base(ann)
    label = info.title or name
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return FieldSpec(name, label, "group", required, children=model_fields(ann, name, filled))
    if typing.get_origin(ann) is list:
        (inner,) = typing.get_args(ann)
        inner = _base(inner)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            used = sum(1 for k in filled if k.startswith(f"{name}.["))
            count = max(ROWS, _rows_used(filled, name) + 1) if used else ROWS
            rows = [FieldSpec(f"{name}.[{i}]", f"第{i}项", "group", False,
                              children=model_fields(inner, f"{name}.[{i}]", filled))
                    for i in range(1, count + 1)]
            return FieldSpec(name, label, "rows", required, children=rows, rows=count)
        return FieldSpec(name, label, "lines", required)
    if typing.get_origin(ann) is Literal:
        return FieldSpec(name, label, "select", required, choices=typing.get_args(ann))
    if ann is dt.datetime:
        return FieldSpec(name, label, "datetime", required)
    if ann is dt.date:
        return FieldSpec(name, label, "date", required)
    if ann is int:
        return FieldSpec(name, label, "number", required)
    return FieldSpec(name, label, "text", required)


def _rows_used(filled: dict[str, Any], name: str) -> int:
    found = [int(m.group(1)) for k in filled
             if (m := re.match(rf"{re.escape(name)}\.\[(\d+)\]", k))]
    return max(found, default=0)


def model_fields(model: type[BaseModel], prefix: str = "",
                 filled: dict[str, Any] | None = None) -> list[FieldSpec]:
    filled = filled or {}
    out = []
    for name, info in model.model_fields.items():
        if not prefix and name in SKIP:
            continue
        path = f"{prefix}.{name}" if prefix else name
        out.append(_spec(path, info, info.annotation, info.is_required(), filled))
    return out


def _value(spec: FieldSpec, form: dict[str, str]) -> Any:
    """The posted value of one field as plain data, or None when left empty."""
    if spec.widget == "group":
        data = {c.name.rsplit(".", 1)[-1]: v for c in spec.children
                if (v := _value(c, form)) is not None}
        return data or None
    if spec.widget == "rows":
        rows = [v for row in spec.children if (v := _value(row, form)) is not None]
        return rows or None
    raw = (form.get(spec.name) or "").strip()
    if not raw:
        return None
    if spec.widget == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if spec.widget == "number":
        try:
            return int(raw)
        except ValueError:
            return raw  # the model says why it is not a number
    return raw


def form_to_data(model: type[BaseModel], form: dict[str, str]) -> dict[str, Any]:
    """The case data a posted form stands for (empty fields left out: 'missing' if required)."""
    return {spec.name: v for spec in model_fields(model, filled=form)
            if (v := _value(spec, form)) is not None}


def data_to_form(data: Any, prefix: str = "") -> dict[str, str]:
    """Case data (an example file, a decision) flattened into form values."""
    out: dict[str, str] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out |= data_to_form(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, item in enumerate(data, 1):
            out |= data_to_form(item, f"{prefix}.[{i}]")
    elif isinstance(data, list):
        out[prefix] = "\n".join(str(x) for x in data)
    elif isinstance(data, dt.datetime):
        out[prefix] = data.strftime("%Y-%m-%dT%H:%M")
    elif data is not None:
        out[prefix] = str(data)
    return out


_PROBLEM = re.compile(r"^(?P<label>.*?)（(?P<path>[\w.\[\]]+)）：(?P<reason>.*)$", re.S)


def field_messages(problems: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """CaseError lines split into {field path: messages} and the ones about the whole case."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for p in problems:
        m = _PROBLEM.match(p)
        if m:
            by_field.setdefault(m.group("path"), []).append(m.group("reason"))
        else:
            general.append(p)
    return by_field, general
