"""The models of the beneficiaries app, one module per topic:

- ``registry``: households, persons (ID and bank card encrypted), users' own registry entries
- ``enrolment``: enrolments in project-years, subsidy standards, mutually exclusive projects
- ``payments``: payment batches, payments by the days they cover, callbacks
- ``anomalies``: the anomaly checks' findings and nightly runs, clearances of held batch lines
- ``recovery``: recovery items (追回) for days paid after a late-reported exit or death

Callers import from ``beneficiaries.models``; the names below are its public surface.
"""

from beneficiaries.models.anomalies import AnomalyFinding, AnomalyRun, PaymentClearance
from beneficiaries.models.enrolment import MONEY, Enrolment, EnrolmentQuerySet, ExclusivePair, SubsidyStandard
from beneficiaries.models.payments import Callback, Payment, PaymentBatch, period_label
from beneficiaries.models.recovery import Recovery
from beneficiaries.models.registry import (
    HISTORY_UNINDEXED,
    Household,
    Person,
    PersonQuerySet,
    UserPerson,
    normalize_card,
)

__all__ = [
    "HISTORY_UNINDEXED",
    "MONEY",
    "AnomalyFinding",
    "AnomalyRun",
    "Callback",
    "Enrolment",
    "EnrolmentQuerySet",
    "ExclusivePair",
    "Household",
    "Payment",
    "PaymentBatch",
    "PaymentClearance",
    "Person",
    "PersonQuerySet",
    "Recovery",
    "SubsidyStandard",
    "UserPerson",
    "normalize_card",
    "period_label",
]
