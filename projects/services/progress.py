"""Monthly cumulative progress (进度), corrections with a reason.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, PermissionDenied for one in scope the user may not
change), validates with a ValidationError naming the field and the values, and is its own
transaction. ``today`` parameters default to ``timezone.localdate()`` (Asia/Shanghai)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from projects import permissions
from projects.models import (
    ProgressReport,
    Target,
)
from projects.services.checks import _deny, _fmt, _today, _visible_or_404, parse_month, parse_quantity


@transaction.atomic
def progress_record(
    *,
    user,
    target: Target,
    month,
    actual,
    correction_reason: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> ProgressReport:
    """Record (or re-record) the cumulative actual of ``target`` at the end of ``month``.

    Who: township staff/leaders for targets in their township, village cadres for their own
    village's targets. Refused: a negative actual, a month outside the project's year or in the
    future, a target that is split further (record on its shares), and a figure lower than an
    earlier month (or higher than a later one, or lower than what this month said before) unless
    ``correction_reason`` is given, which marks the report as a correction."""
    today = _today(today)
    month = parse_month(month)
    actual = parse_quantity(actual, field="actual")
    correction_reason = (correction_reason or "").strip()
    _visible_or_404(Target, user=user, pk=target.pk)
    target = Target.objects.select_for_update().select_related("project", "division").get(pk=target.pk)
    if not permissions.may_record_progress(user, target):
        _deny(gettext("You may not record progress for %(division)s.") % {"division": target.division.name})
    if month > today.replace(day=1):
        raise ValidationError(
            {
                "month": gettext("%(month)s is in the future (today is %(today)s).")
                % {"month": f"{month:%Y-%m}", "today": today.isoformat()}
            }
        )
    if month.year != target.project.year:
        raise ValidationError(
            {
                "month": gettext("%(month)s is outside the project's year %(year)s.")
                % {"month": f"{month:%Y-%m}", "year": target.project.year}
            }
        )
    if target.children.exists():
        raise ValidationError(
            {
                "target": gettext(
                    "%(division)s's target is split over its villages: record progress on their targets."
                )
                % {"division": target.division.name}
            }
        )
    reports = target.progress.all()
    previous = reports.filter(month__lt=month).order_by("-month").first()
    following = reports.filter(month__gt=month).order_by("month").first()
    same = reports.filter(month=month).first()
    if not correction_reason:
        message = None
        if previous and actual < previous.actual:
            message = gettext(
                "%(actual)s is lower than %(previous)s recorded for %(month)s: a cumulative figure cannot go "
                "down. If the earlier figure was wrong, record this as a correction with a reason."
            ) % {
                "actual": _fmt(actual),
                "previous": _fmt(previous.actual),
                "month": f"{previous.month:%Y-%m}",
            }
        elif following and actual > following.actual:
            message = gettext(
                "%(actual)s is higher than %(next)s already recorded for the later month %(month)s. "
                "Record this as a correction with a reason."
            ) % {"actual": _fmt(actual), "next": _fmt(following.actual), "month": f"{following.month:%Y-%m}"}
        elif same and actual < same.actual:
            message = gettext(
                "%(actual)s is lower than %(before)s recorded for this month before. "
                "Record this as a correction with a reason."
            ) % {"actual": _fmt(actual), "before": _fmt(same.actual)}
        if message:
            raise ValidationError({"actual": message})
    report = same or ProgressReport(target=target, month=month)
    report.actual = actual
    report.is_correction = bool(correction_reason)
    report.correction_reason = correction_reason
    report.note = (note or "").strip()
    report.recorded_by = user
    report.full_clean()
    report.save()
    return report
