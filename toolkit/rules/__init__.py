"""Decisions from the rules: tables per region (toolkit/rules/tables/*.yaml), one engine.

``decide_case(case, corpus)`` dispatches a validated case (toolkit.rules.cases) to its decider;
every decision carries the nodes and exact words it rests on.
"""

from __future__ import annotations

from typing import Any


def decide_case(case: Any, corpus: Any) -> Any:
    from toolkit.rules.agreement import decide_agreement
    from toolkit.rules.application import decide_application
    from toolkit.rules.points import decide_staff
    from toolkit.rules.timeline import decide_timeline

    deciders = {"application": decide_application, "timeline": decide_timeline,
                "agreement": decide_agreement, "staff": decide_staff}
    return deciders[case.kind](case, corpus)
