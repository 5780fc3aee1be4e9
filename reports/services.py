"""Writes of the reports app. Keyword-only; each service is its own transaction.

Monthly reports
---------------
``monthly_report_generate`` takes the township's row lock, then finds the current report of the
month: when there is one that is not returned it is the answer (generation is idempotent);
otherwise the snapshot is built, the .xlsx and PDF rendered from it, the returned version (if
any) stops being current and the new version is inserted, all in one transaction. A worker that
dies halfway leaves nothing current behind (the partial unique constraint on (township, month)
where current is the database's own guard).

Status: draft → (staff: request approval) → awaiting approval → (leader, not the preparer:
submit) → submitted → (county reviewer) accepted | returned. A returned report is regenerated as
a new version in draft.
"""

import calendar
import datetime
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from org.audit import SYSTEM, audited_save
from org.models import Division, Role
from org.roles import OFFICE, OFFICE_AND_REVIEWER, require_role
from org.scoping import acting_user, division_in_scope, require_scope
from reports import sources
from reports.models import (
    ManualScore,
    MonthlyReport,
    Scorecard,
    ScorecardItem,
    ScorecardScheme,
    ScoreLine,
    UnitLevel,
    YearEndSummary,
)
from reports.rendering import html_pdf, sections_xlsx
from reports.states import REPORT_FLOW

Status = MonthlyReport.Status
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
DEFAULT_DEADLINE_DAY = 5


# --- months and deadlines -------------------------------------------------------------------------


def deadline_day() -> int:
    """The day of the following month by which a monthly report must be submitted
    (settings.REPORTS_SUBMISSION_DEADLINE_DAY, default 5)."""
    return int(getattr(settings, "REPORTS_SUBMISSION_DEADLINE_DAY", DEFAULT_DEADLINE_DAY))


def submission_deadline(month: datetime.date) -> datetime.date:
    """The last day (Asia/Shanghai) a report on ``month`` counts as on time."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last = calendar.monthrange(following.year, following.month)[1]
    return following.replace(day=min(deadline_day(), last))


def is_late(*, month: datetime.date, submitted_at: datetime.datetime) -> bool:
    return timezone.localtime(submitted_at).date() > submission_deadline(month)


def previous_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def parse_month(value) -> datetime.date:
    """ "2026-10", "2026-10-01" or a date → the first day of that month; ValidationError otherwise."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        parts = [int(p) for p in text.split("-")[:2]]
        return datetime.date(parts[0], parts[1], 1)
    except (ValueError, IndexError):
        raise ValidationError(
            {"month": gettext("“%(value)s” is not a month (use YYYY-MM).") % {"value": text}}
        ) from None


# --- monthly reports: generation -------------------------------------------------------------------


def _pause_for_tests() -> None:
    """Test-only hook: the worker-kill test sets REPORTS_TEST_PAUSE_SECONDS in a worker's
    settings, waits for the marker file, and kills the worker while it sleeps here, inside the
    generation's transaction. Never set in production settings."""
    seconds = getattr(settings, "REPORTS_TEST_PAUSE_SECONDS", 0)
    if not seconds:
        return
    marker = getattr(settings, "REPORTS_TEST_PAUSE_MARKER", "")
    if marker:
        Path(marker).write_text("paused")
    time.sleep(seconds)


def _report_meta(*, township: Division, month: datetime.date, version: int) -> list:
    return [
        (gettext("Township"), township.name),
        (gettext("Month"), f"{month:%Y-%m}"),
        (gettext("Version"), str(version)),
        (gettext("Made at"), f"{timezone.localtime():%Y-%m-%d %H:%M}"),
    ]


def report_title(report) -> str:
    return gettext("%(township)s livelihood projects monthly report, %(year)d-%(month)02d") % {
        "township": report.township.name,
        "year": report.month.year,
        "month": report.month.month,
    }


def _render_files(report: MonthlyReport) -> None:
    title = report_title(report)
    meta = [(label, value) for label, value in report.snapshot.get("meta", [])]
    xlsx = sections_xlsx(title=title, sections=report.sections, summary=report.summary, meta=meta)
    pdf = html_pdf(
        "reports/report_pdf.html",
        {"title": title, "meta": meta, "summary": report.summary, "sections": report.sections},
    )
    stem = f"{report.township.code}-{report.month:%Y%m}-v{report.version}"
    report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)


def _require_month_ended(month: datetime.date) -> None:
    """A report is made on a month that has ended (Asia/Shanghai); ValidationError otherwise."""
    today = timezone.localdate()
    if month >= today.replace(day=1):
        raise ValidationError(
            {
                "month": gettext(
                    "The report on %(month)s cannot be made yet: the month has not ended (today is %(today)s)."
                )
                % {"month": f"{month:%Y-%m}", "today": f"{today:%Y-%m-%d}"}
            }
        )


def _locked_township(*, scope, township_id: int) -> Division:
    """The township, its row locked: the lock serialises generations of the same township (any
    month). ValidationError for a division that is not a township, PermissionDenied outside the
    scope."""
    township = Division.objects.select_for_update().filter(pk=township_id).first()
    if township is None or township.level != Division.Level.TOWNSHIP:
        raise ValidationError({"township": gettext("Monthly reports are made for townships only.")})
    if not division_in_scope(scope, township):
        raise PermissionDenied(gettext("This township is outside your scope."))
    return township


def _locked_current(*, township: Division, month: datetime.date) -> MonthlyReport | None:
    return (
        MonthlyReport.objects.select_for_update()
        .filter(township=township, month=month, is_current=True)
        .first()
    )


def _next_version(*, township: Division, month: datetime.date) -> int:
    latest = MonthlyReport.objects.filter(township=township, month=month).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def _report_snapshot(*, township: Division, month: datetime.date, version: int, progress) -> dict:
    """The report's numbers as the township sees them at the end of the month: the headline and
    every section, kept unchanged from now on."""
    unit = sources.Unit.of_division(township)
    period = sources.Period.month(month)
    return {
        "township": {"id": township.pk, "code": township.code, "name": township.name},
        "month": f"{month:%Y-%m}",
        "period_end": period.end.isoformat(),
        "version": version,
        "generated_at": timezone.now().isoformat(),
        "meta": _report_meta(township=township, month=month, version=version),
        "headline": sources.headline(unit, period),
        "sections": sources.build_sections(unit, period, progress=progress),
    }


def monthly_report_generate(*, township_id: int, month: datetime.date, user, progress=None) -> MonthlyReport:
    """Generate (or find) the current report of a township-month.

    ``user``: who asked (township staff or leader of the township, or a county reviewer), or
    ``Scope.system("monthly report schedule")`` for the beat task; ``None`` raises TypeError.
    Raises ValidationError for a month that has not ended and for a division that is not a
    township, PermissionDenied outside the user's scope. Returns the existing current report
    unless it was returned, in which case a new version is made. A scheduled generation's
    history rows name no user and the change reason "system: monthly_report_generate".
    """
    scope = require_scope(user)
    user = acting_user(user)  # the person recorded as author and in the history; None: system
    month = parse_month(month)
    _require_month_ended(month)
    if not scope.is_system:
        require_role(user, *OFFICE_AND_REVIEWER)
    actor, reason = (user, "") if user is not None else (SYSTEM, "monthly_report_generate")
    with transaction.atomic():
        township = _locked_township(scope=scope, township_id=township_id)
        current = _locked_current(township=township, month=month)
        if current is not None and current.status != Status.RETURNED:
            return current
        version = _next_version(township=township, month=month)
        snapshot = _report_snapshot(township=township, month=month, version=version, progress=progress)
        _pause_for_tests()
        if current is not None:  # the returned version stops being current
            current.is_current = False
            audited_save(current, user=actor, reason=reason, update_fields=["is_current"])
        report = MonthlyReport(
            township=township,
            month=month,
            version=version,
            previous=current,
            snapshot=snapshot,
            generated_by=user,
            summary=current.summary if current is not None else "",
        )
        _render_files(report)
        if progress is not None:
            progress(len(sources.SECTIONS) + 2, len(sources.SECTIONS) + 2)
        audited_save(report, user=actor, reason=reason)
        return report


def monthly_reports_due(*, today: datetime.date | None = None) -> tuple[datetime.date, list[int]]:
    """Last month and the ids of the active townships (for the beat task to fan out)."""
    today = today or timezone.localdate()
    townships = Division.objects.filter(level=Division.Level.TOWNSHIP, is_active=True).order_by("code")
    return previous_month(today), list(townships.values_list("pk", flat=True))


# --- monthly reports: the workflow -----------------------------------------------------------------
# The machine (steps, roles, guards) is reports.states.REPORT_FLOW; these services take its steps.


def _current_report(*, user, report_id: int) -> MonthlyReport:
    report = MonthlyReport.objects.visible_to(user).filter(pk=report_id).first()
    if report is None:
        from django.http import Http404

        raise Http404
    if not report.is_current:
        raise ValidationError(
            gettext("This is an old version of the report; only the current one can change.")
        )
    return report


def monthly_report_summary_set(*, user, report_id: int, summary: str) -> MonthlyReport:
    """Township staff write the summary of a draft. The snapshot never changes."""
    require_role(user, Role.TOWNSHIP_STAFF)
    summary = (summary or "").strip()
    if len(summary) > 5000:
        raise ValidationError({"summary": gettext("The summary is limited to 5000 characters.")})
    with transaction.atomic():
        report = _current_report(user=user, report_id=report_id)
        locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != Status.DRAFT:
            raise ValidationError(
                {"summary": gettext("The summary can only be changed while the report is a draft.")}
            )
        locked.summary = summary
        audited_save(locked, user=user, update_fields=["summary"])
        return locked


def monthly_report_transition(*, user, report_id: int, name: str, comment: str = "") -> MonthlyReport:
    """Take a workflow step (request_approval, send_back, submit, accept, return) as ``user``.

    Raises Http404 outside the user's scope, PermissionDenied for the wrong role,
    ValidationError when the state does not allow the step (submitting twice, accepting a
    returned report …), for the four-eyes rule, and for a return without a comment. Submitting
    re-renders the files with the summary and flags a late submission.
    """
    if name not in {t.name for t in REPORT_FLOW.transitions}:
        raise ValidationError(gettext("Unknown action “%(name)s”.") % {"name": name})
    comment = (comment or "").strip()
    now = timezone.now()
    changes: dict = {}
    if name == "request_approval":
        changes = {"prepared_by": user}
    elif name == "submit":
        changes = {"approved_by": user, "submitted_at": now}
    elif name in {"accept", "return"}:
        if name == "return" and not comment:
            raise ValidationError({"comment": gettext("Say why the report is returned.")})
        changes = {"reviewed_by": user, "reviewed_at": now, "review_comment": comment}
    with transaction.atomic():
        report = _current_report(user=user, report_id=report_id)
        if name == "submit":
            changes["is_late"] = is_late(month=report.month, submitted_at=now)
        report = REPORT_FLOW.transition(
            obj=report,
            user=user,
            name=name,
            queryset=MonthlyReport.objects.visible_to(user).filter(is_current=True),
            **changes,
        )
        if name == "submit":
            _render_files(report)
            report.save(update_fields=["xlsx", "pdf"])
        return report


def monthly_report_regenerate(*, user, report_id: int) -> MonthlyReport:
    """A new version of a returned report (township staff)."""
    require_role(user, Role.TOWNSHIP_STAFF)
    report = _current_report(user=user, report_id=report_id)
    if report.status != Status.RETURNED:
        raise ValidationError(gettext("Only a returned report is made again as a new version."))
    return monthly_report_generate(township_id=report.township_id, month=report.month, user=user)


# --- scorecards -------------------------------------------------------------------------------------


def scheme_check(*, scheme: ScorecardScheme) -> list[ScorecardItem]:
    """The scheme's items, or ValidationError when it cannot be computed: no items, weights that
    do not add up to 100, an unknown source."""
    items = list(ScorecardItem.objects.filter(scheme=scheme).order_by("order", "pk"))
    if not items:
        raise ValidationError(gettext("“%(scheme)s” has no items.") % {"scheme": scheme.name})
    total = sum((item.weight for item in items), Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            gettext("The weights of “%(scheme)s” add up to %(total)s, not 100.")
            % {"scheme": scheme.name, "total": f"{total.normalize():f}"}
        )
    for item in items:
        if item.source != sources.MANUAL and sources.item_source_get(item.source) is None:
            raise ValidationError(
                gettext("Item “%(item)s” has an unknown source “%(source)s”.")
                % {"item": item.name, "source": item.source}
            )
    return items


def scheme_units(*, scheme: ScorecardScheme) -> list[sources.Unit]:
    division = scheme.division
    if scheme.level == UnitLevel.TOWNSHIP:
        children = Division.objects.filter(parent=division, level=Division.Level.TOWNSHIP, is_active=True)
        return [sources.Unit.of_division(d) for d in children.order_by("code")]
    if scheme.level == UnitLevel.VILLAGE:
        children = Division.objects.filter(parent=division, level=Division.Level.VILLAGE, is_active=True)
        return [sources.Unit.of_division(d) for d in children.order_by("code")]
    if scheme.level == UnitLevel.DEPARTMENT:
        return [
            sources.Unit.of_department(d)
            for d in division.departments.filter(is_active=True).select_related("division").order_by("name")
        ]
    if scheme.level == UnitLevel.BRANCH and sources.section_get("care").available:
        from partycare import selectors as care_selectors

        branches = care_selectors.branch_list(user=sources.unit_viewer(division)).filter(is_active=True)
        return [sources.Unit.of_branch(branch) for branch in branches]
    raise ValidationError(
        gettext("Party branches are assessed once the party care app is in the portal; not available yet.")
    )


def scheme_period(scheme: ScorecardScheme, *, today: datetime.date) -> sources.Period:
    end = (
        datetime.date(scheme.year, 6, 30)
        if scheme.period == "mid_year"
        else datetime.date(scheme.year, 12, 31)
    )
    end = min(end, today)
    return sources.Period(start=datetime.date(scheme.year, 1, 1), end=end)


def item_points(*, weight: Decimal, rate: Decimal | None) -> Decimal:
    """weight × min(rate, 100 %), to the cent; an undefined rate (a zero denominator) gives 0."""
    if rate is None:
        return Decimal("0.00")
    return (weight * min(max(rate, Decimal(0)), Decimal(1))).quantize(CENT, rounding=ROUND_HALF_UP)


def vetoed_units(scores: list[tuple[str, str, Decimal]]) -> dict[str, str]:
    """The one-vote veto (一票否决): the unit(s) owning the project with the lowest survey score.
    ``scores``: (unit key, project name, score). Returns {unit key: reason}. Ties at the bottom
    veto every unit tied; an empty list vetoes nobody."""
    if not scores:
        return {}
    lowest = min(score for _, _, score in scores)
    reasons: dict[str, str] = {}
    for unit_key, project, score in scores:
        if score == lowest:
            reasons[unit_key] = gettext(
                "“%(project)s” is last in the public survey (%(score)s): one-vote veto."
            ) % {"project": project, "score": score}
    return reasons


def scorecard_compute(*, user, scheme_id: int, progress=None) -> list[Scorecard]:
    """Compute every unit's scorecard of a scheme, replacing the previous computation in one
    transaction (running it twice gives the same rows). Who: the assessing division's
    county reviewer (townships) or township staff/leader (villages, departments). Raises
    ValidationError for a scheme that does not add up, PermissionDenied / Http404 otherwise."""
    from django.shortcuts import get_object_or_404

    scheme = get_object_or_404(
        ScorecardScheme.objects.visible_to(user).select_related("division"), pk=scheme_id
    )
    if scheme.level == UnitLevel.TOWNSHIP:
        require_role(user, Role.COUNTY_REVIEWER)
    else:
        require_role(user, *OFFICE)
    if not division_in_scope(user, scheme.division):
        raise PermissionDenied(gettext("This configuration belongs to a division above yours."))
    items = scheme_check(scheme=scheme)
    units = scheme_units(scheme=scheme)
    period = scheme_period(scheme, today=timezone.localdate())
    manual = {(m.item_id, m.unit_key): m for m in ManualScore.objects.filter(item__scheme=scheme)}
    survey = sources.survey_scores(units, period)
    vetoes = vetoed_units(survey) if survey is not None else {}
    computed = []
    for done, unit in enumerate(units, 1):
        lines, total = [], Decimal("0.00")
        for item in items:
            line = _score_line(item=item, unit=unit, period=period, manual=manual)
            total += line.points
            lines.append(line)
        computed.append((unit, total, lines))
        if progress is not None:
            progress(done, len(units) + 1)
    # Rank: vetoed units last, then by score (ties share a rank).
    ordered = sorted(computed, key=lambda entry: (entry[0].key in vetoes, -entry[1]))
    with transaction.atomic():
        ScorecardScheme.objects.select_for_update().get(pk=scheme.pk)
        Scorecard.objects.filter(scheme=scheme).delete()
        cards, previous_key, rank = [], None, 0
        for position, (unit, total, lines) in enumerate(ordered, 1):
            key = (unit.key in vetoes, total)
            if key != previous_key:
                rank, previous_key = position, key
            card = Scorecard.objects.create(
                scheme=scheme,
                unit_key=unit.key,
                unit_name=unit.name,
                division=unit.division,
                department_id=unit.department_id,
                total=total,
                rank=rank,
                is_vetoed=unit.key in vetoes,
                veto_reason=vetoes.get(unit.key, "")[:200],
                computed_by=user,
            )
            for line in lines:
                line.scorecard = card
            ScoreLine.objects.bulk_create(lines)
            cards.append(card)
        if progress is not None:
            progress(len(units) + 1, len(units) + 1)
    return cards


def _score_line(*, item, unit, period, manual) -> ScoreLine:
    if item.source == sources.MANUAL:
        typed = manual.get((item.pk, unit.key))
        if typed is None:
            return ScoreLine(
                item=item,
                rate=None,
                points=Decimal("0.00"),
                numbers={},
                reason=gettext("No score typed in yet: 0 of %(weight)s.") % {"weight": item.weight},
            )
        rate = (typed.percent / HUNDRED).quantize(Decimal("0.0001"))
        points = item_points(weight=item.weight, rate=rate)
        return ScoreLine(
            item=item,
            rate=rate,
            points=points,
            numbers={gettext("typed-in score (%)"): str(typed.percent), gettext("note"): typed.note},
            reason=gettext("Typed in: %(percent)s%% of %(weight)s = %(points)s.")
            % {"percent": typed.percent, "weight": item.weight, "points": points},
        )
    source = sources.item_source_get(item.source)
    if not source.available:
        return ScoreLine(
            item=item,
            rate=None,
            points=Decimal("0.00"),
            is_available=False,
            numbers={},
            reason=gettext("Not available: %(what)s not yet in the portal; no points given.")
            % {"what": source.needs},
        )
    value = source.build(unit, period)
    points = item_points(weight=item.weight, rate=value.rate)
    if value.rate is None:
        reason = gettext("The rate is undefined (its denominator is 0): 0 of %(weight)s.") % {
            "weight": item.weight
        }
    else:
        shown = (value.rate * HUNDRED).quantize(CENT)
        reason = gettext("%(rate)s%% (capped at 100%%) × %(weight)s = %(points)s.") % {
            "rate": shown,
            "weight": item.weight,
            "points": points,
        }
    return ScoreLine(
        item=item,
        rate=value.rate,
        points=points,
        numbers={str(k): v for k, v in value.numbers.items()},
        reason=reason,
    )


@transaction.atomic
def manual_score_set(*, user, item_id: int, unit_key: str, percent, note: str = "") -> ManualScore:
    """The assessing division types a score (0-100 % of the item's marks) for a unit."""
    require_role(user, *OFFICE_AND_REVIEWER)
    item = (
        ScorecardItem.objects.visible_to(user).select_related("scheme__division").filter(pk=item_id).first()
    )
    if item is None or not division_in_scope(user, item.scheme.division):
        from django.http import Http404

        raise Http404
    if item.source != sources.MANUAL:
        raise ValidationError(
            gettext("“%(item)s” is computed from data; it takes no typed score.") % {"item": item.name}
        )
    units = {unit.key: unit for unit in scheme_units(scheme=item.scheme)}
    if unit_key not in units:
        raise ValidationError(
            {"unit_key": gettext("“%(unit)s” is not assessed by this configuration.") % {"unit": unit_key}}
        )
    try:
        value = Decimal(str(percent))
    except Exception:
        raise ValidationError(
            {"percent": gettext("“%(value)s” is not a number.") % {"value": percent}}
        ) from None
    if not Decimal(0) <= value <= HUNDRED:
        raise ValidationError(
            {"percent": gettext("A score is between 0 and 100 (got %(value)s).") % {"value": value}}
        )
    score, _ = ManualScore.objects.update_or_create(
        item=item,
        unit_key=unit_key,
        defaults={
            "percent": value,
            "note": note[:200],
            "unit_name": units[unit_key].name,
            "entered_by": user,
        },
    )
    return score


# --- year-end summary -------------------------------------------------------------------------------


@transaction.atomic
def year_end_summary_save(
    *, user, division_id: int, year: int, introduction: str, closing: str
) -> YearEndSummary:
    """The officer's prose; the numbers always come from the data when the summary is rendered."""
    require_role(user, *OFFICE_AND_REVIEWER)
    division = Division.objects.visible_to(user).filter(pk=division_id).first()
    if division is None or division.level == Division.Level.VILLAGE:
        from django.http import Http404

        raise Http404
    summary, _ = YearEndSummary.objects.select_for_update().get_or_create(division=division, year=year)
    summary.introduction = (introduction or "").strip()
    summary.closing = (closing or "").strip()
    summary.edited_by = user
    audited_save(summary, user=user)
    return summary


__all__ = [
    "deadline_day",
    "is_late",
    "manual_score_set",
    "monthly_report_generate",
    "monthly_report_regenerate",
    "monthly_report_summary_set",
    "monthly_report_transition",
    "scorecard_compute",
    "submission_deadline",
    "vetoed_units",
    "year_end_summary_save",
]
