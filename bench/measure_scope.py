"""Scope cost (issue 17): a township's pages must cost the same whether the database holds one
county or many.

``scope_cost_township`` times, for the township staff user (demo-staff), the township
dashboard's selectors, the project list (first page + totals, as the page runs them) and the
lagging-projects query: first on the county profile as it is, then with
``BENCH_SCOPE_COUNTIES`` (default 30) more counties' divisions, projects, targets, progress and
funds cloned beside it (outside the township's scope, its own data unchanged). The clones are
written by INSERT … SELECT inside a transaction that is rolled back, so the cached profile is
left as it was. ``ratio`` is (time with many counties) ÷ (time with one) for the three together;
each part's ratio is printed beside it. Aim: ~1.
"""

import os

from django.db import connection, transaction
from django.utils import timezone

from bench.harness import best_of, line, measurement
from org.models import Division, User
from projects import selectors as project_selectors
from projects.models import FundLine, FundMovement, ProgressReport, Project, Target
from reports import selectors as report_selectors

LIST_PAGE_SIZE = 30
DENORMALISED_CODE_COLUMNS = ("division_code",)  # any such column on a cloned table is re-mapped too


def _parts(user, today):
    def dashboard():
        report_selectors.township_dashboard(user=user, today=today)

    def project_page():
        qs = project_selectors.project_list(user=user, today=today, year=today.year)
        list(qs[:LIST_PAGE_SIZE])
        project_selectors.project_totals(qs)

    def lagging():
        project_selectors.lagging_projects(user=user, today=today, limit=10)

    return {"dashboard": dashboard, "project_list": project_page, "lagging": lagging}


def _time_parts(parts) -> dict:
    for function in parts.values():
        function()  # warm up
    return {name: best_of(function, repeat=7) for name, function in parts.items()}


CLONED = [Division, Project, Target, ProgressReport, FundLine, FundMovement]


def _analyze() -> None:
    """Fresh statistics for the cloned tables. ANALYZE's row counts (pg_class.reltuples) are
    written in place and survive the rollback, so they are taken again before each timing."""
    with connection.cursor() as cursor:
        for model in CLONED:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _clone_counties(county: Division, *, count: int, year: int) -> dict:
    """``count`` copies of ``county`` (divisions, this year's projects with targets, progress,
    fund lines and movements), by INSERT … SELECT with shifted ids and re-mapped codes."""
    tables = CLONED
    strides = {}
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
            strides[model] = cursor.fetchone()[0]
    prefix = county.code
    # New county codes: the county's code + k in its last four digits (341226 → 341227 …), the
    # province's two digits kept; the county profile has no other county.
    new_prefix = (
        "substr(%(prefix)s, 1, 2) || lpad(((substr(%(prefix)s, 3, 4)::int + k) %% 10000)::text, 4, '0')"
    )
    in_county = {
        Division: "code LIKE %(prefix)s || '%%'",
        Project: "year = %(year)s AND division_id IN (SELECT id FROM org_division WHERE code LIKE %(prefix)s || '%%')",
    }
    in_county[Target] = f"project_id IN (SELECT id FROM {Project._meta.db_table} WHERE {in_county[Project]})"
    in_county[ProgressReport] = (
        f"target_id IN (SELECT id FROM {Target._meta.db_table} WHERE {in_county[Target]})"
    )
    in_county[FundLine] = in_county[Target]
    in_county[FundMovement] = (
        f"fund_line_id IN (SELECT id FROM {FundLine._meta.db_table} WHERE {in_county[FundLine]})"
    )
    rows = {}
    with connection.cursor() as cursor:
        for model in tables:
            columns, expressions = [], []
            for field in model._meta.concrete_fields:
                column = field.column
                columns.append(f'"{column}"')
                related = field.related_model if field.is_relation else None
                if field.primary_key:
                    expressions.append(f'"{column}" + k * {strides[model]}')
                elif related in strides:
                    if model is Division and column == "parent_id":
                        # The county keeps its parent (none, or a city); the others follow the clone.
                        expressions.append(
                            f"CASE WHEN code = %(prefix)s THEN parent_id ELSE parent_id + k * {strides[Division]} END"
                        )
                    else:
                        expressions.append(f'"{column}" + k * {strides[related]}')
                elif (model is Division and column == "code") or column in DENORMALISED_CODE_COLUMNS:
                    expressions.append(
                        f"CASE WHEN \"{column}\" LIKE %(prefix)s || '%%' "
                        f'THEN {new_prefix} || substr("{column}", 7) ELSE "{column}" END'
                    )
                else:
                    expressions.append(f'"{column}"')
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
                f"SELECT {', '.join(expressions)} FROM {model._meta.db_table}, "
                f"generate_series(1, {count}) AS k WHERE {in_county[model]}",
                {"prefix": prefix, "year": year},
            )
            rows[model._meta.model_name] = cursor.rowcount
    _analyze()
    return rows


@measurement("scope_cost_township")
def scope_cost_township() -> str:
    counties = int(os.environ.get("BENCH_SCOPE_COUNTIES", "30"))
    user = User.objects.select_related("division").get(username="demo-staff")
    today = timezone.localdate()
    county = user.division.parent
    parts = _parts(user, today)
    projects_before = Project.objects.filter(year=today.year).count()
    _analyze()
    one = _time_parts(parts)
    try:
        with transaction.atomic():
            cloned = _clone_counties(county, count=counties, year=today.year)
            projects_after = Project.objects.filter(year=today.year).count()
            many = _time_parts(parts)
            transaction.set_rollback(True)
    finally:
        _analyze()
    ours_s, floor_s = sum(many.values()), sum(one.values())
    return line(
        "scope_cost_township",
        ours_s=ours_s,
        floor_s=floor_s,
        counties=1 + counties,
        projects_in_year=[projects_before, projects_after],
        **{f"{name}_s": [round(one[name], 4), round(many[name], 4)] for name in parts},
        **{f"{name}_ratio": round(many[name] / one[name], 2) for name in parts},
        cloned_rows=cloned,
        note="ours = the three with many counties, floor = the same with one (ratio aim ~1)",
    )
