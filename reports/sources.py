"""The registry of report SECTIONS and scorecard ITEM SOURCES.


Each entry is a function (unit, period) → numbers that reads the owning app through its
selectors, as the unit would see it. An entry whose app is missing is declared with
``build=None`` (or its module is absent): the report shows it as "not available" and a scorecard
item on it scores nothing and says why. It is never a fake 0.

Units act through a *viewer*: an unsaved, read-only stand-in user with the unit's division and
the role that sees exactly that division (township staff for a township, village cadre for a
village). Selectors narrow everything to it exactly as they do for a person logged in there.
"""

import calendar
import datetime
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries import selectors as beneficiary_selectors
from core.money import ZERO, rate
from org.models import Division, Role, User
from projects import selectors as project_selectors

ONE = Decimal("1")


# --- units, viewers and periods -------------------------------------------------------------------


VIEWER_ROLE = {
    Division.Level.COUNTY: Role.COUNTY_AUDITOR,
    Division.Level.TOWNSHIP: Role.TOWNSHIP_STAFF,
    Division.Level.VILLAGE: Role.VILLAGE_CADRE,
}


def unit_viewer(division: Division) -> User:
    """A stand-in user who sees exactly ``division`` and below. Never saved; only passed to
    selectors (reads)."""
    viewer = User(username=f"viewer-{division.code}", role=VIEWER_ROLE[division.level], is_active=True)
    viewer.division = division
    return viewer


@dataclass(frozen=True)
class Unit:
    """Something assessed or reported on: a division, or a department of a township."""

    key: str  # "division:12" / "department:7"
    name: str
    division: Division
    department_id: int | None = None
    branch_id: int | None = None

    @property
    def viewer(self) -> User:
        return unit_viewer(self.division)

    @classmethod
    def of_division(cls, division: Division) -> "Unit":
        return cls(key=f"division:{division.pk}", name=division.name, division=division)

    @classmethod
    def of_department(cls, department) -> "Unit":
        return cls(
            key=f"department:{department.pk}",
            name=department.name,
            division=department.division,
            department_id=department.pk,
        )

    @classmethod
    def of_branch(cls, branch) -> "Unit":
        return cls(key=f"branch:{branch.pk}", name=branch.name, division=branch.division, branch_id=branch.pk)


@dataclass(frozen=True)
class Period:
    """What a report or score covers: up to ``end`` (inclusive) within ``year``."""

    start: datetime.date
    end: datetime.date

    @property
    def year(self) -> int:
        return self.end.year

    @classmethod
    def month(cls, month: datetime.date) -> "Period":
        last = calendar.monthrange(month.year, month.month)[1]
        return cls(start=month.replace(day=1), end=month.replace(day=last))


def _module_present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _s(value) -> str | None:
    """A Decimal for the JSON snapshot (exact, as text); None stays None."""
    if value is None:
        return None
    return str(value)


# --- shared numbers --------------------------------------------------------------------------------


def _projects(unit: Unit, period: Period):
    return project_selectors.project_list(
        user=unit.viewer, today=period.end, year=period.year, department=unit.department_id
    )


def average_completion(projects) -> dict:
    """Mean over projects with a target of min(actual / target, 100 %); None when no project has
    a target (a defined result, not a division by zero)."""
    rates = []
    for project in projects:
        value = rate(project.actual_total, project.target_total)
        if value is not None:
            rates.append(min(value, ONE))
    mean = None
    if rates:
        mean = (sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return {"projects": len(projects), "with_target": len(rates), "rate": mean}


def fund_totals(unit: Unit, period: Period) -> dict:
    """Planned, received, allocated and spent over the unit's projects of the year at the end of
    the period, with the three rates (one query)."""
    qs = _projects(unit, period)
    totals = project_selectors.project_totals(qs)
    return totals


# --- report sections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    module: str  # the selectors module the section reads
    build: Callable | None = None  # (unit, period) -> {"columns", "rows", "totals"?, "note"?}
    needs: object = ""  # what must land for an unavailable section

    @property
    def available(self) -> bool:
        return self.build is not None and _module_present(self.module)


def _col(key, label, kind="text"):
    return {"key": key, "label": str(label), "kind": kind}


def section_projects(unit: Unit, period: Period) -> dict:
    projects = list(_projects(unit, period))
    rows = []
    for project in projects:
        rows.append(
            {
                "project_id": project.pk,
                "code": project.code,
                "name": project.name,
                "category": project.get_category_display(),
                "owner": project.division.name,
                "target": _s(project.target_total),
                "actual": _s(project.actual_total),
                "completion": _s(rate(project.actual_total, project.target_total)),
                "lagging": gettext("lagging") if project.is_lagging else "",
            }
        )
    average = average_completion(projects)
    return {
        "columns": [
            _col("code", _("Project code")),
            _col("name", _("Project")),
            _col("category", _("Category")),
            _col("owner", _("Owner")),
            _col("target", _("Target"), "quantity"),
            _col("actual", _("Cumulative actual"), "quantity"),
            _col("completion", _("Completion rate"), "percent"),
            _col("lagging", _("Lagging")),
        ],
        "rows": rows,
        "totals": {
            "code": gettext("Total"),
            "name": gettext("%(count)d projects, %(lagging)d lagging")
            % {"count": len(projects), "lagging": sum(1 for p in projects if p.is_lagging)},
            "completion": _s(average["rate"]),
        },
        "note": gettext(
            "Targets and actuals are over this township's share; the total completion is the mean over projects with a target, each capped at 100%."
        ),
    }


def section_funds(unit: Unit, period: Period) -> dict:
    viewer = unit.viewer
    lines = project_selectors.fund_line_list(user=viewer).filter(project__year=period.year)
    labels = dict(lines.model._meta.get_field("source").flatchoices)
    sums = {
        source: {"planned": ZERO, "received": ZERO, "allocated": ZERO, "spent": ZERO} for source in labels
    }
    for source, planned in (
        lines.order_by().values("source").annotate(total=Sum("planned")).values_list("source", "total")
    ):
        sums[source]["planned"] += planned or ZERO
    movements = (
        project_selectors.fund_movement_list(user=viewer)
        .filter(fund_line__project__year=period.year, date__lte=period.end)
        .order_by()
        .values("fund_line__source", "kind")
        .annotate(total=Sum("amount"))
        .values_list("fund_line__source", "kind", "total")
    )
    for source, kind, total in movements:
        sums[source][kind] += total or ZERO
    rows, grand = [], {"planned": ZERO, "received": ZERO, "allocated": ZERO, "spent": ZERO}
    for source, label in labels.items():
        values = sums[source]
        for key in grand:
            grand[key] += values[key]
        rows.append(_fund_row(values, source=source, label=str(label)))
    return {
        "columns": [
            _col("label", _("Fund source")),
            _col("planned", _("Planned"), "money"),
            _col("received", _("Received"), "money"),
            _col("allocated", _("Allocated"), "money"),
            _col("spent", _("Spent"), "money"),
            _col("received_rate", _("Received rate"), "percent"),
            _col("allocated_rate", _("Allocated rate"), "percent"),
            _col("spent_rate", _("Spending rate"), "percent"),
        ],
        "rows": rows,
        "totals": _fund_row(grand, source="", label=gettext("Total")),
        "note": gettext(
            "Yuan, at the end of the month, over the projects this township takes part in (a county-wide project counts with its whole funds)."
        ),
    }


def _fund_row(values: dict, *, source: str, label: str) -> dict:
    return {
        "source": source,
        "label": label,
        **{key: _s(value) for key, value in values.items()},
        "received_rate": _s(rate(values["received"], values["planned"])),
        "allocated_rate": _s(rate(values["allocated"], values["received"])),
        "spent_rate": _s(rate(values["spent"], values["allocated"])),
    }


def section_registry_counts(unit: Unit, period: Period) -> dict:
    viewer = unit.viewer
    persons = beneficiary_selectors.person_list(user=viewer)
    statuses = dict(persons.model._meta.get_field("status").flatchoices)
    by_village: dict[str, dict] = {}
    for village, status, count in (
        persons.order_by()
        .values("village__name", "status")
        .annotate(count=Count("pk"))
        .values_list("village__name", "status", "count")
    ):
        row = by_village.setdefault(village, {"village": village, "total": 0})
        row[status] = row.get(status, 0) + count
        row["total"] += count
    households = dict(
        beneficiary_selectors.household_list(user=viewer)
        .order_by()
        .values("village__name")
        .annotate(count=Count("pk"))
        .values_list("village__name", "count")
    )
    rows = []
    for village in sorted(set(by_village) | set(households)):
        row = by_village.get(village, {"village": village, "total": 0})
        row["households"] = households.get(village, 0)
        rows.append(row)
    totals = {"village": gettext("Total"), "households": sum(r["households"] for r in rows)}
    for key in [*statuses, "total"]:
        totals[key] = sum(r.get(key, 0) for r in rows)
    return {
        "columns": [
            _col("village", _("Village")),
            _col("households", _("Households"), "integer"),
            *[_col(key, label, "integer") for key, label in statuses.items()],
            _col("total", _("Persons"), "integer"),
        ],
        "rows": rows,
        "totals": totals,
        "note": gettext("The person registry at the time the report was made."),
    }


def _care_selectors():
    from partycare import selectors

    return selectors


def _fieldwork_selectors():
    from fieldwork import selectors

    return selectors


def section_care(unit: Unit, period: Period) -> dict:
    """Care cases of the month by kind (count, members reached, money), and coverage so far this
    year: active members with at least one care case since 1 January (three queries)."""
    care = _care_selectors()
    cases = care.care_case_list(user=unit.viewer)
    kinds = dict(cases.model._meta.get_field("kind").flatchoices)
    month = {
        kind: (count, members, money)
        for kind, count, members, money in cases.filter(occurred_on__range=(period.start, period.end))
        .order_by()
        .values("kind")
        .annotate(count=Count("pk"), members=Count("member", distinct=True), money=Sum("money"))
        .values_list("kind", "count", "members", "money")
    }
    rows = [
        {
            "kind": str(label),
            "count": month.get(kind, (0, 0, ZERO))[0],
            "members": month.get(kind, (0, 0, ZERO))[1],
            "money": _s(month.get(kind, (0, 0, ZERO))[2] or ZERO),
        }
        for kind, label in kinds.items()
    ]
    coverage = care_coverage(unit, period)
    return {
        "columns": [
            _col("kind", _("Kind of care")),
            _col("count", _("Cases this month"), "integer"),
            _col("members", _("Members reached"), "integer"),
            _col("money", _("Money given (yuan)"), "money"),
        ],
        "rows": rows,
        "totals": {
            "kind": gettext("Total"),
            "count": sum(r["count"] for r in rows),
            "money": _s(sum((Decimal(r["money"]) for r in rows), ZERO)),
        },
        "note": gettext(
            "Care coverage this year: %(covered)d of %(members)d active members (%(rate)s) had at least one care case since 1 January."
        )
        % {
            "covered": coverage["covered"],
            "members": coverage["members"],
            "rate": _percent(coverage["rate"]),
        },
    }


def care_coverage(unit: Unit, period: Period) -> dict:
    """Active party members in the unit (a division, or one branch) with a care case between
    1 January and the end of the period, over all active members. One query."""
    return _care_selectors().care_coverage_totals(
        user=unit.viewer,
        start=datetime.date(period.year, 1, 1),
        end=period.end,
        branch_id=unit.branch_id,
    )


def _percent(value) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.01'))}%"


def section_payments(unit: Unit, period: Period) -> dict:
    """Per project of the year: enrolled and active beneficiaries at the end of the month, new
    (paid from this month) and exited this month; the batches reconciled with the bank this
    month with the amounts paid and failed. Two queries."""
    enrolments = beneficiary_selectors.enrolment_month_counts(
        user=unit.viewer, year=period.year, start=period.start, end=period.end
    )
    payments = beneficiary_selectors.payment_month_totals(
        user=unit.viewer, start=period.start, end=period.end
    )
    rows: dict[int, dict] = {}
    empty = {
        "enrolled": 0,
        "active": 0,
        "new": 0,
        "exited": 0,
        "batches": 0,
        "paid": 0,
        "paid_amount": ZERO,
        "failed": 0,
        "failed_amount": ZERO,
    }
    for row in enrolments:
        entry = rows.setdefault(
            row["project_id"], {"code": row["project__code"], "name": row["project__name"], **empty}
        )
        for key in ("enrolled", "active", "new", "exited"):
            entry[key] = row[key]
    for row in payments:
        entry = rows.setdefault(
            row["batch__project_id"],
            {"code": row["batch__project__code"], "name": row["batch__project__name"], **empty},
        )
        entry.update(
            batches=row["batches"],
            paid=row["paid"],
            paid_amount=row["paid_amount"] or ZERO,
            failed=row["failed"],
            failed_amount=row["failed_amount"] or ZERO,
        )
    ordered = sorted(rows.values(), key=lambda r: r["code"])
    totals = {"code": gettext("Total"), "name": ""}
    for key, value in empty.items():
        totals[key] = sum((r[key] for r in ordered), value)
    money = ("paid_amount", "failed_amount")
    for row in [*ordered, totals]:
        for key in money:
            row[key] = _s(row[key])
    return {
        "columns": [
            _col("code", _("Project code")),
            _col("name", _("Project")),
            _col("enrolled", _("Enrolled"), "integer"),
            _col("active", _("Active (paid)"), "integer"),
            _col("new", _("New this month"), "integer"),
            _col("exited", _("Exited this month"), "integer"),
            _col("batches", _("Batches reconciled"), "integer"),
            _col("paid", _("Payments made"), "integer"),
            _col("paid_amount", _("Paid (yuan)"), "money"),
            _col("failed", _("Payments failed"), "integer"),
            _col("failed_amount", _("Failed (yuan)"), "money"),
        ],
        "rows": ordered,
        "totals": totals,
        "note": gettext(
            "Enrolled and active as at the end of the month; new means paid from a date in the month; payments are those of the batches whose bank results were reconciled in the month."
        ),
    }


def section_concerns(unit: Unit, period: Period) -> dict:
    """Per village: concerns collected, resolved (and of those, by their deadline) in the
    month, and overdue at its end. One query."""
    counts = _fieldwork_selectors().concern_month_counts(user=unit.viewer, start=period.start, end=period.end)
    rows = [
        {
            "village": row["village__name"],
            "opened": row["opened"],
            "resolved": row["resolved"],
            "on_time": row["on_time"],
            "overdue": row["overdue"],
        }
        for row in counts
    ]
    totals = {"village": gettext("Total")}
    for key in ("opened", "resolved", "on_time", "overdue"):
        totals[key] = sum(r[key] for r in rows)
    return {
        "columns": [
            _col("village", _("Village")),
            _col("opened", _("Collected this month"), "integer"),
            _col("resolved", _("Resolved this month"), "integer"),
            _col("on_time", _("Of which by the deadline"), "integer"),
            _col("overdue", _("Overdue at the month end"), "integer"),
        ],
        "rows": rows,
        "totals": totals,
        "note": gettext(
            "A concern is overdue when its deadline passed (the deadline day itself is in time) and it was not resolved by the end of the month."
        ),
    }


def _publicity_selectors():
    from publicity import selectors

    return selectors


def _local_range(period: Period):
    """The period as aware datetimes in Asia/Shanghai, for timestamp fields."""
    from django.utils import timezone

    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end, datetime.time.max))
    return start, end


def section_publicity(unit: Unit, period: Period) -> dict:
    """Information submitted this month by kind (counted: submitted, adopted or published),
    publicity activities held this month by kind, and the units behind on their quotas."""
    publicity = _publicity_selectors()
    viewer = unit.viewer
    submissions = publicity.submission_list(user=viewer)
    counted = submissions.model.COUNTED
    kinds = dict(submissions.model._meta.get_field("kind").flatchoices)
    submitted = dict(
        submissions.filter(status__in=counted, submitted_at__range=_local_range(period))
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    activities = publicity.activity_list(user=viewer).filter(held_on__range=(period.start, period.end))
    activity_kinds = dict(activities.model._meta.get_field("kind").flatchoices)
    held = {
        kind: (n, audience, materials)
        for kind, n, audience, materials in activities.order_by()
        .values("kind")
        .annotate(
            n=Count("pk", distinct=True), audience=Sum("audience_estimate"), materials=Sum("materials_count")
        )
        .values_list("kind", "n", "audience", "materials")
    }
    rows = [
        {"what": gettext("Information: %(kind)s") % {"kind": label}, "count": submitted.get(kind, 0)}
        for kind, label in kinds.items()
    ] + [
        {
            "what": gettext("Activity: %(kind)s") % {"kind": label},
            "count": held.get(kind, (0, 0, 0))[0],
            "audience": held.get(kind, (0, 0, 0))[1] or 0,
            "materials": held.get(kind, (0, 0, 0))[2] or 0,
        }
        for kind, label in activity_kinds.items()
    ]
    behind = [
        row.department.name
        for row in publicity.quota_status(user=viewer, year=period.year, month=period.end.month)
        if row.behind(period.end.month)
    ]
    return {
        "columns": [
            _col("what", _("Publicity")),
            _col("count", _("This month"), "integer"),
            _col("audience", _("Audience (estimate)"), "integer"),
            _col("materials", _("Materials handed out"), "integer"),
        ],
        "rows": rows,
        "note": (
            gettext("Units behind on their information quotas: %(units)s.") % {"units": "、".join(behind)}
            if behind
            else gettext("Every unit is on track with its information quotas.")
        ),
    }


def _unit_survey_rows(unit: Unit, period: Period) -> list[dict]:
    """The unit's survey counts per project for the year (a department: the projects it leads)."""
    rows = _publicity_selectors().survey_rates(user=unit.viewer, year=period.year, by="project")
    if unit.department_id is not None:
        led = set(_projects(unit, period).values_list("pk", flat=True))
        rows = [r for r in rows if r["survey__project_id"] in led]
    return rows


def _survey_item(count_key: str, label):
    def build(unit: Unit, period: Period) -> ItemValue:
        rows = _unit_survey_rows(unit, period)
        responses = sum(r["response_count"] for r in rows)
        hits = sum(r[count_key] for r in rows)
        return ItemValue(
            rate=rate(hits, responses),
            numbers={
                gettext("survey responses"): responses,
                str(label): hits,
                gettext("projects surveyed"): len(rows),
            },
        )

    build.__name__ = f"item_{count_key}"
    return build


def _quota_item(unit: Unit, period: Period) -> "ItemValue":
    """Σ min(done, due) / Σ due over the yearly quota lines of the unit's departments, due by the
    end of the period (monthly texts: months elapsed; yearly quotas: whole year)."""
    rows = _publicity_selectors().quota_status(user=unit.viewer, year=period.year, month=period.end.month)
    if unit.department_id is not None:
        rows = [r for r in rows if r.department.pk == unit.department_id]
    due = sum(line.year_due for row in rows for line in row.lines)
    done = sum(min(line.year_done, line.year_due) for row in rows for line in row.lines)
    return ItemValue(
        rate=rate(done, due),
        numbers={
            gettext("pieces due"): due,
            gettext("pieces done (up to what is due)"): done,
            gettext("units"): len(rows),
        },
    )


SECTIONS: list[Section] = [
    Section("projects", _("Targets, progress and completion"), "projects.selectors", section_projects),
    Section("funds", _("Funds by source"), "projects.selectors", section_funds),
    Section("registry", _("Person registry"), "beneficiaries.selectors", section_registry_counts),
    Section(
        "payments",
        _("Beneficiaries and payments of the month"),
        "beneficiaries.selectors",
        lambda unit, period: section_payments(unit, period),
    ),
    Section("publicity", _("Publicity done"), "publicity.selectors", section_publicity),
    Section(
        "concerns",
        _("Concerns opened, resolved and overdue"),
        "partycare.selectors",
        lambda unit, period: section_concerns(unit, period),
    ),
    Section("care", _("Care cases"), "partycare.selectors", section_care),
]


def section_get(key: str) -> Section | None:
    return next((s for s in SECTIONS if s.key == key), None)


def build_sections(unit: Unit, period: Period, *, progress: Callable | None = None) -> list[dict]:
    """Every section for the snapshot, in order; unavailable ones say so."""
    built = []
    for index, section in enumerate(SECTIONS, 1):
        entry = {"key": section.key, "title": str(section.title), "available": section.available}
        if section.available:
            entry.update(section.build(unit, period))
        else:
            entry["note"] = gettext("Not available: %(what)s not yet in the portal.") % {
                "what": section.needs or section.module
            }
        built.append(entry)
        if progress is not None:
            progress(index, len(SECTIONS) + 2)
    return built


def headline(unit: Unit, period: Period) -> dict:
    """The few numbers the county dashboard compares across townships (two queries)."""
    projects = list(_projects(unit, period))
    completion = average_completion(projects)
    funds = project_selectors.project_totals(_projects(unit, period))
    return {
        "projects": len(projects),
        "lagging": sum(1 for p in projects if p.is_lagging),
        "completion_rate": _s(completion["rate"]),
        "received_rate": _s(funds["received_rate"]),
        "allocated_rate": _s(funds["allocated_rate"]),
        "spent_rate": _s(funds["spent_rate"]),
    }


# --- scorecard item sources -----------------------------------------------------------------------


MANUAL = "manual"


@dataclass
class ItemValue:
    """What a source found for one unit: a rate (0..1, None when undefined) and the numbers
    behind it, each with a label, to show next to the score."""

    rate: Decimal | None
    numbers: dict = field(default_factory=dict)
    available: bool = True
    note: str = ""


@dataclass(frozen=True)
class ItemSource:
    key: str
    label: object
    module: str
    build: Callable | None = None  # (unit, period) -> ItemValue
    needs: object = ""

    @property
    def available(self) -> bool:
        return self.build is not None and _module_present(self.module)


def item_completion(unit: Unit, period: Period) -> ItemValue:
    result = average_completion(list(_projects(unit, period)))
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("projects"): result["projects"],
            gettext("projects with a target"): result["with_target"],
            gettext("mean completion (capped at 100%)"): _s(result["rate"]),
        },
    )


def _fund_item(numerator: str, denominator: str, rate_key: str):
    def build(unit: Unit, period: Period) -> ItemValue:
        totals = fund_totals(unit, period)
        return ItemValue(
            rate=totals[rate_key],
            numbers={
                str(FUND_LABELS[numerator]): _s(totals[numerator]),
                str(FUND_LABELS[denominator]): _s(totals[denominator]),
            },
        )

    build.__name__ = f"item_{rate_key}"
    return build


FUND_LABELS = {
    "planned": _("planned (yuan)"),
    "received": _("received (yuan)"),
    "allocated": _("allocated (yuan)"),
    "spent": _("spent (yuan)"),
}


ITEM_SOURCES: list[ItemSource] = [
    ItemSource("completion", _("Target completion"), "projects.selectors", item_completion),
    ItemSource(
        "fund_received",
        _("Funds received rate (到位率)"),
        "projects.selectors",
        _fund_item("received", "planned", "received_rate"),
    ),
    ItemSource(
        "fund_allocated",
        _("Funds allocated rate (拨付率)"),
        "projects.selectors",
        _fund_item("allocated", "received", "allocated_rate"),
    ),
    ItemSource(
        "fund_spent",
        _("Funds spending rate (支出率)"),
        "projects.selectors",
        _fund_item("spent", "allocated", "spent_rate"),
    ),
    ItemSource(
        "publicity_quota",
        _("Publicity quota completion"),
        "publicity.selectors",
        lambda u, p: _quota_item(u, p),
    ),
    ItemSource(
        "callback_coverage",
        _("Callback coverage"),
        "beneficiaries.selectors",
        lambda unit, period: _callback_item(unit, period),
    ),
    ItemSource(
        "survey_awareness",
        _("Survey: awareness"),
        "publicity.selectors",
        lambda u, p: _survey_item("aware_count", _("aware"))(u, p),
    ),
    ItemSource(
        "survey_satisfaction",
        _("Survey: satisfaction"),
        "publicity.selectors",
        lambda u, p: _survey_item("satisfied_count", _("satisfied or basically satisfied"))(u, p),
    ),
    ItemSource(
        "concerns_on_time",
        _("Concerns resolved on time"),
        "partycare.selectors",
        lambda unit, period: _concerns_item(unit, period),
    ),
    ItemSource(
        "care_coverage",
        _("Care coverage"),
        "partycare.selectors",
        lambda unit, period: _coverage_item(unit, period),
    ),
]


def _coverage_item(unit: Unit, period: Period) -> ItemValue:
    result = care_coverage(unit, period)
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("active party members"): result["members"],
            gettext("members with a care case this year"): result["covered"],
        },
    )


def _callback_item(unit: Unit, period: Period) -> ItemValue:
    """Active enrolments of the year's projects (a department: the projects it leads) reached
    by a callback by the end of the period, over all of them (a zero denominator: undefined)."""
    project_ids = None
    if unit.department_id is not None:
        project_ids = list(_projects(unit, period).values_list("pk", flat=True))
    result = beneficiary_selectors.callback_coverage_totals(
        user=unit.viewer, year=period.year, until=period.end, project_ids=project_ids
    )
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("active beneficiaries"): result["enrolled"],
            gettext("reached by a callback"): result["reached"],
        },
    )


def _concerns_item(unit: Unit, period: Period) -> ItemValue:
    """Concerns with a deadline that fell due in the period or were resolved in it (a
    department: those dispatched to it), resolved on or before their deadline."""
    result = _fieldwork_selectors().concern_deadline_totals(
        user=unit.viewer, start=period.start, end=period.end, department_id=unit.department_id
    )
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("concerns due or resolved"): result["due"],
            gettext("resolved by the deadline"): result["on_time"],
        },
    )


def item_source_get(key: str) -> ItemSource | None:
    return next((s for s in ITEM_SOURCES if s.key == key), None)


def item_source_choices() -> list[tuple[str, str]]:
    return [(MANUAL, gettext("Typed in by the assessor (inspection, self-assessment)"))] + [
        (s.key, str(s.label)) for s in ITEM_SOURCES
    ]


# The one-vote veto needs each unit's projects' survey scores: (unit key, project name, score).
# The publicity app's surveys provide them once they land; until then there is nothing to rank.
def survey_available() -> bool:
    """Whether the one-vote veto can be checked (the publicity app's surveys have landed)."""
    return _module_present("publicity.selectors")


def survey_scores(units: list[Unit], period: Period) -> list[tuple[str, str, Decimal]] | None:
    """(unit key, project name, satisfaction %) for every project of every unit with survey
    responses this year; None when surveys are not available (the veto is then not checked,
    and the scorecard says so)."""
    if not survey_available():
        return None
    scores = []
    for unit in units:
        for row in _unit_survey_rows(unit, period):
            if row["response_count"] and row["satisfaction_rate"] is not None:
                scores.append((unit.key, row["survey__project__name"], row["satisfaction_rate"] * 100))
    return scores
