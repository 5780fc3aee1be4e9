"""Excel in and out for projects: import templates, the three imports (targets, progress,
fund movements) and the exports (the county's project table, progress rows).

Imports read the file with the shared reader (core.excel), then call the same services as the
pages, row by row, inside the job's one transaction: any row refused → every row rolled back,
and the error list names row, column and reason. Progress rows carry the project and division
names as well as their codes, so that an exported progress sheet imports back unchanged.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.excel import Column, ExportColumn, Kind, OutKind, RowErrors, SheetSpec, XlsxExport
from core.money import rate
from org.selectors import division_choices
from projects import selectors, services
from projects.models import FundLine, FundMovement, FundSource, ProgressReport, Project, Target

MAX_IMPORT_ROWS = 50_000

TARGET_SPEC = SheetSpec(
    name=_("Targets"),
    max_rows=MAX_IMPORT_ROWS,
    columns=[
        Column("year", "年度", Kind.INTEGER),
        Column("code", "项目编码", Kind.TEXT, max_length=20),
        Column(
            "project_name",
            "项目名称",
            Kind.TEXT,
            required=False,
            help=_("For reading only; the code decides."),
        ),
        Column("division_code", "行政区划代码", Kind.TEXT, max_length=12),
        Column("division_name", "行政区划名称", Kind.TEXT, required=False, help=_("For reading only.")),
        Column("quantity", "目标数量", Kind.QUANTITY),
        Column("unit", "单位", Kind.CHOICE, choices=Target.Unit.choices),
    ],
)

PROGRESS_SPEC = SheetSpec(
    name=_("Progress"),
    max_rows=MAX_IMPORT_ROWS,
    columns=[
        Column("year", "年度", Kind.INTEGER),
        Column("code", "项目编码", Kind.TEXT, max_length=20),
        Column(
            "project_name",
            "项目名称",
            Kind.TEXT,
            required=False,
            help=_("For reading only; the code decides."),
        ),
        Column("division_code", "行政区划代码", Kind.TEXT, max_length=12),
        Column("division_name", "行政区划名称", Kind.TEXT, required=False, help=_("For reading only.")),
        Column("month", "月份", Kind.MONTH),
        Column("actual", "累计完成", Kind.QUANTITY),
        Column("correction_reason", "更正原因", Kind.TEXT, required=False, max_length=200),
        Column("note", "备注", Kind.TEXT, required=False, max_length=200),
    ],
)

FUND_SPEC = SheetSpec(
    name=_("Fund movements"),
    max_rows=MAX_IMPORT_ROWS,
    columns=[
        Column("year", "年度", Kind.INTEGER),
        Column("code", "项目编码", Kind.TEXT, max_length=20),
        Column(
            "project_name",
            "项目名称",
            Kind.TEXT,
            required=False,
            help=_("For reading only; the code decides."),
        ),
        Column("source", "资金来源", Kind.CHOICE, choices=FundSource.choices),
        Column("kind", "类别", Kind.CHOICE, choices=FundMovement.Kind.choices),
        Column("date", "日期", Kind.DATE),
        Column("amount", "金额（元）", Kind.DECIMAL),
        Column("reference", "凭证号", Kind.TEXT, required=False, max_length=60),
        Column("note", "备注", Kind.TEXT, required=False, max_length=200),
    ],
)

SPECS = {"targets": TARGET_SPEC, "progress": PROGRESS_SPEC, "funds": FUND_SPEC}

# A service's field name → the import column that holds it (for the error list).
FIELD_COLUMNS = {
    "quantity": "quantity",
    "unit": "unit",
    "division": "division_code",
    "month": "month",
    "actual": "actual",
    "correction_reason": "correction_reason",
    "amount": "amount",
    "date": "date",
    "kind": "kind",
    "source": "source",
    "reference": "reference",
    "note": "note",
    "target": "division_code",
    "project": "code",
    "__all__": "code",
}


class _Lookups:
    """Projects and divisions named in a file, fetched once each, within the user's scope."""

    def __init__(self, *, user, spec, rows):
        self.user, self.spec = user, spec
        keys = {(row["year"], row["code"]) for row in rows}
        years = {year for year, _code in keys}
        codes = {code for _year, code in keys}
        self.projects = {
            (p.year, p.code): p
            for p in Project.objects.visible_to(user)
            .filter(year__in=years, code__in=codes)
            .select_related("division")
        }
        division_codes = {row["division_code"] for row in rows if row.get("division_code")}
        self.divisions = {d.code: d for d in division_choices(user=user).filter(code__in=division_codes)}
        self.targets = {}
        if self.projects and self.divisions:
            for target in (
                Target.objects.visible_to(user)
                .filter(project__in=self.projects.values(), division__in=self.divisions.values())
                .select_related("project", "division")
            ):
                self.targets[(target.project_id, target.division_id)] = target

    def project(self, row):
        project = self.projects.get((row["year"], row["code"]))
        if project is None:
            raise _RowRefused(
                "code",
                gettext("No project with code %(code)s in %(year)s is within your area.")
                % {"code": row["code"], "year": row["year"]},
            )
        return project

    def division(self, row):
        division = self.divisions.get(row["division_code"])
        if division is None:
            raise _RowRefused(
                "division_code",
                gettext("No division with code %(code)s is within your area.")
                % {"code": row["division_code"]},
            )
        return division


class _RowRefused(Exception):
    def __init__(self, key, message):
        super().__init__(message)
        self.key, self.message = key, message


def _row_errors(spec: SheetSpec, row: dict, error) -> list:
    """Turn a service's refusal into row errors naming the column that holds the field."""
    if isinstance(error, _RowRefused):
        return [
            spec.row_error(row=row["_row"], key=error.key, value=row.get(error.key), message=error.message)
        ]
    if isinstance(error, PermissionDenied | Http404):  # a service's refusal or "not in your area"
        key = "division_code" if "division_code" in row else "code"
        return [spec.row_error(row=row["_row"], key=key, value=row.get(key), message=str(error))]
    errors = []
    items = error.message_dict.items() if hasattr(error, "error_dict") else [("__all__", error.messages)]
    for field, messages in items:
        key = FIELD_COLUMNS.get(field, "code")
        for message in messages:
            errors.append(spec.row_error(row=row["_row"], key=key, value=row.get(key), message=message))
    return errors


def _apply(*, spec, parsed, rows, user, progress, apply_row) -> int:
    """Call ``apply_row`` for every well-formed row; collect every refusal together with the
    file's own errors (bad cells); raise them all at the end, sorted by row, so the user sees
    every problem at once and the job's transaction rolls back whatever earlier rows wrote."""
    lookups = _Lookups(user=user, spec=spec, rows=rows)
    errors = list(parsed.errors)
    extra = parsed.error_count - len(parsed.errors)  # bad cells beyond the stored ones
    total = len(rows)
    for done, row in enumerate(rows, 1):
        try:
            apply_row(row, lookups)
        except (ValidationError, PermissionDenied, Http404, _RowRefused) as error:
            errors.extend(_row_errors(spec, row, error))
        progress(done, total)
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise RowErrors(errors, len(errors) + extra)
    return total


def import_targets(*, parsed, user, progress, today=None) -> int:
    # Parents before children: a township's share needs the county's target to exist.
    rows = sorted(
        parsed.rows, key=lambda r: (r["year"], r["code"], len(r["division_code"]), r["division_code"])
    )

    def apply_row(row, lookups):
        project, division = lookups.project(row), lookups.division(row)
        services.target_set(
            user=user, project=project, division=division, quantity=row["quantity"], unit=row["unit"]
        )

    return _apply(
        spec=TARGET_SPEC, parsed=parsed, rows=rows, user=user, progress=progress, apply_row=apply_row
    )


def import_progress(*, parsed, user, progress, today=None) -> int:
    # Month by month per target, so the "not lower than the month before" rule sees the order.
    rows = sorted(parsed.rows, key=lambda r: (r["year"], r["code"], r["division_code"], r["month"]))

    def apply_row(row, lookups):
        project, division = lookups.project(row), lookups.division(row)
        target = lookups.targets.get((project.pk, division.pk))
        if target is None:
            raise _RowRefused(
                "division_code",
                gettext("Project %(code)s has no target in %(division)s.")
                % {"code": project.code, "division": division.name},
            )
        services.progress_record(
            user=user,
            target=target,
            month=row["month"],
            actual=row["actual"],
            correction_reason=row.get("correction_reason") or "",
            note=row.get("note") or "",
            today=today,
        )

    return _apply(
        spec=PROGRESS_SPEC, parsed=parsed, rows=rows, user=user, progress=progress, apply_row=apply_row
    )


def import_funds(*, parsed, user, progress, today=None) -> int:
    # In date order (received before allocated before spent on a day), so that the rule
    # spent ≤ allocated ≤ received holds at every step as it does on paper.
    order = {FundMovement.Kind.RECEIVED: 0, FundMovement.Kind.ALLOCATED: 1, FundMovement.Kind.SPENT: 2}
    rows = sorted(parsed.rows, key=lambda r: (r["year"], r["code"], r["source"], r["date"], order[r["kind"]]))

    def apply_row(row, lookups):
        project = lookups.project(row)
        duplicate = (
            FundMovement.objects.visible_to(user)
            .filter(
                fund_line__project=project,
                fund_line__source=row["source"],
                kind=row["kind"],
                date=row["date"],
                amount=row["amount"],
                reference=row.get("reference") or "",
            )
            .exists()
        )
        if duplicate:
            raise _RowRefused(
                "amount",
                gettext(
                    "This movement (%(date)s, %(amount)s 元) is already recorded: importing it again would "
                    "count the money twice."
                )
                % {"date": row["date"], "amount": row["amount"]},
            )
        services.fund_movement_record(
            user=user,
            project=project,
            source=row["source"],
            kind=row["kind"],
            date=row["date"],
            amount=row["amount"],
            reference=row.get("reference") or "",
            note=row.get("note") or "",
            today=today,
        )

    return _apply(spec=FUND_SPEC, parsed=parsed, rows=rows, user=user, progress=progress, apply_row=apply_row)


IMPORTERS = {"targets": import_targets, "progress": import_progress, "funds": import_funds}


# --- exports ------------------------------------------------------------------------------------

SOURCE_HEADERS = {
    FundSource.CENTRAL: "中央",
    FundSource.PROVINCIAL: "省级",
    FundSource.MUNICIPAL_COUNTY: "市县配套",
    FundSource.SELF_RAISED: "群众筹资",
}
AMOUNTS = (("planned", "计划"), ("received", "到位"), ("allocated", "拨付"), ("spent", "支出"))
RATES = (("received_rate", "到位率"), ("allocated_rate", "拨付率"), ("spent_rate", "支出率"))


def project_table_columns() -> list[ExportColumn]:
    columns = [
        ExportColumn("年度", OutKind.INTEGER, width=6, value="year"),
        ExportColumn("项目编码", OutKind.TEXT, width=12, value="code"),
        ExportColumn("项目名称", OutKind.TEXT, width=28, value="name"),
        ExportColumn("类别", OutKind.TEXT, width=10, value="category"),
        ExportColumn("性质", OutKind.TEXT, width=8, value="kind"),
        ExportColumn("牵头部门", OutKind.TEXT, width=14, value="department"),
        ExportColumn("单位", OutKind.TEXT, width=8, value="unit"),
        ExportColumn("目标任务", OutKind.QUANTITY, width=12, value="target"),
        ExportColumn("累计完成", OutKind.QUANTITY, width=12, value="actual"),
        ExportColumn("完成率", OutKind.PERCENT, width=9, value="completion"),
    ]
    for source, label in [*SOURCE_HEADERS.items(), ("total", "合计")]:
        for key, name in AMOUNTS:
            columns.append(
                ExportColumn(f"{label}{name}（元）", OutKind.MONEY, width=15, value=f"{source}.{key}")
            )
        for key, name in RATES:
            columns.append(ExportColumn(f"{label}{name}", OutKind.PERCENT, width=9, value=f"{source}.{key}"))
    return columns


def _with_rates(sums: dict) -> dict:
    return {
        **sums,
        "received_rate": rate(sums["received"], sums["planned"]),
        "allocated_rate": rate(sums["allocated"], sums["received"]),
        "spent_rate": rate(sums["spent"], sums["allocated"]),
    }


def _empty_sums() -> dict:
    return {key: Decimal("0.00") for key, _name in AMOUNTS}


def project_table_rows(*, user, year: int, today: datetime.date) -> tuple[list[dict], dict]:
    """One row per project the user sees in ``year`` (progress over their visible targets, money
    by source as of ``today``), and the totals row. Four queries whatever the number of projects."""
    projects = list(selectors.project_list(user=user, today=today, year=year))
    ids = [p.pk for p in projects]
    units = dict(
        Target.objects.filter(project_id__in=ids, parent__isnull=True)
        .order_by()
        .values_list("project_id", "unit")
    )
    by_source = defaultdict(_empty_sums)
    for project_id, source, planned in (
        FundLine.objects.visible_to(user)
        .filter(project_id__in=ids)
        .values_list("project_id", "source", "planned")
    ):
        by_source[(project_id, source)]["planned"] += planned
    movements = (
        FundMovement.objects.visible_to(user)
        .filter(fund_line__project_id__in=ids, date__lte=today)
        .order_by()
        .values_list("fund_line__project_id", "fund_line__source", "kind")
        .annotate(total=Sum("amount"))
    )
    for project_id, source, kind, total in movements:
        by_source[(project_id, source)][kind] += total
    rows, grand = [], {source: _empty_sums() for source in [*SOURCE_HEADERS, "total"]}
    for project in projects:
        row = {
            "year": project.year,
            "code": project.code,
            "name": project.name,
            "category": project.get_category_display(),
            "kind": project.get_kind_display(),
            "department": project.lead_department.name if project.lead_department_id else "",
            "unit": units.get(project.pk, ""),
            "target": project.target_total,
            "actual": project.actual_total,
            "completion": rate(project.actual_total, project.target_total),
        }
        total = _empty_sums()
        for source in SOURCE_HEADERS:
            sums = by_source[(project.pk, source)]
            row[source] = _with_rates(sums)
            for key, _name in AMOUNTS:
                total[key] += sums[key]
                grand[source][key] += sums[key]
                grand["total"][key] += sums[key]
        row["total"] = _with_rates(total)
        rows.append(row)
    totals = {"code": "合计", "name": gettext("%(count)d projects") % {"count": len(rows)}}
    for source, sums in grand.items():
        totals[source] = _with_rates(sums)
    return rows, totals


def resolve(row: dict, path: str):
    value = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def write_project_table(target, *, user, year: int, today: datetime.date, progress=None) -> int:
    rows, totals = project_table_rows(user=user, year=year, today=today)
    columns = project_table_columns()
    with XlsxExport(target, sheet_name=f"{year}年民生工程", columns=columns) as export:
        for done, row in enumerate(rows, 1):
            export.write_row(row)
            if progress:
                progress(done, len(rows))
        export.write_totals(
            [resolve(totals, column.value) if isinstance(column.value, str) else None for column in columns]
        )
    return len(rows)


PROGRESS_COLUMNS = [
    ExportColumn(
        column.header,
        {Kind.INTEGER: OutKind.INTEGER, Kind.QUANTITY: OutKind.QUANTITY}.get(column.kind, OutKind.TEXT),
        value=column.key,
        width=14,
    )
    for column in PROGRESS_SPEC.columns
]


def progress_export_rows(*, user, year: int):
    """Progress reports the user sees in ``year``, in the import layout, streamed in chunks."""
    qs = (
        ProgressReport.objects.visible_to(user)
        .filter(target__project__year=year)
        .order_by("target__project__code", "target__division__code", "month")
        .values_list(
            "target__project__year",
            "target__project__code",
            "target__project__name",
            "target__division__code",
            "target__division__name",
            "month",
            "actual",
            "correction_reason",
            "note",
        )
    )
    for year_, code, name, division_code, division_name, month, actual, reason, note in qs.iterator(
        chunk_size=5000
    ):
        yield {
            "year": year_,
            "code": code,
            "project_name": name,
            "division_code": division_code,
            "division_name": division_name,
            "month": f"{month:%Y-%m}",
            "actual": actual,
            "correction_reason": reason,
            "note": note,
        }


def write_progress(target, *, user, year: int, progress=None) -> int:
    total = ProgressReport.objects.visible_to(user).filter(target__project__year=year).count()
    written = 0
    with XlsxExport(target, sheet_name=str(PROGRESS_SPEC.name), columns=PROGRESS_COLUMNS) as export:
        for row in progress_export_rows(user=user, year=year):
            export.write_row(row)
            written += 1
            if progress and written % 1000 == 0:
                progress(written, total)
    if progress:
        progress(written, total)
    return written
