"""Reads of the person registry, always through the user's scope."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import (
    AnomalyFinding,
    AnomalyRun,
    Callback,
    Enrolment,
    Household,
    Payment,
    PaymentBatch,
    PaymentClearance,
    Person,
    Recovery,
    SubsidyStandard,
)
from core.idcard import normalize_id_number
from core.money import rate
from org.models import Role

ID_LIKE = re.compile(r"^\d{6,17}[\dXx]?$")
ASCII_WORD = re.compile(r"^[A-Za-z]+$")


def sees_whole_numbers(user) -> bool:
    """County auditors need ID and card numbers whole; everyone else sees them masked."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.COUNTY_AUDITOR
    )


def person_list(*, user, search: str | None = None, village_id: int | None = None, status: str | None = None):
    """Persons in scope. ``search`` takes a name (张三), its pinyin or initials (zhangsan, zs), or
    a whole ID number (matched exactly through the blind index)."""
    qs = Person.objects.visible_to(user).select_related("village", "household")
    if village_id:
        qs = qs.filter(village_id=village_id)
    if status:
        qs = qs.filter(status=status)
    search = (search or "").strip()
    if search:
        if ID_LIKE.match(search) and len(search) == 18:
            qs = qs.with_id_number(normalize_id_number(search))
        elif ASCII_WORD.match(search):
            qs = qs.filter(name_search__contains=search.lower())
        else:
            qs = qs.filter(name__contains=search)
    return qs


def person_get(*, user, pk: int) -> Person:
    return get_object_or_404(
        Person.objects.visible_to(user).select_related("village__parent", "household"), pk=pk
    )


def household_list(*, user, village_id: int | None = None):
    qs = Household.objects.visible_to(user).select_related("village", "head")
    if village_id:
        qs = qs.filter(village_id=village_id)
    return qs


def household_get(*, user, pk: int) -> Household:
    return get_object_or_404(Household.objects.visible_to(user).select_related("village", "head"), pk=pk)


# --- enrolments, standards, batches, payments, callbacks, anomalies --------------------------


def enrolment_list(
    *,
    user,
    project_id: int | None = None,
    village_id: int | None = None,
    status: str | None = None,
    search: str | None = None,
    tier: str | None = None,
):
    """Enrolments in scope, with project, person and village joined (one query per page)."""
    qs = Enrolment.objects.visible_to(user).select_related("project", "person", "village")
    if project_id:
        qs = qs.filter(project_id=project_id)
    if village_id:
        qs = qs.filter(village_id=village_id)
    if status:
        qs = qs.filter(status=status)
    if tier:
        qs = qs.filter(tier=tier)
    search = (search or "").strip()
    if search:
        qs = qs.filter(person__in=person_list(user=user, search=search).values("pk"))
    return qs.order_by("village__code", "person__name", "pk")


def enrolment_get(*, user, pk: int) -> Enrolment:
    return get_object_or_404(
        Enrolment.objects.visible_to(user).select_related(
            "project",
            "person__household",
            "village__parent",
            "village_notice",
            "township_notice",
            "final_notice",
            "approved_by",
            "created_by",
        ),
        pk=pk,
    )


def enrolment_projects(*, user):
    """The projects a user may enrol people in and see rosters of: those visible to them, and
    those run by their township or county (a village cadre enrols in the township's projects)."""
    from org.scoping import scope_prefix
    from projects.models import Project

    prefix = scope_prefix(user)
    if prefix is None:
        return Project.objects.none()
    qs = Project.objects.all()
    if prefix:
        ancestors = [prefix[:n] for n in (6, 9, 12) if n <= len(prefix)]
        visible = Project.objects.visible_to(user).values("pk")
        qs = qs.filter(Q(pk__in=visible) | Q(division__code__in=ancestors))
    return qs.order_by("-year", "code")


def enrolment_project_get(*, user, project):
    """The project as the user may enrol in it (its division loaded for the rules), or refuse
    with a ValidationError on ``project`` (the enrolment, notice and batch services ask it)."""
    found = (
        None
        if project is None
        else enrolment_projects(user=user).select_related("division").filter(pk=project.pk).first()
    )
    if found is None:
        raise ValidationError(
            {"project": gettext("The project %(project)s is outside your area.") % {"project": project}}
        )
    return found


NOTICE_ROUNDS = {
    "village": ("village_notice", _("village list (first round)")),
    "township": ("township_notice", _("township review list (second round)")),
    "final": ("final_notice", _("final list (third round)")),
}
#: the round that must be closed with no objection before a round may be posted
PREVIOUS_ROUND = {"township": "village", "final": "township"}


def enrolment_notice_blocking_reason(enrolment: Enrolment) -> str | None:
    """Why the three rounds do not clear the enrolment yet (None when they do): a round not
    posted, posted before the previous round closed clear, or the publicity app's reason for a
    posted one (still running, closed before its period ended, an objection unanswered or
    upheld, not closed)."""
    from publicity.selectors import notice_blocking_reason

    previous = None
    for field_name, label in NOTICE_ROUNDS.values():
        notice = getattr(enrolment, field_name)
        if notice is None:
            return gettext("The %(round)s has not been posted yet.") % {"round": label}
        reason = notice_blocking_reason(notice=notice)
        if reason:
            return f"{label}: {reason}"
        if previous is not None and (previous.closed_at is None or notice.posted_at < previous.closed_at):
            return gettext(
                "The %(round)s was posted before the previous round closed with no objection: post it again."
            ) % {"round": label}
        previous = notice
    return None


def standard_list(*, user, project_id: int | None = None):
    qs = SubsidyStandard.objects.filter(
        project__in=enrolment_projects(user=user).values("pk")
    ).select_related("project")
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs.order_by("project__year", "project__code", "tier", "-effective_from")


def standard_get(*, user, pk: int) -> SubsidyStandard:
    return get_object_or_404(standard_list(user=user), pk=pk)


def batch_list(*, user, project_id: int | None = None, status: str | None = None):
    qs = PaymentBatch.objects.visible_to(user).select_related(
        "project", "division", "prepared_by", "approved_by"
    )
    if project_id:
        qs = qs.filter(project_id=project_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def batch_get(*, user, pk: int) -> PaymentBatch:
    return get_object_or_404(
        PaymentBatch.objects.visible_to(user).select_related(
            "project", "division", "prepared_by", "checked_by", "approved_by"
        ),
        pk=pk,
    )


def payment_list(*, user, batch_id: int | None = None, status: str | None = None):
    qs = Payment.objects.visible_to(user).select_related(
        "batch__project", "enrolment__person", "enrolment__village", "standard"
    )
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("enrolment__village__code", "pk")


# --- held lines: open anomaly findings stop a batch's money (issue 15) ---------------------------


@dataclass
class HeldLine:
    """A line of a batch and the open findings that concern it and nobody has cleared for it."""

    payment: Payment
    findings: list = field(default_factory=list)


def _finding_persons(finding) -> set[int]:
    persons = {finding.person_id} if finding.person_id else set()
    for value in finding.related or []:
        try:
            persons.add(int(value))
        except (TypeError, ValueError):
            continue
    return persons


def held_lines(batch) -> list[HeldLine]:
    """The lines of ``batch`` (failed ones aside: they move no money) that an OPEN anomaly finding
    of the batch's own township concerns and nobody has cleared for that finding
    (``PaymentClearance``), in page order. A finding concerns a line through its person
    (``person`` or an id in ``related``), its enrolment or the payment itself. An explained or
    confirmed finding holds nothing; a finding of another township neither (its officers see
    and handle it, not this township's).

    The caller fetched ``batch`` in the user's scope; every line of it is the batch's, whoever
    looks (the guards of check and approve must count them all). Three queries at most whatever
    the size (the township's open findings; the lines they name; those lines' clearances), plus
    one for the township's code when ``batch.division`` is not loaded yet."""
    findings = list(
        AnomalyFinding.objects.filter(
            status=AnomalyFinding.Status.OPEN, village__code__startswith=batch.division.code
        )
        .only("pk", "rule", "detail", "village_id", "person_id", "enrolment_id", "payment_id", "related")
        .order_by("pk")
    )
    if not findings:
        return []
    by_person, by_enrolment, by_payment = {}, {}, {}
    for finding in findings:
        for person_id in _finding_persons(finding):
            by_person.setdefault(person_id, []).append(finding)
        if finding.enrolment_id:
            by_enrolment.setdefault(finding.enrolment_id, []).append(finding)
        if finding.payment_id:
            by_payment.setdefault(finding.payment_id, []).append(finding)
    lines = list(
        Payment.objects.filter(batch_id=batch.pk)
        .exclude(status=Payment.Status.FAILED)
        .filter(
            Q(enrolment__person_id__in=list(by_person))
            | Q(enrolment_id__in=list(by_enrolment))
            | Q(pk__in=list(by_payment))
        )
        .select_related("enrolment__person", "enrolment__village")
        .order_by("enrolment__village__code", "pk")
    )
    if not lines:
        return []
    cleared = set(
        PaymentClearance.objects.filter(
            payment_id__in=[line.pk for line in lines], finding_id__in=[f.pk for f in findings]
        ).values_list("payment_id", "finding_id")
    )
    held = []
    for line in lines:
        concerning = {
            finding.pk: finding
            for finding in (
                *by_payment.get(line.pk, ()),
                *by_enrolment.get(line.enrolment_id, ()),
                *by_person.get(line.enrolment.person_id, ()),
            )
            if (line.pk, finding.pk) not in cleared
        }
        if concerning:
            held.append(HeldLine(payment=line, findings=sorted(concerning.values(), key=lambda f: f.pk)))
    return held


def callback_list(*, user, enrolment_id: int | None = None, person_id: int | None = None):
    qs = Callback.objects.visible_to(user).select_related(
        "enrolment__project", "enrolment__person", "recorded_by"
    )
    if enrolment_id:
        qs = qs.filter(enrolment_id=enrolment_id)
    if person_id:
        qs = qs.filter(enrolment__person_id=person_id)
    return qs


def callback_coverage(*, user, project_id: int | None = None) -> list[dict]:
    """Per project and village: active enrolments, those reached by a callback, the rate.
    Two queries whatever the size (one grouped count, one for the names)."""
    reached = Callback.objects.filter(enrolment_id=OuterRef("pk"), reached=True)
    qs = Enrolment.objects.visible_to(user).filter(status=Enrolment.Status.ACTIVE)
    if project_id:
        qs = qs.filter(project_id=project_id)
    grouped = (
        qs.annotate(was_reached=Exists(reached))
        .values(
            "project_id", "project__name", "project__year", "village_id", "village__name", "village__code"
        )
        .annotate(enrolled=Count("pk"), called=Count("pk", filter=Q(was_reached=True)))
        .order_by("-project__year", "project__name", "village__code")
    )
    return [{**row, "rate": rate(row["called"], row["enrolled"])} for row in grouped]


def callback_pending(*, user, project_id: int | None = None, village_id: int | None = None):
    """Active enrolments nobody has reached by callback yet."""
    reached = Callback.objects.filter(enrolment_id=OuterRef("pk"), reached=True)
    return enrolment_list(
        user=user, project_id=project_id, village_id=village_id, status=Enrolment.Status.ACTIVE
    ).exclude(Exists(reached))


def anomaly_list(*, user, status: str | None = None, rule: str | None = None, village_id: int | None = None):
    qs = AnomalyFinding.objects.visible_to(user).select_related("village", "person", "handled_by")
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if village_id:
        qs = qs.filter(village_id=village_id)
    return qs.order_by("status", "-last_seen", "pk")


def anomaly_run_latest():
    """The latest nightly run of the anomaly checks (None before the first): the whole portal's,
    the same for everyone; the anomaly page says whether it is running and since when."""
    return AnomalyRun.objects.order_by("-started_at", "-pk").first()


def anomaly_get(*, user, pk: int) -> AnomalyFinding:
    return get_object_or_404(
        AnomalyFinding.objects.visible_to(user).select_related(
            "village", "person", "enrolment__project", "payment__batch", "handled_by"
        ),
        pk=pk,
    )


def anomaly_persons(*, user, finding: AnomalyFinding):
    """The persons a finding names, those the user may see."""
    return Person.objects.visible_to(user).filter(pk__in=finding.related or []).select_related("village")


def enrolment_notice_list(*, user):
    """The enrolment notices (三榜) the user may see, through the publicity app's selector."""
    from publicity.models import PublicNotice
    from publicity.selectors import notice_list

    return notice_list(user=user, kind=PublicNotice.Kind.ENROLMENT)


def enrolments_waiting_for_round(*, user, project_id: int, division, field: str, after: str = "") -> list:
    """Enrolments of a project inside ``division`` reviewed by the village, not approved yet,
    with no notice of this round and, when ``after`` names the previous round's field, that
    round closed with no objection (the service re-checks it): the list the round is posted for."""
    from publicity.models import PublicNotice

    ready = {f"{after}__status": PublicNotice.Status.CLOSED_CLEAR} if after else {}
    return list(
        Enrolment.objects.visible_to(user)
        .filter(
            project_id=project_id,
            village__code__startswith=division.code,
            status__in=[Enrolment.Status.VILLAGE_REVIEWED, Enrolment.Status.NOTICE],
            **{f"{field}__isnull": True},
            **ready,
        )
        .only("pk")
    )


def person_payments(*, user, person_id: int):
    return payment_list(user=user).filter(enrolment__person_id=person_id).order_by("-covers_from", "-pk")


def home_panel_context(user) -> dict:
    """The home panel: open anomalies and batches waiting for a step. Two queries."""
    open_findings = AnomalyFinding.objects.visible_to(user).filter(status=AnomalyFinding.Status.OPEN).count()
    waiting = dict(
        PaymentBatch.objects.visible_to(user)
        .filter(
            status__in=[PaymentBatch.Status.DRAFT, PaymentBatch.Status.CHECKED, PaymentBatch.Status.EXPORTED]
        )
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "open_findings": open_findings,
        "drafts": waiting.get(PaymentBatch.Status.DRAFT, 0),
        "checked": waiting.get(PaymentBatch.Status.CHECKED, 0),
        "exported": waiting.get(PaymentBatch.Status.EXPORTED, 0),
    }


# --- numbers for the reports app (monthly report, scorecards, dashboards) ----------------------


def _aware_day_range(start, end):
    """[start 00:00, end+1 00:00) in the current time zone (Asia/Shanghai), for timestamps."""
    import datetime

    from django.utils import timezone

    return (
        timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
        timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)),
    )


def enrolment_month_counts(*, user, year: int, start, end) -> list[dict]:
    """Per project of ``year``, the enrolments in scope as they stood at ``end``: enrolled (applied
    by then, not exited by then), active (paid from a date on or before it, not exited by then),
    new (paid from a date inside [start, end]) and exited inside [start, end]. One query."""
    not_exited = Q(exit_on__isnull=True) | Q(exit_on__gt=end)
    paid = Q(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.EXITED], active_from__isnull=False)
    rows = (
        Enrolment.objects.visible_to(user)
        .filter(project__year=year, applied_on__lte=end)
        .order_by()
        .values("project_id", "project__code", "project__name")
        .annotate(
            enrolled=Count("pk", filter=not_exited),
            active=Count("pk", filter=paid & not_exited & Q(active_from__lte=end)),
            new=Count("pk", filter=paid & Q(active_from__range=(start, end))),
            exited=Count("pk", filter=Q(status=Enrolment.Status.EXITED, exit_on__range=(start, end))),
        )
        .order_by("project__code")
    )
    return list(rows)


def payment_month_totals(*, user, start, end) -> list[dict]:
    """Per project, the payments in scope of the batches the bank's results were reconciled for
    between ``start`` and ``end`` (dates, local time): batches, paid (count, yuan), failed (count,
    yuan). One query."""
    from django.db.models import Sum

    rows = (
        Payment.objects.visible_to(user)
        .filter(batch__reconciled_at__range=_aware_day_range(start, end))
        .order_by()
        .values("batch__project_id", "batch__project__code", "batch__project__name")
        .annotate(
            batches=Count("batch", distinct=True),
            paid=Count("pk", filter=Q(status=Payment.Status.PAID)),
            paid_amount=Sum("amount", filter=Q(status=Payment.Status.PAID)),
            failed=Count("pk", filter=Q(status=Payment.Status.FAILED)),
            failed_amount=Sum("amount", filter=Q(status=Payment.Status.FAILED)),
        )
        .order_by("batch__project__code")
    )
    return list(rows)


def callback_coverage_totals(*, user, year: int, until, project_ids=None) -> dict:
    """Active enrolments in scope of the projects of ``year`` (optionally only ``project_ids``)
    and how many of them a callback reached on or before ``until``. One query."""
    reached = Callback.objects.filter(enrolment_id=OuterRef("pk"), reached=True, called_on__lte=until)
    qs = Enrolment.objects.visible_to(user).filter(status=Enrolment.Status.ACTIVE, project__year=year)
    if project_ids is not None:
        qs = qs.filter(project_id__in=list(project_ids))
    totals = qs.annotate(was_reached=Exists(reached)).aggregate(
        enrolled=Count("pk"), reached=Count("pk", filter=Q(was_reached=True))
    )
    return {**totals, "rate": rate(totals["reached"], totals["enrolled"])}


def recovery_list(*, user, status: str | None = None, village_id: int | None = None):
    """Recovery items (追回) in scope: money paid for days after a late-recorded death, move or
    exit, open ones first."""
    qs = Recovery.objects.visible_to(user).select_related(
        "person", "enrolment__project", "enrolment__village", "payment__batch", "settled_by"
    )
    if status:
        qs = qs.filter(status=status)
    if village_id:
        qs = qs.filter(enrolment__village_id=village_id)
    return qs.order_by("status", "-recorded_at", "pk")


def recovery_get(*, user, pk: int) -> Recovery:
    return get_object_or_404(recovery_list(user=user), pk=pk)
