"""Builders of test workbooks, good and bad, in memory."""

import io
import re
import zipfile

import xlsxwriter


def workbook(rows, *, sheet="Sheet1", merge=None, start_row=0, start_col=0, numbers_as=None) -> bytes:
    """A workbook with ``rows`` (lists of cell values) written from (start_row, start_col).
    Strings go through write_string, numbers through write_number, dates as dates."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "strings_to_numbers": False})
    worksheet = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                worksheet.write_string(start_row + r, start_col + c, value)
            elif hasattr(value, "year"):
                worksheet.write_datetime(start_row + r, start_col + c, value, date_format)
            else:
                worksheet.write_number(start_row + r, start_col + c, value)
    if merge:
        worksheet.merge_range(*merge, "")
    book.close()
    return output.getvalue()


def replace_sheet_xml(data: bytes, rows_xml, *, dimension: str | None = None) -> bytes:
    """``data`` with the first sheet's <sheetData> replaced by ``rows_xml`` (bytes chunks)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, rest = content.split(b"<sheetData>", 1)
                tail = rest.split(b"</sheetData>", 1)[1]
                if dimension:
                    head = re.sub(
                        rb'<dimension ref="[^"]*"/>', b'<dimension ref="%s"/>' % dimension.encode(), head
                    )
                content = head + b"<sheetData>" + b"".join(rows_xml) + b"</sheetData>" + tail
            target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


def inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def million_empty_rows(headers, data_row, *, empty=1_000_000) -> bytes:
    """Headers, one data row, a million rows of styled empty cells, and one more data row."""
    letters = [chr(65 + i) for i in range(len(headers))]

    def rows():
        yield (
            b'<row r="1">'
            + b"".join(inline(f"{c}1", h) for c, h in zip(letters, headers, strict=True))
            + b"</row>"
        )
        yield (
            b'<row r="2">'
            + b"".join(inline(f"{c}2", v) for c, v in zip(letters, data_row, strict=True))
            + b"</row>"
        )
        for r in range(3, empty + 3):
            yield (
                b'<row r="%d">' % r
                + b"".join(b'<c r="%s%d" s="0"/>' % (c.encode(), r) for c in letters)
                + b"</row>"
            )
        last = empty + 3
        yield (
            b'<row r="%d">' % last
            + b"".join(inline(f"{c}{last}", v) for c, v in zip(letters, data_row, strict=True))
            + b"</row>"
        )

    base = workbook([headers])
    return replace_sheet_xml(base, rows(), dimension=f"A1:{letters[-1]}{empty + 3}")


def zip_bomb(member_bytes: int) -> bytes:
    """A zip that looks like a workbook and holds a huge zero-filled worksheet."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(member_bytes // len(chunk)):
                member.write(chunk)
    return output.getvalue()
