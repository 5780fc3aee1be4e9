"""Excel in and out, once for every app: declarative import specs read with calamine, streaming
exports written by a small .xlsx writer of our own (import templates by XlsxWriter), a CSV
writer, and the formula-injection escaping both share.

Reading (``read_xlsx``) refuses a bad *file* before any parsing work, with one clear message
(``ExcelRefused``, a ValidationError): wrong type, too big, a zip bomb, unreadable, too many
rows, merged cells, a title row above the headers, headers missing, renamed or moved. Then it
converts every cell by its column's kind and collects *row* errors (``RowError``: Excel row
number, column letter, header, value, reason), capped at ``MAX_ERRORS``. Callers import
all-or-nothing: ``parsed.raise_for_errors()`` before writing anything.

Writing (``write_xlsx`` / ``XlsxExport``) streams rows into the zip as they come, so a
100,000-row queryset iterated with ``.iterator(chunk_size=...)`` keeps memory flat. Text cells
are always inline strings (never formulas) and text that a spreadsheet would run as a formula
(= + - @ tab CR at the start) gets a leading apostrophe, which the reader strips again: round
trips are exact.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import python_calamine
import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and also every password-protected .xlsx
MAX_ERRORS = 1000
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# A worksheet's XML compresses 10-30x, a sheet of empty styled rows up to ~150x; a member
# compressing better than this is a bomb, not a spreadsheet.
MAX_COMPRESSION_RATIO = 400
HEADER_SEARCH_ROWS = 10
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text starting with one of these is run as a formula (or DDE) by Excel, WPS and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_LIMIT = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)
QUANTITY_LIMIT = Decimal(10) ** 10  # DecimalField(max_digits=14, decimal_places=4)


# --- formula-injection escaping -------------------------------------------------------------


def needs_escape(text: str) -> bool:
    """Whether ``text`` must get a leading apostrophe in an export. Text that already starts
    with apostrophes before a formula character is escaped too, so that unescaping is exact."""
    stripped = text.lstrip("'")
    return bool(stripped) and stripped.startswith(FORMULA_STARTS)


def escape_cell(text: str) -> str:
    """``=1+1`` → ``'=1+1``; anything else unchanged."""
    return "'" + text if needs_escape(text) else text


def unescape_cell(text: str) -> str:
    """The inverse of :func:`escape_cell` for text read back from our own exports."""
    if text.startswith("'") and needs_escape(text[1:]):
        return text[1:]
    return text


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- the declarative import spec ------------------------------------------------------------


class Kind:
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # money: at most 2 decimals
    QUANTITY = "quantity"  # Decimal with up to 4 decimals
    DATE = "date"
    MONTH = "month"  # YYYY-MM or a date → the first of that month
    CHOICE = "choice"
    ALL = (TEXT, INTEGER, DECIMAL, QUANTITY, DATE, MONTH, CHOICE)


def kind_label(kind: str) -> str:
    return {
        Kind.TEXT: gettext("text"),
        Kind.INTEGER: gettext("whole number"),
        Kind.DECIMAL: gettext("amount in yuan, at most 2 decimals"),
        Kind.QUANTITY: gettext("number, at most 4 decimals"),
        Kind.DATE: gettext("date (YYYY-MM-DD)"),
        Kind.MONTH: gettext("month (YYYY-MM)"),
        Kind.CHOICE: gettext("one of the allowed values"),
    }[kind]


@dataclass(frozen=True)
class Column:
    """One column of an import. ``choices``: strings, or (value, label) pairs such as a
    TextChoices' ``.choices``; a cell may hold the label (in any portal language) or the value,
    and the parsed row holds the value. ``header`` may be lazy; it is what the cell in row 1
    must say."""

    key: str
    header: Any
    kind: str = Kind.TEXT
    required: bool = True
    max_length: int | None = None
    choices: Sequence | None = None
    help: Any = ""
    width: int | None = None

    def __post_init__(self):
        if self.kind not in Kind.ALL:
            raise ValueError(f"Unknown column kind {self.kind!r}")
        if self.kind == Kind.CHOICE and not self.choices:
            raise ValueError(f"Choice column {self.key!r} needs choices")

    def choice_pairs(self) -> list[tuple[Any, str]]:
        pairs = []
        for choice in self.choices or ():
            if isinstance(choice, list | tuple):
                pairs.append((choice[0], choice[1]))
            else:
                pairs.append((choice, choice))
        return pairs


@dataclass(frozen=True)
class SheetSpec:
    """What an import file must look like. ``name`` names the sheet of the template (and the
    sheet read, when the workbook has one of that name; otherwise the first sheet is read)."""

    name: Any
    columns: Sequence[Column]
    max_rows: int = 50_000

    def __post_init__(self):
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError("Column keys must be unique")

    def column(self, key: str) -> tuple[int, Column]:
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index, column
        raise KeyError(key)

    def row_error(self, *, row: int, key: str, value: Any, message: str) -> RowError:
        """A RowError for a check made after parsing (a service's "unknown village"), naming
        the column by its key."""
        index, column = self.column(key)
        return RowError(
            row=row, column=column_letter(index), header=str(column.header), value=value, message=message
        )


@dataclass(frozen=True)
class RowError:
    row: int  # Excel row number, 1-based
    column: str  # column letter, "" for an error about the whole row
    header: str
    value: Any
    message: str  # the reason, translated

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "value": _display(self.value),
            "message": self.message,
        }

    def __str__(self) -> str:
        if self.column:
            return gettext("Row %(row)s, column %(column)s (%(header)s): %(message)s") % {
                "row": self.row,
                "column": self.column,
                "header": self.header,
                "message": self.message,
            }
        return gettext("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class ExcelRefused(ValidationError):
    """The file as a whole is refused (wrong type, too big, bad layout); nothing was parsed."""


class RowErrors(ValidationError):
    """Some rows are wrong; nothing may be imported. ``row_errors`` holds the first
    ``MAX_ERRORS`` of them, ``error_count`` how many there were in all."""

    def __init__(self, row_errors: list[RowError], error_count: int):
        self.row_errors = row_errors
        self.error_count = error_count
        super().__init__(
            ngettext(
                "%(count)s error in the file; nothing was imported. Correct it and upload the file again.",
                "%(count)s errors in the file; nothing was imported. Correct them and upload the file again.",
                error_count,
            )
            % {"count": error_count}
        )


@dataclass
class ParsedSheet:
    """Rows as dicts keyed by the columns' keys, plus ``"_row"``: the Excel row number."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def raise_for_errors(self) -> None:
        if self.error_count:
            raise RowErrors(self.errors, self.error_count)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# --- reading ----------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, message: str):
        self.message = message


def _float_to_decimal(value: float) -> Decimal:
    # Excel keeps 15 significant digits; what lies beyond is binary noise (0.1+0.2).
    return Decimal(format(value, ".15g"))


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _CellError(gettext("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, float):
        return _float_to_decimal(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace(" ", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _CellError(gettext("“%(value)s” is not a number.") % {"value": value}) from None
        if number.is_finite():
            return number
    raise _CellError(gettext("“%(value)s” is not a number.") % {"value": _display(value)})


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _parse_text(value: Any, column: Column) -> str:
    if isinstance(value, str):
        text = unescape_cell(value).strip()
    elif isinstance(value, float):
        if not value.is_integer():
            text = format(value, ".15g")
        elif abs(value) < 1e15:
            text = str(int(value))
        else:
            # An 18-digit ID typed as a number has lost its last digits already.
            raise _CellError(
                gettext(
                    "%(value)s was stored as a number and lost its last digits; format the column as text and type it again."
                )
                % {"value": format(value, ".15g")}
            )
    else:
        text = _display(value)
    if column.max_length and len(text) > column.max_length:
        raise _CellError(
            gettext("“%(value)s” is %(length)s characters long; at most %(max)s are allowed.")
            % {"value": text, "length": len(text), "max": column.max_length}
        )
    return text


def _parse_integer(value: Any, column: Column) -> int:
    number = _to_decimal(value)
    if number != number.to_integral_value():
        raise _CellError(gettext("“%(value)s” is not a whole number.") % {"value": _display(value)})
    return int(number)


def _parse_money(value: Any, column: Column) -> Decimal:
    number = _to_decimal(value)
    if _places(number) > 2:
        raise _CellError(
            gettext("%(value)s has more than 2 decimal places; amounts are in yuan with at most 2.")
            % {"value": number.normalize()}
        )
    if abs(number) >= MONEY_LIMIT:
        raise _CellError(gettext("%(value)s is too large an amount.") % {"value": number})
    return number.quantize(Decimal("0.01"))


def _parse_quantity(value: Any, column: Column) -> Decimal:
    number = _to_decimal(value)
    if _places(number) > 4:
        raise _CellError(gettext("%(value)s has more than 4 decimal places.") % {"value": number.normalize()})
    if abs(number) >= QUANTITY_LIMIT:
        raise _CellError(gettext("%(value)s is too large.") % {"value": number})
    return number.normalize() if number == number.to_integral_value() else number


DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")


def _date_or_error(year, month, day, value) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise _CellError(gettext("“%(value)s” is not a valid date.") % {"value": _display(value)}) from None


def _parse_date(value: Any, column: Column) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _display(value).strip()
    match = DATE_PATTERN.match(text) or COMPACT_DATE.match(text)
    if match:
        return _date_or_error(*match.groups(), value)
    if isinstance(value, float):
        raise _CellError(
            gettext("%(value)s is a number, not a date; format the cell as a date or type it as 2026-03-15.")
            % {"value": text}
        )
    raise _CellError(
        gettext("“%(value)s” is not a date; type it as 2026-03-15.") % {"value": _display(value)}
    )


def _parse_month(value: Any, column: Column) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date().replace(day=1)
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    text = _display(value).strip()
    match = MONTH_PATTERN.match(text) or COMPACT_MONTH.match(text)
    if match:
        return _date_or_error(*match.groups(), 1, value)
    match = DATE_PATTERN.match(text) or COMPACT_DATE.match(text)
    if match:
        return _date_or_error(*match.groups(), value).replace(day=1)
    raise _CellError(gettext("“%(value)s” is not a month; type it as 2026-03.") % {"value": _display(value)})


def _choice_lookup(column: Column) -> tuple[dict[str, Any], list[str]]:
    """Accepted spellings → value; labels in every portal language are accepted, so a template
    downloaded in English imports in a worker that runs in Chinese."""
    lookup: dict[str, Any] = {}
    pairs = column.choice_pairs()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in pairs:
                lookup.setdefault(str(label).strip(), value)
    for value, _label in pairs:
        lookup.setdefault(str(value).strip(), value)
    return lookup, [str(label) for _value, label in pairs]


def _parse_choice(value: Any, column: Column, lookup: dict[str, Any], labels: list[str]) -> Any:
    text = _parse_text(value, column)
    if text in lookup:
        return lookup[text]
    shown = labels if len(labels) <= 12 else [*labels[:12], "…"]
    raise _CellError(
        gettext("“%(value)s” is not one of %(choices)s.") % {"value": text, "choices": ", ".join(shown)}
    )


PARSERS: dict[str, Callable] = {
    Kind.TEXT: _parse_text,
    Kind.INTEGER: _parse_integer,
    Kind.DECIMAL: _parse_money,
    Kind.QUANTITY: _parse_quantity,
    Kind.DATE: _parse_date,
    Kind.MONTH: _parse_month,
}


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not unescape_cell(value).strip())


def _normalise_header(value: Any) -> str:
    return re.sub(r"\s+", "", _display(value)).replace("（", "(").replace("）", ")").replace("*", "")


def _file_name(upload) -> str:
    name = getattr(upload, "name", None) or (str(upload) if isinstance(upload, str | os.PathLike) else "")
    return os.path.basename(str(name))


def _open_binary(upload):
    """A seekable binary file for ``upload`` (a Django File / UploadedFile / FieldFile, a path,
    bytes or an open binary file) and whether we opened it (and must close it)."""
    if isinstance(upload, bytes | bytearray):
        return io.BytesIO(upload), True
    if isinstance(upload, str | os.PathLike):
        return open(upload, "rb"), True
    if hasattr(upload, "open") and getattr(upload, "closed", False):
        upload.open("rb")
    handle = getattr(upload, "file", upload)
    return handle, False


def _file_size(upload, handle) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    position = handle.tell()
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(position)
    return size


def _refuse(message: str, **params):
    raise ExcelRefused(message % params if params else message, code="refused")


def check_xlsx_file(upload) -> None:
    """The file-level checks that need no parsing: name, size, magic bytes, zip directory
    (uncompressed size and compression ratio). Raises ExcelRefused. Cheap enough for a form's
    ``clean_upload`` so a user hears at once, not from a background job."""
    handle, opened = _open_binary(upload)
    try:
        _check_file(upload, handle)
    finally:
        if opened:
            handle.close()


def _check_file(upload, handle, *, name: str | None = None) -> None:
    name = name or _file_name(upload)
    shown = name or gettext("The file")
    if name and not name.lower().endswith(".xlsx"):
        if name.lower().endswith(".xls"):
            _refuse(
                gettext(
                    "“%(name)s” is an old-format Excel file (.xls). Open it in Excel or WPS and save it as an .xlsx workbook."
                ),
                name=name,
            )
        _refuse(
            gettext("“%(name)s” is not an Excel workbook (.xlsx). Download the template and fill it in."),
            name=name,
        )
    limit = getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    size = _file_size(upload, handle)
    if size > limit:
        _refuse(
            gettext(
                "“%(name)s” is %(size)s MB; files up to %(limit)s MB are accepted. Split it into smaller files."
            ),
            name=shown,
            size=round(size / 1024 / 1024, 1),
            limit=round(limit / 1024 / 1024, 1),
        )
    handle.seek(0)
    magic = handle.read(4)
    handle.seek(0)
    if magic == OLE_MAGIC:
        _refuse(
            gettext(
                "“%(name)s” is an old-format (.xls) or password-protected workbook. Save it as an .xlsx workbook without a password."
            ),
            name=shown,
        )
    if magic != XLSX_MAGIC:
        _refuse(
            gettext(
                "“%(name)s” is not an Excel workbook (.xlsx) even though its name says so; it may be a renamed CSV or text file. Download the template and fill it in."
            ),
            name=shown,
        )
    try:
        archive = zipfile.ZipFile(handle)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(gettext("“%(name)s” is damaged and cannot be opened as an Excel workbook."), name=shown)
    finally:
        handle.seek(0)
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        _refuse(
            gettext("“%(name)s” is not an Excel workbook (it may be a Word or other Office file)."),
            name=shown,
        )
    max_uncompressed = getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    total = sum(member.file_size for member in members)
    bomb = total > max_uncompressed or any(
        member.file_size > 1024 * 1024
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb:
        _refuse(
            gettext(
                "“%(name)s” unpacks to %(size)s MB, far more than a spreadsheet of this size holds; it is refused as unsafe. Copy the data into the template and try again."
            ),
            name=shown,
            size=round(total / 1024 / 1024),
        )


def _open_sheet(handle, spec: SheetSpec, shown: str):
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
        sheet_name = str(spec.name)
        if sheet_name in workbook.sheet_names:
            return workbook.get_sheet_by_name(sheet_name)
        return workbook.get_sheet_by_index(0)
    except (python_calamine.CalamineError, ValueError, OSError, IndexError):
        _refuse(gettext("“%(name)s” is damaged and cannot be opened as an Excel workbook."), name=shown)


def _header_problems(found: list, spec: SheetSpec) -> list[str]:
    expected = [_normalise_header(column.header) for column in spec.columns]
    actual = [_normalise_header(value) for value in found]
    width = len(expected)
    for shift in range(1, max(len(actual) - width + 1, 1)):
        if actual[shift : shift + width] == expected:
            return [
                gettext(
                    "The headers must start in column A, but they start in column %(column)s. Delete the columns before them."
                )
                % {"column": column_letter(shift)}
            ]
    problems = []
    for index, column in enumerate(spec.columns):
        have = actual[index] if index < len(actual) else ""
        if have == expected[index]:
            continue
        shown = _display(found[index]).strip() if index < len(found) else ""
        letter = column_letter(index)
        elsewhere = [column_letter(i) for i, value in enumerate(actual) if value == expected[index]]
        if elsewhere and have:
            problems.append(
                gettext(
                    "Column %(column)s should hold “%(header)s” but holds “%(found)s”; “%(header)s” is in column %(other)s. Do not move the template's columns."
                )
                % {"column": letter, "header": column.header, "found": shown, "other": elsewhere[0]}
            )
        elif elsewhere:
            problems.append(
                gettext(
                    "Column %(column)s should hold “%(header)s” but its header is empty; “%(header)s” is in column %(other)s. Do not move the template's columns."
                )
                % {"column": letter, "header": column.header, "other": elsewhere[0]}
            )
        elif have:
            problems.append(
                gettext(
                    "Column %(column)s should hold “%(header)s” but holds “%(found)s”. Do not rename the template's headers."
                )
                % {"column": letter, "header": column.header, "found": shown}
            )
        else:
            problems.append(
                gettext("Column %(column)s should hold “%(header)s” but its header is empty.")
                % {"column": letter, "header": column.header}
            )
    return problems


def read_xlsx(upload, spec: SheetSpec, *, name: str | None = None) -> ParsedSheet:
    """Parse an uploaded .xlsx against ``spec``. ``name``: the file name to check and show
    when ``upload`` is stored under another one (a job's upload: pass ``job.upload_name``).

    Raises ExcelRefused (a ValidationError, one message or a list) when the file as a whole
    is wrong; returns a ParsedSheet whose ``errors`` say what is wrong in which row otherwise.
    Empty rows are skipped. ``upload``: a Django File/UploadedFile/FieldFile, a path or bytes.
    """
    handle, opened = _open_binary(upload)
    try:
        _check_file(upload, handle, name=name)
        return _read(handle, spec, name or _file_name(upload) or gettext("The file"))
    finally:
        if opened:
            handle.close()


def _read(handle, spec: SheetSpec, shown: str) -> ParsedSheet:
    sheet = _open_sheet(handle, spec, shown)
    width = len(spec.columns)
    start = sheet.start
    # calamine's iter_rows begins at row 1 but at the first column that holds data.
    offset = start[1] if start else 0
    rows = sheet.iter_rows()

    def padded(raw: list) -> list:
        if offset:
            raw = [""] * offset + raw
        if len(raw) < width:
            raw = raw + [""] * (width - len(raw))
        return raw

    # The header row: row 1, and nowhere else.
    expected = [_normalise_header(column.header) for column in spec.columns]
    head = []
    for raw in rows:
        head.append(padded(raw))
        if len(head) == HEADER_SEARCH_ROWS:
            break
    if not head:
        _refuse(gettext("“%(name)s” is empty: row 1 must hold the headers."), name=shown)
    first = [_normalise_header(value) for value in head[0][:width]]
    if first != expected:
        for number, row in enumerate(head[1:], 2):
            matches = sum(
                1 for a, b in zip((_normalise_header(v) for v in row), expected, strict=False) if a == b
            )
            if matches >= max(1, (width + 1) // 2):
                _refuse(
                    gettext(
                        "The headers must be in row 1, but they are in row %(row)s. Delete the rows above them (a title row, for example) and upload the file again."
                    ),
                    row=number,
                )
    merged = sheet.merged_cell_ranges or []
    if merged:
        ranges = [f"{column_letter(a[1])}{a[0] + 1}:{column_letter(b[1])}{b[0] + 1}" for a, b in merged[:5]]
        _refuse(
            gettext(
                "The sheet has merged cells (%(ranges)s). Unmerge them and give every row its own values."
            ),
            ranges=", ".join(ranges) + ("…" if len(merged) > 5 else ""),
        )
    problems = _header_problems(head[0], spec)
    if problems:
        raise ExcelRefused(problems, code="refused")

    # Pass 1: count the rows with data and refuse when there are too many (nothing parsed
    # yet). Nothing is kept: pass 2 walks calamine's in-memory sheet again.
    def data_rows():
        number = 0
        for raw in sheet.iter_rows():
            number += 1
            # Fast path (C speed) for the empty rows a sheet may hold by the million.
            if number == 1 or raw.count("") == len(raw):
                continue
            if any(not (isinstance(value, str) and not value.strip()) for value in raw):
                yield number, raw

    for count, _ in enumerate(data_rows(), 1):
        if count > spec.max_rows:
            _refuse(
                gettext(
                    "“%(name)s” has more than %(max)s rows of data; at most %(max)s can be imported at once. Split it into several files."
                ),
                name=shown,
                max=spec.max_rows,
            )

    # Pass 2: convert every cell by its kind.
    parsed = ParsedSheet()
    headers = [str(column.header) for column in spec.columns]
    letters = [column_letter(index) for index in range(width)]
    choice_tables = {
        index: _choice_lookup(column)
        for index, column in enumerate(spec.columns)
        if column.kind == Kind.CHOICE
    }
    required_message = gettext("This cell is required.")
    for number, raw in data_rows():
        raw = padded(raw)
        row: dict[str, Any] = {"_row": number}
        valid = True
        for index, column in enumerate(spec.columns):
            value = raw[index]
            if _is_empty(value):
                if column.required:
                    parsed.add_error(RowError(number, letters[index], headers[index], "", required_message))
                    valid = False
                row[column.key] = None
                continue
            try:
                if column.kind == Kind.CHOICE:
                    row[column.key] = _parse_choice(value, column, *choice_tables[index])
                else:
                    row[column.key] = PARSERS[column.kind](value, column)
            except _CellError as error:
                parsed.add_error(
                    RowError(number, letters[index], headers[index], _display(value), error.message)
                )
                valid = False
        if valid:
            parsed.rows.append(row)
    return parsed


# --- templates ------------------------------------------------------------------------------


def _choice_labels(column: Column) -> list[str]:
    return [str(label) for _value, label in column.choice_pairs()]


def template_xlsx(spec: SheetSpec) -> bytes:
    """A blank import template: the headers in row 1 (bold, frozen), column widths, text columns
    formatted as text (so 18-digit IDs keep their digits), drop-downs for choice columns, and
    a second sheet describing every column."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "strings_to_numbers": False})
    header_format = workbook.add_format({"bold": True, "bg_color": "#E9EEF6", "border": 1})
    text_format = workbook.add_format({"num_format": "@"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    month_format = workbook.add_format({"num_format": "yyyy-mm"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    sheet = workbook.add_worksheet(str(spec.name)[:31])
    formats = {
        Kind.TEXT: text_format,
        Kind.CHOICE: text_format,
        Kind.DATE: date_format,
        Kind.MONTH: month_format,
        Kind.DECIMAL: money_format,
    }
    for index, column in enumerate(spec.columns):
        header = str(column.header)
        width = column.width or max(10, min(40, len(header.encode("gbk", "replace")) + 4))
        sheet.set_column(index, index, width, formats.get(column.kind))
        sheet.write_string(0, index, header, header_format)
        if column.kind == Kind.CHOICE:
            labels = _choice_labels(column)
            if len(",".join(labels)) <= 255:
                sheet.data_validation(
                    1,
                    index,
                    spec.max_rows,
                    index,
                    {
                        "validate": "list",
                        "source": labels,
                        "error_title": gettext("Not allowed"),
                        "error_message": gettext("Choose one of the listed values."),
                    },
                )
    sheet.freeze_panes(1, 0)

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
    workbook.close()
    return output.getvalue()


# --- writing --------------------------------------------------------------------------------


class OutKind:
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # '#,##0.00'
    QUANTITY = "quantity"
    PERCENT = "percent"  # a fraction (0.8822) shown as 88.22%
    DATE = "date"
    ALL = (TEXT, INTEGER, MONEY, QUANTITY, PERCENT, DATE)


NUMBER_FORMATS = {
    OutKind.INTEGER: "#,##0",
    OutKind.MONEY: "#,##0.00",
    OutKind.QUANTITY: "#,##0.00##",
    OutKind.PERCENT: "0.00%",
    OutKind.DATE: "yyyy-mm-dd",
}


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export. ``value`` says where a row's cell comes from: ``None`` for
    positional rows (tuples/lists), a key or dotted attribute path ("division.name") for
    dicts and objects, or a callable taking the row."""

    header: Any
    kind: str = OutKind.TEXT
    width: int | None = None
    value: str | Callable | None = None

    def __post_init__(self):
        if self.kind not in OutKind.ALL:
            raise ValueError(f"Unknown export kind {self.kind!r}")


def _getter(column: ExportColumn, index: int) -> Callable[[Any], Any]:
    source = column.value
    if callable(source):
        return source
    if source is None:
        return lambda row: row[index]
    parts = source.split(".")
    if len(parts) == 1:

        def get_one(row):
            return row.get(source) if isinstance(row, dict) else getattr(row, source, None)

        return get_one

    def get(row):
        value = row
        for part in parts:
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        return value

    return get


def _as_date(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    return value


# The parts of an .xlsx package that do not depend on the rows (SpreadsheetML, ECMA-376).
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
    "</cp:coreProperties>"
)
# Number formats Excel knows by id (the rest are declared in styles.xml from 164 on).
_BUILTIN_FORMATS = {"#,##0": 3, "#,##0.00": 4, "0.00%": 10}
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Text that needs more than the plain path: XML's three, the control characters (written as
# _xHHHH_ as Excel does, and a literal _xHHHH_ protected so that it reads back as itself),
# and the two non-characters.
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
MAX_CELL_CHARACTERS = 32_767  # Excel's limit; longer text is cut, as XlsxWriter did
_EXCEL_EPOCH = datetime.datetime(1899, 12, 31)
_FLUSH_ROWS = 500
_ESCAPE_FIRST = frozenset("'" + "".join(FORMULA_STARTS))


def _xml_text(text: str) -> str:
    if len(text) > MAX_CELL_CHARACTERS:
        text = text[:MAX_CELL_CHARACTERS]
    if _XML_SPECIAL.search(text):
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group(0)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _xml_attribute(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _excel_serial(value) -> float:
    """A date or naive datetime as Excel's serial number (1900 system, with its leap-year bug)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    delta = value - _EXCEL_EPOCH
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return serial + 1 if serial > 59 else serial


def _number(value) -> str:
    number = float(value)
    if number.is_integer() and -1e16 < number < 1e16:
        return str(int(number))
    if number != number or number in (math.inf, -math.inf):
        raise ValueError(f"An .xlsx cell cannot hold {value!r}")
    return repr(number)


class XlsxExport:
    """A streaming .xlsx writer of our own. Use as a context manager::

        with XlsxExport(path, sheet_name="目标任务", columns=COLUMNS) as export:
            for target in targets.iterator(chunk_size=2000):
                export.write_row(target)
            export.write_totals(["合计", None, total])

    ``target``: a path or a binary file object (need not be seekable). Rows are turned into the
    sheet's XML as they come and deflated into the zip every few hundred rows: memory stays
    flat whatever the row count. The sheet has bold, shaded headers in a frozen first row, an
    autofilter over the data, column widths, a number format per column kind, and text cells
    only as inline strings (never formulas; text a spreadsheet would run gets the apostrophe).

    Why not XlsxWriter (used before, still used for the import templates): its generic per-cell
    bookkeeping makes it 2.5-4x slower than writing the few cell shapes we need directly (make
    bench: roster_export_100k, ``our_writer_s`` against ``floor_s``). The Rust-backed
    rustpy-xlsxwriter writes the same list ~2x faster still, but it pulls rows from an iterator
    (our callers push them), writes totals only as formulas, and is one person's young project;
    with our writer, writing is about half of the roster export; reading and decrypting the rows
    is the other half.
    """

    def __init__(self, target, *, sheet_name: str, columns: Sequence[ExportColumn]):
        self.columns = list(columns)
        self.getters = [_getter(column, index) for index, column in enumerate(self.columns)]
        self.sheet_name = str(sheet_name)[:31]
        if not self.sheet_name or _SHEET_NAME_FORBIDDEN.search(self.sheet_name):
            raise ValueError(f"Invalid sheet name {self.sheet_name!r}")
        self.letters = [column_letter(index) for index in range(len(self.columns))]
        # OutKind's values are interned literals: the hot loop compares them by identity.
        self.kinds = [next(k for k in OutKind.ALL if k == column.kind) for column in self.columns]
        # Style ids: 0 plain, 1 header, then (format, bold format) per number kind, then bold text.
        self.custom_formats: dict[str, int] = {}
        self.style_ids: dict[str, int] = {}
        self.total_style_ids: dict[str, int] = {}
        self.xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        self.xfs.append(
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" '
            'applyFont="1" applyFill="1" applyBorder="1"/>'
        )
        for kind, number_format in NUMBER_FORMATS.items():
            format_id = _BUILTIN_FORMATS.get(number_format) or self.custom_formats.setdefault(
                number_format, 164 + len(self.custom_formats)
            )
            self.style_ids[kind] = len(self.xfs)
            self.xfs.append(
                f'<xf numFmtId="{format_id}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            )
            self.total_style_ids[kind] = len(self.xfs)
            self.xfs.append(
                f'<xf numFmtId="{format_id}" fontId="1" fillId="0" borderId="0" xfId="0" '
                'applyNumberFormat="1" applyFont="1"/>'
            )
        self.bold_text = len(self.xfs)
        self.xfs.append('<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>')

        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.stream = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        widths = "".join(
            f'<col min="{index + 1}" max="{index + 1}" width="{self._width(column)}" customWidth="1"/>'
            for index, column in enumerate(self.columns)
        )
        header = "".join(
            f'<c r="{letter}1" s="1" t="inlineStr"><is>{self._inline(str(column.header))}</is></c>'
            for letter, column in zip(self.letters, self.columns, strict=True)
        )
        self.buffer = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
            f'<row r="1">{header}</row>'
        ]
        self.row_number = 0  # 0-based index of the last row written

    @staticmethod
    def _width(column: ExportColumn) -> float:
        # XlsxWriter's character width → the stored width (padding of 5 pixels at 7 a character).
        width = column.width or max(8, min(40, len(str(column.header).encode("gbk", "replace")) + 4))
        return round(width + 0.7109375, 8)

    @staticmethod
    def _inline(text: str) -> str:
        text = _xml_text(text)
        if text and (text[0].isspace() or text[-1].isspace()):
            return f'<t xml:space="preserve">{text}</t>'
        return f"<t>{text}</t>"

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def _append(self, values, *, total: bool = False) -> None:
        """One row's XML. The hot loop of every export: plain code, one pass, no helper calls
        on the common path (a short text that needs neither escaping nor whitespace kept)."""
        self.row_number += 1
        number = self.row_number + 1
        styles = self.total_style_ids if total else self.style_ids
        text_style = f' s="{self.bold_text}"' if total else ""
        cells = []
        append = cells.append
        for letter, kind, value in zip(self.letters, self.kinds, values, strict=False):
            if value is None:
                continue
            if value.__class__ is str or kind is OutKind.TEXT or isinstance(value, str | bool):
                text = value if isinstance(value, str) else _display(value)
                if not text:
                    continue
                if text[0] in _ESCAPE_FIRST and needs_escape(text):
                    text = "'" + text
                if len(text) > 200 or _XML_SPECIAL.search(text):
                    text = _xml_text(text)
                if text[0].isspace() or text[-1].isspace():
                    append(
                        f'<c r="{letter}{number}"{text_style} t="inlineStr"><is><t xml:space="preserve">'
                        f"{text}</t></is></c>"
                    )
                else:
                    append(f'<c r="{letter}{number}"{text_style} t="inlineStr"><is><t>{text}</t></is></c>')
            elif kind is OutKind.DATE:
                append(
                    f'<c r="{letter}{number}" s="{styles[kind]}"><v>{_number(_excel_serial(_as_date(value)))}</v></c>'
                )
            else:
                # Decimal → float only here, at the last moment: 15 significant digits survive.
                append(f'<c r="{letter}{number}" s="{styles[kind]}"><v>{_number(value)}</v></c>')
        self.buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self.buffer) >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.stream.write("".join(self.buffer).encode())
        self.buffer = []

    def write_row(self, row) -> None:
        self._append([get(row) for get in self.getters])

    def write_rows(self, rows: Iterable) -> None:
        for row in rows:
            self.write_row(row)

    def write_totals(self, totals) -> None:
        """A bold totals row: a sequence aligned with the columns, or a dict by column index.
        The caller computes the values (no Excel formulas: the file shows what was checked)."""
        values = totals if not isinstance(totals, dict) else [totals.get(i) for i in range(len(self.columns))]
        self._append(list(values)[: len(self.columns)], total=True)

    def close(self) -> None:
        if self.zip is None:
            return
        last = f"{self.letters[-1]}{self.row_number + 1}"
        self.buffer.append(f'</sheetData><autoFilter ref="A1:{last}"/>')
        self.buffer.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>"
        )
        self._flush()
        self.stream.close()
        name = _xml_attribute(self.sheet_name)
        quoted = "'" + self.sheet_name.replace("'", "''") + "'"
        self.zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self.zip.writestr("_rels/.rels", _ROOT_RELS)
        self.zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self.zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{_xml_text(quoted)}!$A$1:${self.letters[-1]}${self.row_number + 1}</definedName></definedNames>"
            "</workbook>",
        )
        self.zip.writestr("xl/styles.xml", self._styles())
        now = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.zip.writestr("docProps/core.xml", _CORE.format(now=now))
        self.zip.writestr("docProps/app.xml", _APP)
        self.zip.close()
        self.zip = None

    def _styles(self) -> str:
        formats = "".join(
            f'<numFmt numFmtId="{format_id}" formatCode="{_xml_attribute(code)}"/>'
            for code, format_id in self.custom_formats.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(self.custom_formats)}">{formats}</numFmts>'
            '<fonts count="2">'
            '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
            '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
            "</fonts>"
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFE9EEF6"/><bgColor indexed="64"/></patternFill></fill>'
            "</fills>"
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
            '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(self.xfs)}">{"".join(self.xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
            'defaultPivotStyle="PivotStyleLight16"/>'
            "</styleSheet>"
        )


def write_xlsx(
    target, *, sheet_name: str, columns: Sequence[ExportColumn], rows: Iterable, totals=None
) -> int:
    """Write ``rows`` to ``target`` (a path or binary file) as one sheet; returns the number of
    data rows written."""
    count = 0
    with XlsxExport(target, sheet_name=sheet_name, columns=columns) as export:
        for row in rows:
            export.write_row(row)
            count += 1
        if totals is not None:
            export.write_totals(totals)
    return count


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == OutKind.PERCENT and not isinstance(value, str):
        percent = (Decimal(str(value)) * 100).quantize(Decimal("0.01"))
        return f"{percent}%"
    if kind == OutKind.MONEY and not isinstance(value, str):
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    if isinstance(value, datetime.datetime):
        return _as_date(value).strftime("%Y-%m-%d %H:%M:%S")
    return escape_cell(_display(value))


def write_csv(target, columns: Sequence[ExportColumn], rows: Iterable, totals=None) -> int:
    """CSV with a UTF-8 BOM (Excel opens Chinese CSV correctly only with it) and the same
    formula escaping as the .xlsx writer. ``target``: a path or a binary file object."""
    opened = isinstance(target, str | Path)
    binary = open(target, "wb") if opened else target  # noqa: SIM115
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    getters = [_getter(column, index) for index, column in enumerate(columns)]
    count = 0
    try:
        writer = csv.writer(text)
        writer.writerow([escape_cell(str(column.header)) for column in columns])
        for row in rows:
            writer.writerow(
                [_csv_value(get(row), column.kind) for get, column in zip(getters, columns, strict=True)]
            )
            count += 1
        if totals is not None:
            writer.writerow(
                [_csv_value(value, column.kind) for value, column in zip(totals, columns, strict=False)]
            )
        text.flush()
    finally:
        text.detach()
        if opened:
            binary.close()
    return count
