"""Running the anomaly checks (虚报冒领) and handling their findings.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime
import logging
import zlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import AnomalyFinding, AnomalyRun
from org.audit import SYSTEM, audited_bulk_create, audited_save, audited_update
from org.models import Division
from org.roles import OFFICE, OFFICE_AND_REVIEWER, require_role
from org.scoping import Scope, require_scope, scope_prefix

if TYPE_CHECKING:
    from org.models import User

logger = logging.getLogger(__name__)

#: change reasons of what an anomaly run writes: the nightly run (by org.audit.SYSTEM), one on demand
ANOMALY_TASK = "anomaly_check_run"
ANOMALY_RUN = "anomaly check run"

#: the first key of the anomaly checks' advisory locks (the second is the county's code)
LOCK_NAMESPACE = zlib.crc32(b"beneficiaries.anomaly_check") & 0x7FFFFFFF
COUNTY_CODE_LENGTH = 6


class AnomalyRunBusy(ValidationError):
    """The checks of a county are running in another transaction right now."""


def county_lock(county_code: str) -> bool:
    """Take the advisory lock of ``county_code``'s anomaly checks for the current transaction
    (pg_try_advisory_xact_lock: it goes with the commit, the rollback, or the connection of a
    worker that died). False when another transaction holds it. It holds whatever delivered the
    work: a task redelivered by the broker while the first delivery still runs finds it taken.
    On SQLite (``make run``, one machine) there is none to take: writers queue on the file."""
    if not connection.in_atomic_block:
        raise RuntimeError("county_lock() holds for a transaction: call it inside transaction.atomic()")
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, int(county_code)])
        return bool(cursor.fetchone()[0])


def _counties(prefix: str) -> list[str]:
    """The codes of the counties an area (a code prefix) lies in: its own county for a county,
    township or village; every county under it for a wider one ("" is the whole portal)."""
    if len(prefix) >= COUNTY_CODE_LENGTH:
        return [prefix[:COUNTY_CODE_LENGTH]]
    return list(
        Division.objects.filter(level=Division.Level.COUNTY, code__startswith=prefix)
        .order_by("code")
        .values_list("code", flat=True)
    )


def _empty_summary(rules) -> dict:
    from beneficiaries.anomalies import RULES

    return {str(rule): {"found": 0, "new": 0} for rule in RULES if not rules or rule in rules}


def _add(summary: dict, part: dict) -> dict:
    for rule, counts in part.items():
        total = summary.setdefault(rule, {"found": 0, "new": 0})
        total["found"] += counts["found"]
        total["new"] += counts["new"]
    return summary


def anomaly_check_run(*, user: "User | Scope", rules=None) -> dict:
    """Run the anomaly rules and store what they find. ``user``: an on-demand run by that
    user keeps the findings inside their area; ``Scope.system(...)`` checks everything (the
    nightly run fans out per county instead: anomaly_run_start / anomaly_check_county). ``None``
    raises TypeError. A finding seen before keeps its row, status and note; only ``last_seen``
    moves. Returns counts per rule of what was found now and how many of those are new.

    Each county of the area is checked in its own transaction under its advisory lock; when
    another run holds a county's lock this raises AnomalyRunBusy (a ValidationError: the
    on-demand job fails with its message) and that county's part writes nothing.

    The history rows of what the run writes (``last_seen``, new findings) name ``user``; those of
    a system run name no user and the change reason "system: anomaly_check_run"."""
    scope = require_scope(user)
    if not scope.is_system:
        require_role(scope.user, *OFFICE_AND_REVIEWER)
    actor = SYSTEM if scope.is_system else scope.user
    reason = ANOMALY_TASK if scope.is_system else ANOMALY_RUN
    prefix = scope_prefix(scope)
    if prefix is None:
        raise PermissionDenied(gettext("You have no division to act in."))
    summary = _empty_summary(rules)
    for county_code in _counties(prefix):
        area = prefix if len(prefix) > len(county_code) else county_code
        with transaction.atomic():
            if not county_lock(county_code):
                logger.warning("Anomaly checks of county %s are already running: run refused", county_code)
                raise AnomalyRunBusy(
                    gettext(
                        "The anomaly checks of county %(county)s are running right now; "
                        "try again when they have finished."
                    )
                    % {"county": county_code}
                )
            _add(summary, _check_area(area, rules=rules, actor=actor, reason=reason))
    return summary


def _check_area(prefix: str, *, rules, actor, reason) -> dict:
    """Run the rules over one area (inside the caller's transaction and lock) and upsert what
    they find: known keys get ``last_seen`` now, new keys a row (ignore_conflicts: a run
    racing this one outside the lock, e.g. on SQLite, may have stored the same key first)."""
    from beneficiaries.anomalies import RULES

    now = timezone.now()
    summary = {}
    for rule, function in RULES.items():
        if rules and rule not in rules:
            continue
        found = list(function(prefix))
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
        audited_bulk_create(
            new, user=actor, reason=reason, batch_size=2000, ignore_conflicts=True, unique_fields=["key"]
        )
        summary[str(rule)] = {"found": len(found), "new": len(new)}
    return summary


# --- the nightly run: one task per county ------------------------------------------------------


def anomaly_run_start(*, task_id: str) -> AnomalyRun | None:
    """Start the nightly run over every county, or refuse: None when another run is still
    running (logged; the anomaly page shows "running since"). A running run older than
    settings.ANOMALY_RUN_TIMEOUT is set aside as abandoned first (its workers died: the counties
    they held are unlocked with their connections). When this delivery (``task_id``) started a
    run before (the broker delivered the message twice), that run while it is still running, else
    None. The caller enqueues one anomaly_check_county per county of the run not done yet."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.ANOMALY_RUN_TIMEOUT)
    with transaction.atomic():
        mine = AnomalyRun.objects.filter(task_id=task_id).first()
        if mine is not None:
            # The broker delivered the start again (a retry, a worker lost after the fan-out):
            # its run goes on; what it has not checked is sent again (done counties are skipped).
            logger.info("Anomaly run %s of delivery %s exists already (%s)", mine.pk, task_id, mine.status)
            return mine if mine.status == AnomalyRun.Status.RUNNING else None
        AnomalyRun.objects.filter(status=AnomalyRun.Status.RUNNING, started_at__lt=stale).update(
            status=AnomalyRun.Status.ABANDONED, finished_at=now
        )
        try:
            with transaction.atomic():
                counties = _counties("")
                return AnomalyRun.objects.create(
                    task_id=task_id,
                    started_at=now,
                    counties=counties,
                    summary=_empty_summary(None),
                    # a portal without counties has nothing to check: done at once
                    status=AnomalyRun.Status.RUNNING if counties else AnomalyRun.Status.DONE,
                    finished_at=None if counties else now,
                )
        except IntegrityError:
            running = AnomalyRun.objects.filter(status=AnomalyRun.Status.RUNNING).first()
            logger.warning(
                "Anomaly checks already running since %s: the start of delivery %s is skipped",
                running.started_at if running else "?",
                task_id,
            )
            return None


def anomaly_check_county(*, run_id: int, county_code: str) -> str:
    """One county's part of nightly run ``run_id``, in one transaction under the county's
    advisory lock: "done", or "skipped" when the lock is held (a redelivery of this task while
    the first delivery still runs, or an on-demand run of the county) or when this county of
    the run is already checked (a redelivery after the first delivery committed). The last
    county to finish marks the run done (the run's row lock orders the counties' last steps)."""
    with transaction.atomic():
        if not county_lock(county_code):
            logger.warning(
                "Anomaly checks of county %s are already running: part of run %s skipped", county_code, run_id
            )
            return "skipped"
        run = AnomalyRun.objects.filter(pk=run_id).first()
        if run is None or county_code in run.done:
            return "skipped"
        part = _check_area(county_code, rules=None, actor=SYSTEM, reason=ANOMALY_TASK)
        run = AnomalyRun.objects.select_for_update().get(pk=run_id)
        run.done = [*run.done, county_code]
        run.summary = _add(run.summary, part)
        fields = ["done", "summary"]
        if run.status == AnomalyRun.Status.RUNNING and set(run.counties) <= set(run.done):
            run.status, run.finished_at = AnomalyRun.Status.DONE, timezone.now()
            fields += ["status", "finished_at"]
        run.save(update_fields=fields)
    return "done"


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
