"""The document types policykit fills in: name, template, case model, context builder, example."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from toolkit.documents import cases as C
from toolkit.documents import context as X

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class DocType:
    key: str
    name: str  # the title clerks know it by
    kind: str  # notice | agreement
    model: type[BaseModel]
    build: Callable  # (case, basis, decision) -> (context, warnings)
    concepts: tuple[str, ...]  # what it quotes (for `policykit templates`)
    decision: bool = True  # takes --from-decision

    @property
    def template(self) -> Path:
        return TEMPLATES / f"{self.kind}s" / f"{self.key}.docx"

    @property
    def example(self) -> Path:
        return EXAMPLES / f"{self.key}.yaml"


TYPES: dict[str, DocType] = {t.key: t for t in (
    DocType("refusal", "不予受理通知书", "notice", C.RefusalCase, X.refusal,
            ("refusal_grounds", "application_remedies")),
    DocType("supplement", "补正材料告知书", "notice", C.SupplementCase, X.supplement,
            ("supplement_notice",), decision=False),
    DocType("evaluation_failed", "评估结果告知书（不合格）", "notice", C.EvaluationFailedCase,
            X.evaluation_failed, ("evaluation_failed", "application_remedies"), decision=False),
    DocType("suspension", "中止医保协议决定书", "notice", C.SuspensionCase, X.suspension,
            ("suspension", "suspension_effect", "decision_remedies")),
    DocType("termination", "解除医保协议决定书", "notice", C.TerminationCase, X.termination,
            ("termination", "termination_effect", "decision_remedies")),
    DocType("interview", "约谈通知书", "notice", C.InterviewCase, X.interview, ("interview",),
            decision=False),
    DocType("staff_points", "医保支付资格记分告知书", "notice", C.StaffPointsCase, X.staff_points,
            ("staff_scoring", "staff_band_*", "staff_consequences", "staff_repair",
             "staff_appeal")),
    DocType("staff_suspension", "暂停医保支付资格告知书", "notice", C.StaffSuspensionCase,
            X.staff_suspension, ("staff_consequences", "staff_repair", "staff_appeal")),
    DocType("staff_termination", "终止医保支付资格告知书", "notice", C.StaffTerminationCase,
            X.staff_termination, ("staff_consequences", "staff_repair", "staff_appeal")),
    DocType("service_agreement", "医疗保障服务协议（草案）", "agreement", C.ServiceAgreementCase,
            X.service_agreement, ("agreement_term", "renewal", "payment_deadline",
                                  "quality_deposit", "breach_handling", "suspension",
                                  "termination", "remedies"), decision=False),
    DocType("internet_plus", "“互联网+”医疗服务医保支付补充协议（草案）", "agreement",
            C.InternetPlusCase, X.internet_plus, ("internet_plus", "payment_deadline"),
            decision=False),
)}


def of_kind(kind: str) -> dict[str, DocType]:
    return {k: t for k, t in TYPES.items() if t.kind == kind}
