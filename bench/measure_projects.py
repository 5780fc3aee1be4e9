"""Projects' Excel exports against the fastest raw writer of the same cells.

- project_table_export: the county's project table (one row per project, funds by source with
  rates, totals row) as the county reviewer sees it; ours includes the queries.
- progress_export_100k: 100,000+ progress rows of a bench-only year (built once, cached) in the
  re-importable layout; ours streams them from the database.

floor = xlsxwriter constant_memory writing the same cells from a list in memory (no database);
peer = openpyxl write-only writing the same cells (the card's library).
"""

import datetime
import io
import time

from django.db import transaction
from django.utils import timezone

from bench.harness import line, measurement, peak_mb
from org.models import Division, User
from projects import excel
from projects.models import ProgressReport, Project, Target

BENCH_YEAR = 2024
BENCH_PROJECTS = 60  # × 139 village targets × 12 months = 100,080 progress rows


def _raw_xlsxwriter(rows, headers) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
    sheet = book.add_worksheet("s")
    for c, header in enumerate(headers):
        sheet.write_string(0, c, header)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, float(value))
    book.close()


def _raw_openpyxl(rows, headers) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(headers)
    for row in rows:
        sheet.append([float(v) if v is not None and not isinstance(v, str) else v for v in row])
    book.save(io.BytesIO())


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


@measurement("project_table_export")
def project_table() -> str:
    user = User.objects.get(username="demo-reviewer")
    today = timezone.localdate()
    year = Project.objects.order_by("-year").values_list("year", flat=True).first()
    columns = excel.project_table_columns()
    ours_s, count = min(
        (
            _timed(lambda: excel.write_project_table(io.BytesIO(), user=user, year=year, today=today))
            for _ in range(3)
        ),
        key=lambda t: t[0],
    )
    rows, _totals = excel.project_table_rows(user=user, year=year, today=today)
    cells = [[excel.resolve(row, column.value) for column in columns] for row in rows]
    headers = [str(c.header) for c in columns]
    floor_s = min(_timed(lambda: _raw_xlsxwriter(cells, headers))[0] for _ in range(3))
    peer_s = min(_timed(lambda: _raw_openpyxl(cells, headers))[0] for _ in range(3))
    return line(
        "project_table_export",
        ours_s=ours_s,
        floor_s=floor_s,
        peer_s=peer_s,
        rows=count,
        columns=len(columns),
        peer="openpyxl write-only",
    )


def _ensure_bench_progress() -> int:
    """A bench-only year with 100,080 progress rows, bulk-built once and kept."""
    existing = ProgressReport.objects.filter(target__project__year=BENCH_YEAR).count()
    if existing >= 100_000:
        return existing
    county = Division.objects.get(level="county", code="341226")
    townships = list(Division.objects.filter(parent=county).order_by("code"))
    villages = list(Division.objects.filter(parent__in=townships).order_by("code"))
    department = county.departments.first() or townships[0].departments.first()
    with transaction.atomic():
        ProgressReport.objects.filter(target__project__year=BENCH_YEAR).delete()
        Target.objects.filter(project__year=BENCH_YEAR, parent__isnull=False).delete()
        Target.objects.filter(project__year=BENCH_YEAR).delete()
        Project.objects.filter(year=BENCH_YEAR).delete()
        projects = Project.objects.bulk_create(
            [
                Project(
                    year=BENCH_YEAR,
                    code=f"B{i:03d}",
                    name=f"基准测试项目{i}",
                    kind="subsidy",
                    category="social_service",
                    division=county,
                    lead_department=department,
                    responsible_person="测试",
                )
                for i in range(1, BENCH_PROJECTS + 1)
            ]
        )
        tops = Target.objects.bulk_create(
            [Target(project=p, division=county, quantity=len(villages) * 100, unit="人") for p in projects]
        )
        middles = Target.objects.bulk_create(
            [
                Target(
                    project=top.project,
                    division=t,
                    parent=top,
                    quantity=100 * sum(1 for v in villages if v.parent_id == t.pk),
                    unit="人",
                )
                for top in tops
                for t in townships
            ]
        )
        by_township = {(m.project_id, m.division_id): m for m in middles}
        leaves = Target.objects.bulk_create(
            [
                Target(
                    project=p, division=v, parent=by_township[(p.pk, v.parent_id)], quantity=100, unit="人"
                )
                for p in projects
                for v in villages
            ],
            batch_size=5000,
        )
        ProgressReport.objects.bulk_create(
            [
                ProgressReport(target=leaf, month=datetime.date(BENCH_YEAR, month, 1), actual=month * 8)
                for leaf in leaves
                for month in range(1, 13)
            ],
            batch_size=10000,
        )
    return ProgressReport.objects.filter(target__project__year=BENCH_YEAR).count()


@measurement("progress_export_100k")
def progress_export() -> str:
    rows_total = _ensure_bench_progress()
    user = User.objects.get(username="demo-reviewer")
    memory_mb, _ = peak_mb(lambda: excel.write_progress(io.BytesIO(), user=user, year=BENCH_YEAR))
    ours_s, count = _timed(lambda: excel.write_progress(io.BytesIO(), user=user, year=BENCH_YEAR))
    keys = [c.value for c in excel.PROGRESS_COLUMNS]
    cells = [[row[k] for k in keys] for row in excel.progress_export_rows(user=user, year=BENCH_YEAR)]
    headers = [str(c.header) for c in excel.PROGRESS_COLUMNS]
    floor_s, _ = _timed(lambda: _raw_xlsxwriter(cells, headers))
    peer_s, _ = _timed(lambda: _raw_openpyxl(cells, headers))
    assert count == rows_total
    return line(
        "progress_export_100k",
        ours_s=ours_s,
        floor_s=floor_s,
        peer_s=peer_s,
        rows=count,
        peak_mb=round(memory_mb, 1),
        peer="openpyxl write-only",
        note="ours streams from PostgreSQL; floor and peer write a list already in memory",
    )
