"""core.excel: every file-level refusal with its message, cell conversion, templates, exports,
and round trips (hypothesis)."""

import datetime
import io
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.excel import (
    MAX_ERRORS,
    Column,
    ExcelRefused,
    ExportColumn,
    Kind,
    OutKind,
    RowErrors,
    SheetSpec,
    XlsxExport,
    column_letter,
    escape_cell,
    read_xlsx,
    template_xlsx,
    unescape_cell,
    write_csv,
    write_xlsx,
)
from core.tests.xlsx_files import million_empty_rows, workbook, zip_bomb

UNITS = [("case", "例"), ("person", "人"), ("school", "所"), ("m2", "平方米"), ("wan", "万元")]
SPEC = SheetSpec(
    "目标任务",
    [
        Column("name", "项目名称", max_length=20),
        Column("quantity", "数量", Kind.QUANTITY),
        Column("unit", "单位", Kind.CHOICE, choices=UNITS),
        Column("amount", "金额（元）", Kind.DECIMAL),
        Column("month", "月份", Kind.MONTH),
        Column("day", "日期", Kind.DATE, required=False),
        Column("people", "人数", Kind.INTEGER, required=False),
    ],
    max_rows=100,
)
HEADERS = [str(column.header) for column in SPEC.columns]
GOOD = ["危房改造", 12.5, "人", 1234.5, "2026-03", "2026/3/5", 3.0]


def upload(data: bytes, name: str = "targets.xlsx"):
    return SimpleUploadedFile(name, data)


def refusal(data: bytes, spec=SPEC, name="targets.xlsx") -> str:
    with translation.override("en"), pytest.raises(ExcelRefused) as excinfo:
        read_xlsx(upload(data, name), spec)
    return "\n".join(excinfo.value.messages)


def read(rows, spec=SPEC, **kwargs):
    with translation.override("en"):
        return read_xlsx(upload(workbook(rows, **kwargs)), spec)


# --- reading good files -----------------------------------------------------------------------


def test_reads_every_kind():
    parsed = read(
        [
            HEADERS,
            GOOD,
            ["  饮水工程 ", "3.1416", "person", "1,234.50", datetime.date(2026, 4, 17), "2026年4月5日", "12"],
            ["学校", 2, "所", 0.30000000000000004, "2026年5月", datetime.date(2026, 5, 6), None],
            ["x", 1, "万元", 1, "202606", "20260607", None],
        ]
    )
    assert parsed.errors == [] and parsed.is_valid
    first, second, third, fourth = parsed.rows
    assert first["_row"] == 2 and fourth["_row"] == 5
    assert first["unit"] == "person" and first["amount"] == Decimal("1234.50") and first["people"] == 3
    assert second == {
        "_row": 3,
        "name": "饮水工程",
        "quantity": Decimal("3.1416"),
        "unit": "person",
        "amount": Decimal("1234.50"),
        "month": datetime.date(2026, 4, 1),
        "day": datetime.date(2026, 4, 5),
        "people": 12,
    }
    # Float noise of a computed cell (0.1 + 0.2) is not a third decimal: Excel keeps 15 digits.
    assert third["amount"] == Decimal("0.30") and third["day"] == datetime.date(2026, 5, 6)
    assert third["people"] is None
    assert fourth["month"] == datetime.date(2026, 6, 1) and fourth["day"] == datetime.date(2026, 6, 7)
    assert isinstance(third["quantity"], Decimal) and third["quantity"] == 2


def test_choice_errors_say_row_column_header_and_allowed_values():
    parsed = read(
        [
            HEADERS,
            ["a", 1, "人", 1, "2026-01"],
            *[["a", 1, "人", 1, "2026-01"]] * 4,
            ["b", 1, "吨", 1, "2026-01"],
        ]
    )
    assert len(parsed.rows) == 5 and parsed.error_count == 1
    error = parsed.errors[0]
    assert (error.row, error.column, error.header, error.value) == (7, "C", "单位", "吨")
    with translation.override("en"):
        assert str(error) == "Row 7, column C (单位): “吨” is not one of 例, 人, 所, 平方米, 万元."
    assert error.as_dict() == {
        "row": 7,
        "column": "C",
        "header": "单位",
        "value": "吨",
        "message": "“吨” is not one of 例, 人, 所, 平方米, 万元.",
    }


def test_choice_accepts_label_in_every_language():
    spec = SheetSpec(
        "s", [Column("level", "级别", Kind.CHOICE, choices=[("county", translation.gettext_lazy("County"))])]
    )
    parsed = read([["级别"], ["County"], ["县"], ["county"]], spec)
    assert [row["level"] for row in parsed.rows] == ["county", "county", "county"]


@pytest.mark.parametrize(
    "cell, column, message",
    [
        (12.345, "D", "12.345 has more than 2 decimal places; amounts are in yuan with at most 2."),
        ("12.345", "D", "12.345 has more than 2 decimal places; amounts are in yuan with at most 2."),
        ("abc", "D", "“abc” is not a number."),
        (10**13, "D", "10000000000000 is too large an amount."),
    ],
)
def test_money_refuses_more_than_two_decimals(cell, column, message):
    parsed = read([HEADERS, ["a", 1, "人", cell, "2026-01"]])
    assert parsed.rows == []
    assert [(e.column, e.message) for e in parsed.errors] == [(column, message)]


@pytest.mark.parametrize(
    "row, column, message",
    [
        (["a", 1.23456, "人", 1, "2026-01"], "B", "1.23456 has more than 4 decimal places."),
        (["a" * 21, 1, "人", 1, "2026-01"], "A", "is 21 characters long; at most 20 are allowed."),
        (["a", 1, "人", 1, "2026-13"], "E", "“2026-13” is not a valid date."),
        (["a", 1, "人", 1, "三月"], "E", "“三月” is not a month; type it as 2026-03."),
        (["a", 1, "人", 1, "2026-01", "2026-02-30"], "F", "“2026-02-30” is not a valid date."),
        (["a", 1, "人", 1, "2026-01", 46000], "F", "46000 is a number, not a date"),
        (["a", 1, "人", 1, "2026-01", None, 2.5], "G", "“2.5” is not a whole number."),
        ([None, 1, "人", 1, "2026-01"], "A", "This cell is required."),
    ],
)
def test_cell_errors(row, column, message):
    parsed = read([HEADERS, row])
    assert parsed.rows == []
    assert len(parsed.errors) == 1
    assert parsed.errors[0].column == column and parsed.errors[0].row == 2
    assert message in parsed.errors[0].message


def test_long_number_in_text_column_lost_digits():
    spec = SheetSpec("s", [Column("id_number", "身份证号")])
    parsed = read([["身份证号"], [341226199001011234], ["341226199001011234"], [12345.0]], spec)
    assert "lost its last digits" in parsed.errors[0].message
    assert [row["id_number"] for row in parsed.rows] == ["341226199001011234", "12345"]


def test_empty_rows_are_skipped_and_row_numbers_stay_excel_numbers():
    parsed = read([HEADERS, GOOD, [], [None, None, "  "], ["", None], GOOD])
    assert [row["_row"] for row in parsed.rows] == [2, 6]


def test_errors_are_capped_with_a_count():
    spec = SheetSpec("s", [Column("n", "人数", Kind.INTEGER)], max_rows=5000)
    parsed = read([["人数"]] + [["x"]] * 1500, spec)
    assert parsed.error_count == 1500 and len(parsed.errors) == MAX_ERRORS
    with pytest.raises(RowErrors) as excinfo:
        parsed.raise_for_errors()
    assert excinfo.value.error_count == 1500 and len(excinfo.value.row_errors) == MAX_ERRORS


def test_escaped_formula_text_is_unescaped():
    spec = SheetSpec("s", [Column("text", "内容")])
    parsed = read([["内容"], ["'=1+1"], ["'+86 138"], ["'abc"], ["''=x"]], spec)
    assert [row["text"] for row in parsed.rows] == ["=1+1", "+86 138", "'abc", "'=x"]


# --- file-level refusals ----------------------------------------------------------------------


def test_renamed_csv_is_refused():
    message = refusal("项目名称,数量\n危房改造,1\n".encode("utf-8-sig"))
    assert "is not an Excel workbook (.xlsx) even though its name says so" in message


@pytest.mark.parametrize(
    "name, expected",
    [
        ("targets.csv", "“targets.csv” is not an Excel workbook (.xlsx)."),
        ("targets.xls", "“targets.xls” is an old-format Excel file (.xls)."),
    ],
)
def test_wrong_extension_is_refused(name, expected):
    assert expected in refusal(workbook([HEADERS]), name=name)


def test_old_xls_or_password_protected_content_is_refused():
    assert "old-format (.xls) or password-protected" in refusal(b"\xd0\xcf\x11\xe0" + b"\0" * 600)


def test_damaged_and_foreign_zips_are_refused():
    assert "is damaged" in refusal(b"PK\x03\x04" + b"garbage" * 100)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "it may be a Word or other Office file" in refusal(output.getvalue())
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all <")
    assert "is damaged and cannot be opened" in refusal(output.getvalue())


class CountingFile(io.RawIOBase):
    """A 50 MB upload that counts what is read from it."""

    name = "big.xlsx"
    size = 50 * 1024 * 1024

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, n=-1):
        n = self.size if n is None or n < 0 else n
        self.read_bytes += n
        return b"PK\x03\x04"[:n]


def test_file_over_the_size_limit_is_refused_without_reading_it(settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    big = CountingFile()
    with translation.override("en"), pytest.raises(ExcelRefused) as excinfo:
        read_xlsx(big, SPEC)
    assert excinfo.value.messages == [
        "“big.xlsx” is 50.0 MB; files up to 20.0 MB are accepted. Split it into smaller files."
    ]
    assert big.read_bytes == 0


def test_zip_bomb_is_refused_before_unpacking():
    started = time.monotonic()
    bomb = zip_bomb(260 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # a few hundred kB that unpack to 260 MB
    message = refusal(bomb)
    assert "unpacks to 260 MB" in message and "refused as unsafe" in message
    assert time.monotonic() - started < 20


def test_absurd_compression_ratio_is_refused():
    assert "refused as unsafe" in refusal(zip_bomb(30 * 1024 * 1024))


def test_too_many_rows_is_refused():
    spec = SheetSpec("s", [Column("n", "人数", Kind.INTEGER)], max_rows=3)
    message = refusal(workbook([["人数"], [1], [2], [3], [4]]), spec)
    assert (
        message
        == "“targets.xlsx” has more than 3 rows of data; at most 3 can be imported at once. Split it into several files."
    )
    assert read([["人数"], [1], [], [2], [3]], spec).rows[-1]["n"] == 3


def test_merged_cells_are_refused():
    message = refusal(workbook([HEADERS, GOOD, GOOD], merge=(2, 0, 3, 0)))
    assert message == "The sheet has merged cells (A3:A4). Unmerge them and give every row its own values."


def test_title_row_above_headers_is_refused():
    message = refusal(workbook([["2026年民生工程目标任务表"], HEADERS, GOOD]))
    assert message.startswith("The headers must be in row 1, but they are in row 2.")
    # Even when the title is merged across the columns, the title row is what we name.
    message = refusal(workbook([["2026年民生工程目标任务表"], HEADERS, GOOD], merge=(0, 0, 0, 6)))
    assert "they are in row 2" in message


def test_moved_renamed_and_missing_headers_are_named():
    headers = [
        "项目名称",
        "单位",
        "数量",
        "金额（元）",
        "月 份",
        "日期",
    ]  # B/C swapped, G missing; spaces are tolerated
    message = refusal(workbook([headers, GOOD]))
    assert message.splitlines() == [
        "Column B should hold “数量” but holds “单位”; “数量” is in column C. Do not move the template's columns.",
        "Column C should hold “单位” but holds “数量”; “单位” is in column B. Do not move the template's columns.",
        "Column G should hold “人数” but its header is empty.",
    ]
    renamed = ["项目名称", "数量", "计量单位", *HEADERS[3:]]
    assert refusal(workbook([renamed, GOOD])) == (
        "Column C should hold “单位” but holds “计量单位”. Do not rename the template's headers."
    )


def test_sheet_starting_in_column_b_is_refused_by_header():
    message = refusal(workbook([HEADERS, GOOD], start_col=1))
    assert (
        message
        == "The headers must start in column A, but they start in column B. Delete the columns before them."
    )
    message = refusal(workbook([["", *HEADERS[1:]], GOOD]))
    assert message == "Column A should hold “项目名称” but its header is empty."


def test_empty_workbook_is_refused():
    assert "is empty: row 1 must hold the headers" in refusal(workbook([]))


def test_a_million_empty_rows_read_fast():
    spec = SheetSpec("s", [Column("name", "姓名"), Column("n", "人数", Kind.INTEGER)], max_rows=10)
    data = million_empty_rows(["姓名", "人数"], ["张三", "3"])
    started = time.monotonic()
    with translation.override("en"):
        parsed = read_xlsx(upload(data), spec)
    elapsed = time.monotonic() - started
    print(f"1,000,000 empty rows read in {elapsed:.2f} s")
    assert [row["_row"] for row in parsed.rows] == [2, 1_000_003]
    assert elapsed < 10


# --- templates --------------------------------------------------------------------------------


def test_template_has_headers_widths_and_instructions():
    with translation.override("zh-hans"):
        data = template_xlsx(SPEC)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "目标任务" and len(book.sheetnames) == 2
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width >= 10
    assert sheet["A2"].number_format == "@" or sheet.column_dimensions["A"].number_format == "@"
    notes = book.worksheets[1]
    rows = list(notes.iter_rows(values_only=True))
    assert rows[3][:5] == ("C", "单位", rows[3][2], rows[3][3], "例、人、所、平方米、万元")
    assert len(sheet.data_validations.dataValidation) == 1
    # The template itself imports cleanly (no rows).
    parsed = read_xlsx(upload(data), SPEC)
    assert parsed.rows == [] and parsed.errors == []


# --- writing ----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ExportColumn("姓名", width=12),
    ExportColumn("人数", OutKind.INTEGER),
    ExportColumn("金额", OutKind.MONEY),
    ExportColumn("数量", OutKind.QUANTITY),
    ExportColumn("到位率", OutKind.PERCENT),
    ExportColumn("日期", OutKind.DATE),
]


def test_export_formats_header_totals_and_escaping(tmp_path):
    path = tmp_path / "out.xlsx"
    rows = [
        ("=1+1", 3, Decimal("1234.50"), Decimal("2.5"), Decimal("0.8822"), datetime.date(2026, 3, 5)),
        ("@SUM(A1)", None, None, None, None, None),
        ("-2", 0, Decimal("0.01"), Decimal(0), Decimal(0), datetime.datetime(2026, 3, 5, 10, 0)),
    ]
    count = write_xlsx(
        path,
        sheet_name="导出",
        columns=EXPORT_COLUMNS,
        rows=iter(rows),
        totals=["合计", 3, Decimal("1234.51")],
    )
    assert count == 3
    book = openpyxl.load_workbook(path)
    sheet = book["导出"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F5"
    assert sheet["A1"].value == "姓名" and sheet["A1"].font.b
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "'@SUM(A1)" and sheet["A4"].value == "'-2"
    assert sheet["C2"].value == 1234.5 and sheet["C2"].number_format == "#,##0.00"
    assert sheet["E2"].number_format == "0.00%" and sheet["E2"].value == pytest.approx(0.8822)
    assert sheet["F2"].number_format == "yyyy-mm-dd" and sheet["F2"].value == datetime.datetime(2026, 3, 5)
    assert sheet["B3"].value is None and sheet["C3"].value is None
    assert sheet["A5"].value == "合计" and sheet["A5"].font.b and sheet["C5"].font.b
    assert sheet["C5"].value == 1234.51
    assert sheet.column_dimensions["A"].width == pytest.approx(12, abs=1)


def test_export_reads_objects_dicts_and_callables():
    class Target:
        def __init__(self, name, division):
            self.name, self.division = name, division

    class Division:
        name = "东庄村"

    columns = [
        ExportColumn("名称", value="name"),
        ExportColumn("村", value="division.name"),
        ExportColumn("键", value="key"),
        ExportColumn("长度", OutKind.INTEGER, value=lambda row: len(row.name) if hasattr(row, "name") else 0),
    ]
    output = io.BytesIO()
    with XlsxExport(output, sheet_name="s", columns=columns) as export:
        export.write_row(Target("危房", Division()))
        export.write_row({"name": "饮水", "division": None, "key": "k"})
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["危房", "东庄村", None, 2],
        ["饮水", None, "k", 0],
    ]


def test_export_of_100000_rows_streams(tmp_path):
    """Memory stays flat: rows come from a generator, constant_memory writes them as they come."""
    rows = (
        (
            f"受益人{i}",
            i,
            Decimal(i) / 100,
            Decimal("1.5"),
            Decimal("0.5"),
            datetime.date(2026, 1, 1 + i % 28),
        )
        for i in range(100_000)
    )
    started = time.monotonic()
    count = write_xlsx(tmp_path / "big.xlsx", sheet_name="s", columns=EXPORT_COLUMNS, rows=rows)
    elapsed = time.monotonic() - started
    print(f"100,000 rows × 6 columns written in {elapsed:.2f} s")
    assert count == 100_000
    spec = SheetSpec(
        "s",
        [
            Column("name", "姓名"),
            Column("n", "人数", Kind.INTEGER),
            Column("amount", "金额", Kind.DECIMAL),
            Column("q", "数量", Kind.QUANTITY),
            Column("rate", "到位率", Kind.QUANTITY),
            Column("day", "日期", Kind.DATE),
        ],
        max_rows=100_000,
    )
    started = time.monotonic()
    parsed = read_xlsx(tmp_path / "big.xlsx", spec)
    elapsed = time.monotonic() - started
    print(f"100,000 rows × 6 columns read in {elapsed:.2f} s")
    assert parsed.is_valid and len(parsed.rows) == 100_000
    assert parsed.rows[-1]["amount"] == Decimal("999.99")


def test_csv_has_bom_and_escapes(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(
        path,
        EXPORT_COLUMNS,
        [("=cmd|' /C calc'!A0", 1, Decimal("1.5"), None, Decimal("0.8822"), datetime.date(2026, 3, 5))],
    )
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "姓名,人数,金额,数量,到位率,日期"
    assert lines[1] == "'=cmd|' /C calc'!A0,1,1.50,,88.22%,2026-03-05"


# --- escaping and round trips -----------------------------------------------------------------


@given(st.text())
def test_escape_is_reversible(text):
    assert unescape_cell(escape_cell(text)) == text
    assert not escape_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


ROUND_TRIP_SPEC = SheetSpec(
    "s",
    [
        Column("text", "文本", required=False),
        Column("money", "金额", Kind.DECIMAL),
        Column("day", "日期", Kind.DATE),
        Column("count", "人数", Kind.INTEGER),
        Column("quantity", "数量", Kind.QUANTITY),
    ],
    max_rows=1000,
)
ROUND_TRIP_COLUMNS = [
    ExportColumn("文本"),
    ExportColumn("金额", OutKind.MONEY),
    ExportColumn("日期", OutKind.DATE),
    ExportColumn("人数", OutKind.INTEGER),
    ExportColumn("数量", OutKind.QUANTITY),
]
texts = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(["=", "+", "-", "@", "'", "''=", "\t", "'-"]),
        st.text(max_size=20),
    ),
)
rows = st.lists(
    st.tuples(
        texts,
        st.decimals(min_value=-(10**11), max_value=10**11, places=2, allow_nan=False, allow_infinity=False),
        st.dates(min_value=datetime.date(1901, 1, 1), max_value=datetime.date(9999, 12, 31)),
        st.integers(min_value=-(10**14), max_value=10**14),
        st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_round_trip_write_then_read(rows):
    output = io.BytesIO()
    write_xlsx(output, sheet_name="s", columns=ROUND_TRIP_COLUMNS, rows=rows)
    parsed = read_xlsx(SimpleUploadedFile("round.xlsx", output.getvalue()), ROUND_TRIP_SPEC)
    assert parsed.errors == []
    assert len(parsed.rows) == len(rows)
    for row, (text, money, day, count, quantity) in zip(parsed.rows, rows, strict=True):
        # Text comes back stripped of surrounding whitespace (the reader's one normalisation).
        assert row["text"] == (text.strip() or None)
        assert row["money"] == money
        assert row["day"] == day
        assert row["count"] == count
        assert row["quantity"] == quantity


def test_check_xlsx_file_for_forms():
    from core.excel import check_xlsx_file

    check_xlsx_file(upload(workbook([HEADERS])))  # no exception
    with pytest.raises(ExcelRefused):
        check_xlsx_file(upload(b"a,b\n1,2\n", "x.xlsx"))


def test_formula_cells_give_their_cached_value():
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output)
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "人数")
    sheet.write_string(0, 1, "金额")
    sheet.write_formula(1, 0, "=1+1", None, 2)
    sheet.write_formula(1, 1, "=0.1+0.2", None, 0.30000000000000004)
    book.close()
    spec = SheetSpec("s", [Column("n", "人数", Kind.INTEGER), Column("amount", "金额", Kind.DECIMAL)])
    parsed = read_xlsx(upload(output.getvalue()), spec)
    assert parsed.rows == [{"_row": 2, "n": 2, "amount": Decimal("0.30")}]


# --- our own .xlsx writer: the cases XlsxWriter used to handle for us ------------------------


TRICKY_TEXTS = [
    "a<b>&c",  # XML's own characters
    "bell\x07 and \x1f",  # control characters → _x0007_ (Excel's escape)
    "_x0041_ stays literal",  # a literal escape sequence is protected (_x005F_)
    "  leading and trailing  ",  # whitespace kept (xml:space="preserve")
    "line\nbreak\tand tab",
    "张三 𠀋",  # CJK outside the BMP
]


def test_export_writes_tricky_text_that_reads_back_exactly():
    output = io.BytesIO()
    write_xlsx(output, sheet_name="s", columns=[ExportColumn("文本")], rows=[(t,) for t in TRICKY_TEXTS])
    # openpyxl leaves Excel's _xHHHH_ escapes as they are (so it did with XlsxWriter's files).
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    plain = [TRICKY_TEXTS[i] for i in (0, 3, 4, 5)]
    assert [row[0].value for row in sheet.iter_rows(min_row=2) if row[0].value in plain] == plain
    spec = SheetSpec("s", [Column("text", "文本")])
    parsed = read_xlsx(SimpleUploadedFile("t.xlsx", output.getvalue()), spec)
    assert [row["text"] for row in parsed.rows] == [t.strip() for t in TRICKY_TEXTS]


def test_export_cuts_text_at_excels_limit_and_refuses_nan():
    output = io.BytesIO()
    write_xlsx(output, sheet_name="s", columns=[ExportColumn("文本")], rows=[("x" * 40_000,)])
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    assert len(sheet["A2"].value) == 32_767
    with pytest.raises(ValueError):
        write_xlsx(
            io.BytesIO(), sheet_name="s", columns=[ExportColumn("n", OutKind.MONEY)], rows=[(Decimal("NaN"),)]
        )


def test_export_refuses_a_sheet_name_excel_refuses():
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), sheet_name="a/b", columns=[ExportColumn("x")], rows=[])


def test_export_streams_to_a_target_that_cannot_seek():
    """An HTTP response or a pipe: the zip is written with data descriptors."""

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.chunks = []

        def writable(self):
            return True

        def write(self, data):
            self.chunks.append(bytes(data))
            return len(data)

    pipe = Pipe()
    count = write_xlsx(
        pipe, sheet_name="s", columns=EXPORT_COLUMNS, rows=[("甲", 1, Decimal("2.50"), 1, 0.5, None)]
    )
    assert count == 1
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(pipe.chunks))).active
    assert sheet["A2"].value == "甲" and sheet["C2"].value == 2.5 and sheet.freeze_panes == "A2"


def test_export_holds_dates_before_and_after_excels_leap_day():
    output = io.BytesIO()
    days = [datetime.date(1900, 2, 28), datetime.date(1900, 3, 1), datetime.date(2026, 11, 25)]
    write_xlsx(output, sheet_name="s", columns=[ExportColumn("d", OutKind.DATE)], rows=[(d,) for d in days])
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    assert [row[0].value.date() for row in sheet.iter_rows(min_row=2)] == days
