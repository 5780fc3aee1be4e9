"""The blank import template a user downloads and fills in (written with XlsxWriter)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext

from .cells import column_letter, escape_cell
from .specs import Column, Kind, SheetSpec, kind_label


def _choice_labels(column: Column) -> list[str]:
    return [str(label) for _value, label in column.choice_pairs()]


def template_xlsx(spec: SheetSpec) -> bytes:
    """A blank import template: the headers in row 1 (bold, frozen), column widths, text columns
    formatted as text (so 18-digit IDs keep their digits), drop-downs for choice columns, and
    a second sheet describing every column."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "strings_to_numbers": False})
    header_format, formats = _add_formats(workbook)
    _write_data_sheet(workbook, spec, header_format, formats)
    _write_instructions_sheet(workbook, spec, header_format)
    workbook.close()
    return output.getvalue()


def _add_formats(workbook):
    """The header's format, and each column kind's number format (kinds without one: none)."""
    header_format = workbook.add_format({"bold": True, "bg_color": "#E9EEF6", "border": 1})
    text_format = workbook.add_format({"num_format": "@"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    month_format = workbook.add_format({"num_format": "yyyy-mm"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    formats = {
        Kind.TEXT: text_format,
        Kind.CHOICE: text_format,
        Kind.DATE: date_format,
        Kind.MONTH: month_format,
        Kind.DECIMAL: money_format,
    }
    return header_format, formats


def _write_data_sheet(workbook, spec: SheetSpec, header_format, formats: dict) -> None:
    """The sheet the user fills in: headers, widths, formats, drop-downs, a frozen row 1."""
    sheet = workbook.add_worksheet(str(spec.name)[:31])
    for index, column in enumerate(spec.columns):
        header = str(column.header)
        width = column.width or max(10, min(40, len(header.encode("gbk", "replace")) + 4))
        sheet.set_column(index, index, width, formats.get(column.kind))
        sheet.write_string(0, index, header, header_format)
        if column.kind == Kind.CHOICE:
            _add_drop_down(sheet, index, column, spec.max_rows)
    sheet.freeze_panes(1, 0)


def _add_drop_down(sheet, index: int, column: Column, max_rows: int) -> None:
    """A list validation under a choice column's header, when its labels fit Excel's 255 characters."""
    labels = _choice_labels(column)
    if len(",".join(labels)) <= 255:
        sheet.data_validation(
            1,
            index,
            max_rows,
            index,
            {
                "validate": "list",
                "source": labels,
                "error_title": gettext("Not allowed"),
                "error_message": gettext("Choose one of the listed values."),
            },
        )


def _write_instructions_sheet(workbook, spec: SheetSpec, header_format) -> None:
    """The second sheet: one row per column (letter, header, required, kind, allowed values,
    notes), then the rules of the layout."""
    notes = workbook.add_worksheet(gettext("Instructions")[:31])
    titles = [
        gettext("Column"),
        gettext("Header"),
        gettext("Required"),
        gettext("Kind"),
        gettext("Allowed values"),
        gettext("Notes"),
    ]
    for index, (title, width) in enumerate(zip(titles, (8, 24, 8, 28, 40, 50), strict=True)):
        notes.set_column(index, index, width)
        notes.write_string(0, index, title, header_format)
    for number, column in enumerate(spec.columns, 1):
        allowed = "、".join(_choice_labels(column)) if column.kind == Kind.CHOICE else ""
        if column.max_length:
            allowed = gettext("at most %(max)s characters") % {"max": column.max_length}
        notes.write_string(number, 0, column_letter(number - 1))
        notes.write_string(number, 1, str(column.header))
        notes.write_string(number, 2, gettext("yes") if column.required else gettext("no"))
        notes.write_string(number, 3, kind_label(column.kind))
        notes.write_string(number, 4, allowed)
        notes.write_string(number, 5, escape_cell(str(column.help)))
    last = len(spec.columns) + 2
    notes.write_string(
        last,
        0,
        gettext(
            "Keep the headers in row 1 exactly as they are, do not merge cells, and fill in at most %(max)s rows."
        )
        % {"max": spec.max_rows},
    )
