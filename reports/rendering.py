"""Files made from a snapshot: the .xlsx (one sheet per section) and the PDF (WeasyPrint, CJK
font). Both take only the frozen JSON and the written summary, so the same snapshot always
gives the same numbers."""

import io
from decimal import Decimal, InvalidOperation

import xlsxwriter
from django.template.loader import render_to_string
from django.utils.translation import gettext

from core.excel import escape_cell

NUMBER_FORMATS = {"money": "#,##0.00", "quantity": "#,##0.00##", "percent": "0.00%", "integer": "#,##0"}


def _number(value):
    try:
        return float(Decimal(str(value)))  # floats only at the very last moment, for Excel
    except (InvalidOperation, ValueError, TypeError):
        return None


def sections_xlsx(*, title: str, sections: list[dict], summary: str = "", meta: list | None = None) -> bytes:
    """An .xlsx with a cover sheet (title, meta lines, summary) and a sheet per section."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    bold = workbook.add_format({"bold": True})
    head = workbook.add_format({"bold": True, "bg_color": "#E9EEF6", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    formats = {kind: workbook.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
    totals_formats = {
        kind: workbook.add_format({"num_format": f, "bold": True}) for kind, f in NUMBER_FORMATS.items()
    }

    cover = workbook.add_worksheet(gettext("Cover")[:31])
    cover.set_column(0, 0, 24)
    cover.set_column(1, 1, 80)
    cover.write_string(0, 0, escape_cell(title), bold)
    row = 2
    for label, value in meta or []:
        cover.write_string(row, 0, escape_cell(str(label)), bold)
        cover.write_string(row, 1, escape_cell(str(value)))
        row += 1
    row += 1
    cover.write_string(row, 0, gettext("Written summary"), bold)
    cover.write_string(row, 1, escape_cell(summary or "—"), wrap)

    used = set()
    for section in sections:
        name = section["title"][:31]
        while name in used:
            name = name[:28] + str(len(used))
        used.add(name)
        sheet = workbook.add_worksheet(name)
        if not section.get("available", True):
            sheet.write_string(0, 0, escape_cell(section.get("note", "")))
            continue
        columns = section.get("columns", [])
        for index, column in enumerate(columns):
            sheet.set_column(
                index, index, max(10, min(40, len(column["label"].encode("gbk", "replace")) + 4))
            )
            sheet.write_string(0, index, escape_cell(column["label"]), head)
        sheet.freeze_panes(1, 0)

        def write(row_index, data, total=False, sheet=sheet, columns=columns):
            for index, column in enumerate(columns):
                value = data.get(column["key"])
                if value is None or value == "":
                    continue
                kind = column.get("kind", "text")
                number = _number(value) if kind in NUMBER_FORMATS else None
                if number is not None:
                    sheet.write_number(row_index, index, number, (totals_formats if total else formats)[kind])
                else:
                    sheet.write_string(row_index, index, escape_cell(str(value)), bold if total else None)

        line = 0
        for line, data in enumerate(section.get("rows", []), 1):
            write(line, data)
        if section.get("totals"):
            line += 1
            write(line, section["totals"], total=True)
        if section.get("note"):
            sheet.write_string(line + 2, 0, escape_cell(section["note"]))
    workbook.close()
    return buffer.getvalue()


def html_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
