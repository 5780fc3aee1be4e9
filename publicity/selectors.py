"""Reads of the publicity app. Every staff read goes through the user's scope (outside → 404);
the public reads (``public_*``) only ever return published items with masked personal data.

Other apps call the notice selectors:

    notice_is_clear(*, notice) -> bool
        True when the period is over, every objection is answered and the notice was closed
        with no objection. Beneficiaries' three-round notice and party hardship aid approve
        only a clear notice.
    notice_blocking_reason(*, notice) -> str | None
        Why the notice is not clear yet (a sentence for the user), or None when it is clear.
    notices_for_source(*, source) -> QuerySet
        The notices posted for one object (an enrolment batch, an aid application …).
"""

import math
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import ExtractMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import clock
from core.money import rate
from org.models import Department
from org.scoping import Scope
from publicity.models import (
    Activity,
    ActivityPhoto,
    InfoSubmission,
    Objection,
    PublicNotice,
    QuotaReminder,
    Supervisor,
    SupervisorVisit,
    Survey,
    SurveyResponse,
)

# --- Info submissions ---------------------------------------------------------------------


def submission_list(*, user, kind=None, status=None, department_id=None, search=None):
    qs = InfoSubmission.objects.visible_to(user).select_related("department", "division")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if search:
        qs = qs.filter(title__icontains=search)
    return qs.order_by("-created_at", "-pk")


def submission_get(*, user, pk) -> InfoSubmission:
    return get_object_or_404(
        InfoSubmission.objects.visible_to(user).select_related(
            "department", "division", "created_by", "decided_by"
        ),
        pk=pk,
    )


def department_choices(*, user):
    """The units a user may report for: active departments in scope."""
    return Department.objects.visible_to(user).filter(is_active=True).select_related("division")


# --- Quotas -------------------------------------------------------------------------------

BRIEFING_DUE = {1: 6, 2: 12}  # 简报 a year by number of projects; 3 or more → 15
BRIEFING_DUE_MANY = 15


def briefing_due(project_count: int) -> int:
    if project_count <= 0:
        return 0
    return BRIEFING_DUE.get(project_count, BRIEFING_DUE_MANY)


class Rule:
    MONTHLY_TEXT = "monthly_text"
    PHOTO_STORY = "photo_story"
    MASSES_VOICE = "masses_voice"
    BRIEFING = "briefing"

    LABELS = {
        MONTHLY_TEXT: _("One text a month"),
        PHOTO_STORY: _("Livelihood in pictures: one a year"),
        MASSES_VOICE: _("The people on livelihood: two a year"),
        BRIEFING: _("Briefings a year"),
    }


@dataclass
class QuotaLine:
    rule: str
    month_due: int | None  # None: the rule has no monthly share
    month_done: int | None
    year_due: int
    year_done: int

    @property
    def label(self):
        return Rule.LABELS[self.rule]

    @property
    def month_missing(self) -> int | None:
        return None if self.month_due is None else max(0, self.month_due - self.month_done)

    @property
    def year_missing(self) -> int:
        return max(0, self.year_due - self.year_done)


@dataclass
class QuotaRow:
    department: Department
    projects: int
    construction_projects: int
    lines: list[QuotaLine] = field(default_factory=list)

    @property
    def month_missing(self) -> int:
        return sum(line.month_missing or 0 for line in self.lines)

    @property
    def year_missing(self) -> int:
        return sum(line.year_missing for line in self.lines)

    def behind(self, month: int) -> list[dict]:
        """What the unit lacks by the end of ``month``: this month's text, and the yearly
        quotas pro rata (⌈due × month / 12⌉), for the reminder."""
        missing = []
        for line in self.lines:
            if line.month_due is not None:
                if line.month_missing:
                    missing.append({"rule": line.rule, "missing": line.month_missing})
                continue
            expected = math.ceil(line.year_due * month / 12)
            if line.year_done < expected:
                missing.append({"rule": line.rule, "missing": expected - line.year_done})
        return missing


def project_counts(*, year: int, department_ids) -> dict[int, dict]:
    """{department id: {"total": n, "construction": m}}: the projects each unit leads in the year."""
    from projects.models import Project

    rows = (
        Project.objects.filter(year=year, lead_department_id__in=list(department_ids))
        .values("lead_department_id")
        .annotate(total=Count("pk"), construction=Count("pk", filter=Q(kind="construction")))
    )
    return {r["lead_department_id"]: {"total": r["total"], "construction": r["construction"]} for r in rows}


def quota_rows(*, departments, year: int, month: int) -> list[QuotaRow]:
    """The quota arithmetic for a set of departments, in three queries whatever their number:
    the departments, one aggregate of submissions by unit × kind × month, the project counts.

    A submission counts in the month of its (last) submission, Asia/Shanghai time, while it is
    submitted, adopted or published; a returned one counts again once resubmitted.
    """
    departments = list(departments.select_related("division").order_by("division__code", "name"))
    ids = [d.pk for d in departments]
    counts = _submission_counts(department_ids=ids, year=year)
    projects = project_counts(year=year, department_ids=ids)
    result = []
    for department in departments:
        p = projects.get(department.pk, {"total": 0, "construction": 0})
        row = QuotaRow(department, p["total"], p["construction"])
        row.lines.extend(_quota_lines(department, p, counts.get(department.pk, {}), month=month))
        if row.lines:
            result.append(row)
    return result


def _submission_counts(*, department_ids, year: int) -> dict[int, dict[tuple[str, int], int]]:
    """Counted submissions per department: {department id: {(kind, month): n}}, one query."""
    counts: dict[int, dict[tuple[str, int], int]] = {}
    rows = (
        InfoSubmission.objects.filter(
            department_id__in=department_ids, status__in=InfoSubmission.COUNTED, submitted_at__year=year
        )
        .annotate(month=ExtractMonth("submitted_at"))
        .values("department_id", "kind", "month")
        .annotate(n=Count("pk"))
    )
    for r in rows:
        counts.setdefault(r["department_id"], {})[(r["kind"], r["month"])] = r["n"]
    return counts


def _quota_lines(
    department, projects: dict, counts: dict[tuple[str, int], int], *, month: int
) -> list[QuotaLine]:
    """The quota lines that apply to one department (seed 001's rules), with what it has done."""

    def done(kinds, months):
        return sum(n for (kind, m), n in counts.items() if kind in kinds and m in months)

    text_kinds = set(InfoSubmission.TEXT_KINDS)
    whole_year = range(1, 13)
    lines = []
    if projects["total"] > 0:  # a lead unit (牵头部门) leads at least one project this year
        covered = sum(1 for m in range(1, month + 1) if done(text_kinds, {m}) > 0)
        lines.append(
            QuotaLine(
                Rule.MONTHLY_TEXT,
                month_due=1,
                month_done=done(text_kinds, {month}),
                year_due=month,  # months elapsed, each needing its own text
                year_done=covered,
            )
        )
    if projects["construction"] > 0:
        lines.append(
            QuotaLine(Rule.PHOTO_STORY, None, None, 1, done({InfoSubmission.Kind.PHOTO_STORY}, whole_year))
        )
    if department.is_livelihood_office:
        lines.append(
            QuotaLine(Rule.MASSES_VOICE, None, None, 2, done({InfoSubmission.Kind.MASSES_VOICE}, whole_year))
        )
    if projects["total"] > 0:
        lines.append(
            QuotaLine(
                Rule.BRIEFING,
                None,
                None,
                briefing_due(projects["total"]),
                done({InfoSubmission.Kind.BRIEFING}, whole_year),
            )
        )
    return lines


def quota_status(*, user, year: int, month: int, division_id=None) -> list[QuotaRow]:
    departments = Department.objects.visible_to(user).filter(is_active=True)
    if division_id:
        departments = departments.filter(division_id=division_id)
    return quota_rows(departments=departments, year=year, month=month)


def quota_reminders_for(*, user, limit: int = 20):
    """The reminders a user's home page lists: their own unit's, or every unit's in scope for
    township officers not attached to a unit. One query."""
    today = timezone.localdate()
    qs = QuotaReminder.objects.visible_to(user).filter(year=today.year).select_related("department")
    department = getattr(user, "department", None) if getattr(user, "department_id", None) else None
    if department is not None and not department.is_livelihood_office:
        qs = qs.filter(department_id=user.department_id)
    return list(qs.order_by("-month", "department__name")[:limit])


# --- Activities ---------------------------------------------------------------------------


def activity_list(*, user, kind=None, year=None, division_id=None, search=None):
    qs = (
        Activity.objects.visible_to(user)
        .select_related("division", "department")
        .annotate(photo_count=Count("photos"))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(held_on__year=year)
    if division_id:
        qs = qs.filter(division_id=division_id)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(place__icontains=search))
    return qs.order_by("-held_on", "-pk")


def activity_get(*, user, pk) -> Activity:
    return get_object_or_404(
        Activity.objects.visible_to(user)
        .select_related("division", "department", "created_by")
        .prefetch_related(Prefetch("photos", queryset=ActivityPhoto.objects.visible_to(user).order_by("pk"))),
        pk=pk,
    )


# --- Notices and objections ---------------------------------------------------------------


def notice_list(*, user, status=None, kind=None, division_id=None, search=None):
    qs = (
        PublicNotice.objects.visible_to(user)
        .select_related("division")
        .annotate(
            objection_count=Count("objections"),
            open_objection_count=Count("objections", filter=Q(objections__status=Objection.Status.OPEN)),
        )
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if division_id:
        qs = qs.filter(division_id=division_id)
    if search:
        qs = qs.filter(title__icontains=search)
    return qs.order_by("-starts_on", "-pk")


def notice_get(*, user, pk) -> PublicNotice:
    return get_object_or_404(
        PublicNotice.objects.visible_to(user)
        .select_related("division", "posted_by", "closed_by")
        .prefetch_related(
            Prefetch(
                "objections",
                queryset=Objection.objects.visible_to(user).select_related("recorded_by", "answered_by"),
            )
        ),
        pk=pk,
    )


def objection_get(*, user, pk) -> Objection:
    return get_object_or_404(Objection.objects.visible_to(user).select_related("notice"), pk=pk)


def objection_list(*, user, notice_id=None, status=None):
    qs = Objection.objects.visible_to(user).select_related("notice", "notice__division")
    if notice_id:
        qs = qs.filter(notice_id=notice_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def notice_period_blocking_reason(*, notice) -> str | None:
    """Why ``notice`` may not be closed yet because its period runs, or None. It may be closed
    (either way) from 00:00 Asia/Shanghai of the day after ``ends_on``, by the server's clock
    (core.clock): the residents' window is whole whatever is typed anywhere."""
    if clock.today() < notice.closable_on:
        return gettext("The notice period runs until %(end)s: the notice can be closed from %(date)s.") % {
            "end": notice.ends_on.isoformat(),
            "date": notice.closable_on.isoformat(),
        }
    return None


def notice_close_blocking_reason(*, notice, upheld: bool = False) -> str | None:
    """Why ``notice`` may not be closed now, or None: the one place the close rule lives (the
    NOTICE machine's guards in publicity.guards ask it, so pages, the API and the admin
    refuse alike). Either way: not before its period is over. "No objection" (``upheld`` False)
    also needs every objection answered and none upheld; "objection upheld" needs one upheld."""
    reason = notice_period_blocking_reason(notice=notice)
    if reason:
        return reason
    if upheld:
        if not notice.objections.filter(outcome=Objection.Outcome.UPHELD).exists():
            return gettext("No objection to this notice was upheld: close it with no objection instead.")
        return None
    counts = notice.objections.aggregate(
        open=Count("pk", filter=Q(status=Objection.Status.OPEN)),
        upheld=Count("pk", filter=Q(outcome=Objection.Outcome.UPHELD)),
    )
    if counts["open"]:
        return gettext(
            "%(count)d objection(s) to this notice have no answer yet: answer them before closing."
        ) % {"count": counts["open"]}
    if counts["upheld"]:
        return gettext("An objection to this notice was upheld: it cannot be closed as “no objection”.")
    return None


def notice_blocking_reason(*, notice) -> str | None:
    """Why the notice does not (yet) clear what it was posted for, or None when it does.

    Contract for other apps: call before approving what the notice was posted for; a non-None
    answer is a sentence to show the user (in their language)."""
    notice = PublicNotice.objects.get(pk=notice.pk)  # fresh status, whatever the caller holds
    if notice.status == PublicNotice.Status.CLOSED_CLEAR:
        if notice.objections.filter(status=Objection.Status.OPEN).exists():  # filed after closing
            return gettext("An objection to this notice has no answer yet.")
        return notice_record_error(notice=notice)
    if notice.status == PublicNotice.Status.WITHDRAWN:
        return gettext("The notice “%(title)s” was withdrawn.") % {"title": notice.title}
    if notice.status == PublicNotice.Status.CLOSED_UPHELD:
        return gettext("An objection to the notice “%(title)s” was upheld.") % {"title": notice.title}
    reason = notice_close_blocking_reason(notice=notice)
    return reason or gettext("The notice “%(title)s” has not been closed yet.") % {"title": notice.title}


def notice_record_error(*, notice) -> str | None:
    """Why a closed notice's own record shows residents did not have their whole window, or
    None: its period did not start on the day it was posted (a date typed in the past, as
    before posting took the server's clock) or it was closed before its period ended. Such a
    notice clears nothing: post it again."""
    posted_on = clock.local_day(notice.posted_at)
    if posted_on != notice.starts_on:
        return gettext(
            "The notice “%(title)s” is dated from %(start)s but was posted on %(posted)s: it does not "
            "count, post it again."
        ) % {"title": notice.title, "start": notice.starts_on.isoformat(), "posted": posted_on.isoformat()}
    if notice.closed_at is not None and notice.closed_at < clock.start_of_day(notice.closable_on):
        return gettext(
            "The notice “%(title)s” was closed on %(closed)s, before its period ended on %(end)s: it "
            "does not count, post it again."
        ) % {
            "title": notice.title,
            "closed": clock.local_day(notice.closed_at).isoformat(),
            "end": notice.ends_on.isoformat(),
        }
    return None


def notice_is_clear(*, notice) -> bool:
    """Period over, every objection answered, and closed with no objection."""
    return notice_blocking_reason(notice=notice) is None


def notices_for_source(*, source):
    content_type = ContentType.objects.get_for_model(source)
    return PublicNotice.objects.filter(content_type=content_type, object_id=str(source.pk)).order_by(
        "posted_at"
    )


# --- Public column (no login) -------------------------------------------------------------


def public_current_notices(*, limit: int = 50):
    """Notices open today, newest first; their snapshot is already masked."""
    return list(
        PublicNotice.objects.open_on(clock.today())
        .select_related("division")
        .order_by("-starts_on", "-pk")[:limit]
    )


def public_notice_queryset():
    return PublicNotice.objects.public().select_related("division").order_by("-starts_on", "-pk")


def public_notice_get(*, pk) -> PublicNotice:
    return get_object_or_404(public_notice_queryset(), pk=pk)


def public_submission_list(*, limit: int = 20):
    return list(
        InfoSubmission.objects.filter(status=InfoSubmission.Status.PUBLISHED)
        .select_related("department", "division")
        .order_by("-published_at", "-pk")[:limit]
    )


def public_submission_get(*, pk) -> InfoSubmission:
    return get_object_or_404(
        InfoSubmission.objects.filter(status=InfoSubmission.Status.PUBLISHED).select_related("department"),
        pk=pk,
    )


def public_projects(*, year: int, limit: int = 100) -> list[dict]:
    """The year's projects with their completion rate, for the progress bars of the public
    column (one query: progress is annotated by projects.selectors.with_progress). The year's
    projects are public information, so their totals are summed county-wide: system work, said
    so (no personal data leaves this function, only names, divisions and rates)."""
    from projects.models import Project
    from projects.selectors import with_progress

    county_wide = Scope.system("public column: the year's project progress totals")
    qs = with_progress(
        Project.objects.visible_to(county_wide).filter(year=year).select_related("division"),
        user=county_wide,
        today=timezone.localdate(),
    ).order_by("division__code", "code")[:limit]
    rows = []
    for project in qs:
        completion = project.completion_rate
        rows.append(
            {
                "name": project.name,
                "division": project.division.name,
                "kind": project.get_kind_display(),
                "rate": completion,
                "percent": 0 if completion is None else min(100, int(completion * 100)),
            }
        )
    return rows


# --- Supervisors --------------------------------------------------------------------------


def supervisor_list(*, user, active=None, search=None):
    qs = Supervisor.objects.visible_to(user).select_related("division").annotate(visit_count=Count("visits"))
    if active is not None:
        qs = qs.filter(is_active=active)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("division__code", "name")


def supervisor_get(*, user, pk) -> Supervisor:
    return get_object_or_404(
        Supervisor.objects.visible_to(user)
        .select_related("division")
        .prefetch_related(
            Prefetch(
                "visits", queryset=SupervisorVisit.objects.visible_to(user).select_related("recorded_by")
            )
        ),
        pk=pk,
    )


def supervisor_visit_list(*, user, supervisor_id=None):
    qs = SupervisorVisit.objects.visible_to(user).select_related("supervisor", "recorded_by")
    if supervisor_id:
        qs = qs.filter(supervisor_id=supervisor_id)
    return qs


# --- Surveys (知晓率 / 满意度) --------------------------------------------------------------
#
# awareness rate    = responses that know the project / responses
# satisfaction rate = (satisfied + basically satisfied) / responses
# Both over the responses the user may see (a cadre: their village); a rate over no response
# is None ("—"). The scorecards read ``survey_rates``.


def _response_counts(prefix: str = "responses__", responses_filter: Q | None = None) -> dict:
    base = responses_filter if responses_filter is not None else Q()
    return {
        "response_count": Count(f"{prefix}pk" if prefix else "pk", filter=base),
        "aware_count": Count(
            f"{prefix}pk" if prefix else "pk", filter=base & Q(**{f"{prefix}is_aware": True})
        ),
        "satisfied_count": Count(
            f"{prefix}pk" if prefix else "pk",
            filter=base & Q(**{f"{prefix}satisfaction__in": SurveyResponse.SATISFIED_ANSWERS}),
        ),
    }


def _with_rates(row: dict) -> dict:
    row["awareness_rate"] = rate(row["aware_count"], row["response_count"])
    row["satisfaction_rate"] = rate(row["satisfied_count"], row["response_count"])
    return row


def survey_project_choices(*, user, year: int | None = None):
    """Projects a user may survey: those the projects app shows them."""
    from projects.models import Project

    qs = Project.objects.visible_to(user).select_related("division")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "code")


def survey_list(*, user, year=None, project_id=None):
    """Surveys the user sees, each with its counts over the responses the user sees (one query)."""
    visible = SurveyResponse.objects.visible_to(user).values("pk")
    qs = (
        Survey.objects.visible_to(user)
        .select_related("project", "division")
        .annotate(**_response_counts(responses_filter=Q(responses__in=visible)))
    )
    if year:
        qs = qs.filter(project__year=year)
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs.order_by("-project__year", "project__code", "division__code")


def survey_get(*, user, pk) -> Survey:
    return get_object_or_404(Survey.objects.visible_to(user).select_related("project", "division"), pk=pk)


def survey_response_list(*, user, survey_id=None):
    qs = SurveyResponse.objects.visible_to(user).select_related("survey", "division", "recorded_by")
    if survey_id:
        qs = qs.filter(survey_id=survey_id)
    return qs.order_by("-responded_on", "-pk")


def survey_rates(*, user, year: int, by: str = "project", project_id=None) -> list[dict]:
    """Awareness and satisfaction per project (``by="project"``) or per village
    (``by="division"``) for the year, over the responses the user sees; one query."""
    keys = {
        "project": ["survey__project_id", "survey__project__name"],
        "division": ["division_id", "division__name", "division__code"],
    }[by]
    qs = SurveyResponse.objects.visible_to(user).filter(survey__project__year=year)
    if project_id:
        qs = qs.filter(survey__project_id=project_id)
    rows = qs.values(*keys).annotate(**_response_counts(prefix="")).order_by(*keys)
    return [_with_rates(dict(row)) for row in rows]
