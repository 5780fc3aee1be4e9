"""Who may do what to monthly reports, decided here once.

The workflow (DESIGN 月报): township staff write the summary and ask for approval, a township
leader who did not prepare it approves and submits (four-eyes), the county reviewer accepts or
returns it. Guards (``*_guard(report, user)``) are the ``check=`` of ``REPORT_FLOW``'s
transitions; predicates (``may_*(user, report)``) answer yes or no for pages and the API:
scope, the current version, then the machine (role, state, guard).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from org.roles import PREPARERS, has_role
from org.scoping import division_in_scope
from org.services import ensure_four_eyes

# --- guards: the transitions' check= ----------------------------------------------------------


def summary_written_guard(report, user) -> None:
    if not (report.summary or "").strip():
        raise ValidationError({"summary": gettext("Write the summary before asking for approval.")})


def four_eyes_guard(report, user) -> None:
    """The leader who approves never prepared the report; a report nobody asked approval for
    (no preparer recorded) is not approved at all."""
    ensure_four_eyes(prepared_by=report.prepared_by, acting=user, what=gettext("this monthly report"))


# --- predicates: may X do Y to this record ------------------------------------------------------


def _current_in_scope(user, report) -> bool:
    return report.is_current and division_in_scope(user, report.township)


def may_take_report_step(user, report, step: str) -> bool:
    from reports.services import REPORT_FLOW

    return _current_in_scope(user, report) and REPORT_FLOW.allows(report, user, step)


def may_submit_report(user, report) -> bool:
    """The leader's approval and submission to the county."""
    return may_take_report_step(user, report, "submit")


def may_accept_report(user, report) -> bool:
    return may_take_report_step(user, report, "accept")


def may_edit_summary(user, report) -> bool:
    from reports.models import MonthlyReport

    return (
        has_role(user, *PREPARERS)
        and _current_in_scope(user, report)
        and report.status == MonthlyReport.Status.DRAFT
    )


def may_regenerate_report(user, report) -> bool:
    from reports.models import MonthlyReport

    return (
        has_role(user, *PREPARERS)
        and _current_in_scope(user, report)
        and report.status == MonthlyReport.Status.RETURNED
    )
