"""Build the example case tables for ``policykit batch``: refusal.xlsx and refusal.csv.

Four 不予受理通知书 cases, the first being examples/refusal.yaml, the others the same notice to
other applicants on other grounds (items of the Guangdong refusal list, 第九条). The columns are
the refusal case model's (toolkit.issuing.batch_table), so the tables always match the code:

    .venv/bin/python examples/batch/make_examples.py      # rewrites the two files here
    .venv/bin/policykit batch examples/batch/refusal.xlsx --type refusal -o out/batch --pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.documents.cases import parse_case, read_data  # noqa: E402
from toolkit.issuing.batch_table import case_cells, schema_for, write_case_table  # noqa: E402

# applicant, received_on, grounds (item → the facts the clerk found), case id
VARIANTS = [
    ("揭阳市榕城区仁和门诊部", "2026-11-17",
     [(1, "经核查，你单位执业范围以医疗美容服务为主。")], "JY-2026-0102"),
    ("揭阳市揭东区安康诊所", "2026-11-18",
     [(6, "经核查，你单位因严重违反医保协议约定于2026年3月被解除医保协议，至今未满1年。"),
      (8, "经核查，你单位法定代表人被列入失信人名单。")], "JY-2026-0103"),
    ("揭阳市空港经济区惠民诊所", "2026-11-19",
     [(2, "经核查，你单位基本医疗服务未执行医疗保障行政部门制定的医药价格政策。")], "JY-2026-0104"),
]


def example_cases() -> list:
    """The example refusal case and its variants, validated by the case model."""
    base = read_data(ROOT / "examples" / "refusal.yaml")
    base.pop("doc_number", None)  # allocated by the register when issued
    cases = [parse_case(base | {"case_id": "JY-2026-0101"}, "examples/refusal.yaml")]
    for name, received, grounds, case_id in VARIANTS:
        data = base | {
            "case_id": case_id,
            "addressee": name,
            "applicant": base["applicant"] | {"name": name},
            "received_on": received,
            "grounds": [{"item": item, "facts": facts} for item, facts in grounds],
        }
        cases.append(parse_case(data, f"variant {case_id}"))
    return cases


def example_rows() -> list[dict[str, str]]:
    schema = schema_for("refusal")
    return [case_cells(schema, c) for c in example_cases()]


def main() -> None:
    rows = example_rows()
    schema = schema_for("refusal")
    for name in ("refusal.xlsx", "refusal.csv"):
        path = write_case_table(HERE / name, schema, rows)
        print(f"{path.relative_to(ROOT)}: {len(rows)} rows, {len(schema.headers)} columns")


if __name__ == "__main__":
    main()
