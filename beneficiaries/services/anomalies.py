"""Running the anomaly checks (虚报冒领) and handling their findings.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import (
    AnomalyFinding,
)
from org.audit import SYSTEM, audited_bulk_create, audited_save, audited_update
from org.models import Division
from org.roles import OFFICE, OFFICE_AND_REVIEWER, require_role
from org.scoping import Scope, require_scope, scope_prefix

if TYPE_CHECKING:
    from org.models import User

#: change reasons of what an anomaly run writes: the nightly run (by org.audit.SYSTEM), one on demand
ANOMALY_TASK = "anomaly_check_run"
ANOMALY_RUN = "anomaly check run"


def anomaly_check_run(*, user: "User | Scope", rules=None) -> dict:
    """Run the anomaly rules and store what they find. ``user``: an on-demand run by that
    user keeps the findings inside their area; the nightly run passes
    ``Scope.system("nightly anomaly checks")`` (everything). ``None`` raises TypeError. A
    finding seen before keeps its row, status and note; only ``last_seen`` moves. Returns
    counts per rule of what was found now and how many of those are new.

    The history rows of what the run writes (``last_seen``, new findings) name ``user``; those of
    a system run name no user and the change reason "system: anomaly_check_run"."""
    from beneficiaries.anomalies import RULES

    scope = require_scope(user)
    if not scope.is_system:
        require_role(scope.user, *OFFICE_AND_REVIEWER)
    actor = SYSTEM if scope.is_system else scope.user
    reason = ANOMALY_TASK if scope.is_system else ANOMALY_RUN
    prefix = scope_prefix(scope)
    if prefix is None:
        raise PermissionDenied(gettext("You have no division to act in."))
    villages = dict(Division.objects.filter(level=Division.Level.VILLAGE).values_list("pk", "code"))
    now = timezone.now()
    summary = {}
    for rule, function in RULES.items():
        if rules and rule not in rules:
            continue
        found = [f for f in function() if villages.get(f.village_id, "").startswith(prefix)]
        with transaction.atomic():
            keys = [f.key for f in found]
            known = set()
            for start in range(0, len(keys), 5000):
                chunk = keys[start : start + 5000]
                known |= set(AnomalyFinding.objects.filter(key__in=chunk).values_list("key", flat=True))
                audited_update(
                    AnomalyFinding.objects.filter(key__in=chunk), user=actor, reason=reason, last_seen=now
                )
            new = [
                AnomalyFinding(
                    rule=f.rule,
                    key=f.key,
                    village_id=f.village_id,
                    person_id=f.person_id,
                    enrolment_id=f.enrolment_id,
                    payment_id=f.payment_id,
                    related=f.related,
                    detail=f.detail[:300],
                    last_seen=now,
                )
                for f in found
                if f.key not in known
            ]
            # ignore_conflicts: a run racing this one may have stored the same key first
            audited_bulk_create(
                new, user=actor, reason=reason, batch_size=2000, ignore_conflicts=True, unique_fields=["key"]
            )
        summary[str(rule)] = {"found": len(found), "new": len(new)}
    return summary


def _anomaly_handle(*, user, finding: AnomalyFinding, status: str, note: str) -> AnomalyFinding:
    require_role(user, *OFFICE)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": gettext("Write what was found out.")})
    with transaction.atomic():
        locked = AnomalyFinding.objects.visible_to(user).select_for_update().get(pk=finding.pk)
        locked.status, locked.note, locked.handled_by = status, note[:500], user
        audited_save(locked, user=user, update_fields=["status", "note", "handled_by"])
    return locked


def anomaly_explain(*, user, finding: AnomalyFinding, note: str) -> AnomalyFinding:
    """Close a finding as explained (not a false claim), with the explanation."""
    return _anomaly_handle(user=user, finding=finding, status=AnomalyFinding.Status.EXPLAINED, note=note)


def anomaly_confirm(*, user, finding: AnomalyFinding, note: str) -> AnomalyFinding:
    """Confirm a finding as a real irregularity, with what follows (recovery, exit …)."""
    return _anomaly_handle(user=user, finding=finding, status=AnomalyFinding.Status.CONFIRMED, note=note)
