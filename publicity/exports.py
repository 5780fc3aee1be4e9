"""Excel exports of submissions, activities and quota status.

Written with xlsxwriter directly until the shared writer (common/excel.py) lands on main; every
text goes through ``write_string`` and a text starting with = + - @ gets a leading apostrophe
(formula injection), so switching to the shared writer later changes only this module.
"""

import io

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_xlsx(*, sheet: str, headers: list[str], rows) -> bytes:
    """One sheet: a bold header row, then the rows. Numbers stay numbers; everything else is
    text written with write_string (never interpreted as a formula)."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for column, header in enumerate(headers):
        page.write_string(0, column, safe_text(header), bold)
        page.set_column(column, column, max(10, min(40, len(str(header)) * 2 + 2)))
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, bool):
                page.write_string(row_number, column, gettext("yes") if value else gettext("no"))
            elif isinstance(value, int | float):
                page.write_number(row_number, column, value)
            else:
                page.write_string(row_number, column, safe_text(value))
    page.freeze_panes(1, 0)
    book.close()
    return output.getvalue()


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def submissions_xlsx(submissions) -> bytes:
    headers = [
        gettext("Reporting unit"),
        gettext("Division"),
        gettext("Kind"),
        gettext("Title"),
        gettext("Status"),
        gettext("Submitted at"),
        gettext("Decided at"),
        gettext("Comment when returned"),
    ]
    rows = (
        [
            s.department.name,
            s.division.name,
            s.get_kind_display(),
            s.title,
            s.get_status_display(),
            _when(s.submitted_at),
            _when(s.decided_at),
            s.return_comment,
        ]
        for s in submissions.iterator(chunk_size=2000)
    )
    return write_xlsx(sheet=gettext("Info submissions"), headers=headers, rows=rows)


def activities_xlsx(activities) -> bytes:
    headers = [
        gettext("Date"),
        gettext("Division"),
        gettext("Kind"),
        gettext("Title"),
        gettext("Place"),
        gettext("Organisers"),
        gettext("Audience (estimate)"),
        gettext("Materials handed out"),
        gettext("Materials"),
        gettext("Photos"),
    ]
    rows = (
        [
            a.held_on.isoformat(),
            a.division.name,
            a.get_kind_display(),
            a.title,
            a.place,
            a.organisers,
            a.audience_estimate,
            a.materials_count,
            a.materials_description,
            a.photo_count,
        ]
        for a in activities
    )
    return write_xlsx(sheet=gettext("Publicity activities"), headers=headers, rows=rows)


def quota_xlsx(rows, *, year: int, month: int) -> bytes:
    headers = [
        gettext("Division"),
        gettext("Reporting unit"),
        gettext("Rule"),
        gettext("Due this month"),
        gettext("Done this month"),
        gettext("Missing this month"),
        gettext("Due this year"),
        gettext("Done this year"),
        gettext("Missing this year"),
    ]
    out = []
    for row in rows:
        for line in row.lines:
            out.append(
                [
                    row.department.division.name,
                    row.department.name,
                    str(line.label),
                    "—" if line.month_due is None else line.month_due,
                    "—" if line.month_done is None else line.month_done,
                    "—" if line.month_missing is None else line.month_missing,
                    line.year_due,
                    line.year_done,
                    line.year_missing,
                ]
            )
    return write_xlsx(sheet=f"{year}-{month:02d}", headers=headers, rows=out)
