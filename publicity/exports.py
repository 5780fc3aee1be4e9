"""Excel exports of submissions, activities and quota status, written by the shared writer
(core.excel.write_xlsx: write_string for text, formula-injection escaping, constant memory).

These lists are a few hundred rows per township, so the pages answer them directly; a county
export of many thousand rows would go through common.jobs instead.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext

from core.excel import ExportColumn, OutKind, write_xlsx


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _write(*, sheet_name: str, columns, rows) -> bytes:
    output = io.BytesIO()
    write_xlsx(output, sheet_name=sheet_name[:31], columns=columns, rows=rows)
    return output.getvalue()


def submissions_xlsx(submissions) -> bytes:
    columns = [
        ExportColumn(gettext("Reporting unit"), value="department.name", width=16),
        ExportColumn(gettext("Division"), value="division.name", width=12),
        ExportColumn(gettext("Kind"), value=lambda s: s.get_kind_display(), width=12),
        ExportColumn(gettext("Title"), value="title", width=40),
        ExportColumn(gettext("Status"), value=lambda s: s.get_status_display(), width=10),
        ExportColumn(gettext("Submitted at"), value=lambda s: _when(s.submitted_at), width=17),
        ExportColumn(gettext("Decided at"), value=lambda s: _when(s.decided_at), width=17),
        ExportColumn(gettext("Comment when returned"), value="return_comment", width=30),
    ]
    return _write(
        sheet_name=gettext("Info submissions"), columns=columns, rows=submissions.iterator(chunk_size=2000)
    )


def activities_xlsx(activities) -> bytes:
    columns = [
        ExportColumn(gettext("Date"), kind=OutKind.DATE, value="held_on", width=11),
        ExportColumn(gettext("Division"), value="division.name", width=12),
        ExportColumn(gettext("Kind"), value=lambda a: a.get_kind_display(), width=12),
        ExportColumn(gettext("Title"), value="title", width=36),
        ExportColumn(gettext("Place"), value="place", width=16),
        ExportColumn(gettext("Organisers"), value="organisers", width=24),
        ExportColumn(gettext("Audience (estimate)"), kind=OutKind.INTEGER, value="audience_estimate"),
        ExportColumn(gettext("Materials handed out"), kind=OutKind.INTEGER, value="materials_count"),
        ExportColumn(gettext("Materials"), value="materials_description", width=20),
        ExportColumn(gettext("Photos"), kind=OutKind.INTEGER, value="photo_count"),
    ]
    return _write(sheet_name=gettext("Publicity activities"), columns=columns, rows=activities)


def quota_xlsx(rows, *, year: int, month: int) -> bytes:
    dash = "—"
    columns = [
        ExportColumn(gettext("Division"), width=12),
        ExportColumn(gettext("Reporting unit"), width=16),
        ExportColumn(gettext("Rule"), width=30),
        ExportColumn(gettext("Due this month")),
        ExportColumn(gettext("Done this month")),
        ExportColumn(gettext("Missing this month")),
        ExportColumn(gettext("Due this year"), kind=OutKind.INTEGER),
        ExportColumn(gettext("Done this year"), kind=OutKind.INTEGER),
        ExportColumn(gettext("Missing this year"), kind=OutKind.INTEGER),
    ]
    out = [
        [
            row.department.division.name,
            row.department.name,
            str(line.label),
            dash if line.month_due is None else str(line.month_due),
            dash if line.month_done is None else str(line.month_done),
            dash if line.month_missing is None else str(line.month_missing),
            line.year_due,
            line.year_done,
            line.year_missing,
        ]
        for row in rows
        for line in row.lines
    ]
    return _write(sheet_name=f"{year}-{month:02d}", columns=columns, rows=out)
