"""Reading an import: the sheet opened with calamine, the header row checked, the rows counted
and then converted cell by cell into a ``ParsedSheet`` of rows and row errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import python_calamine
from django.utils.translation import gettext

from .cells import _display, column_letter, unescape_cell
from .errors import MAX_ERRORS, ExcelRefused, RowError, RowErrors, _refuse
from .parsing import PARSERS, _CellError, _choice_lookup, _parse_choice
from .safety import _check_file, _file_name, _open_binary
from .specs import Kind, SheetSpec

HEADER_SEARCH_ROWS = 10


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


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not unescape_cell(value).strip())


def _normalise_header(value: Any) -> str:
    return re.sub(r"\s+", "", _display(value)).replace("（", "(").replace("）", ")").replace("*", "")


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
    """The sheet's layout checked first (header row, merged cells, headers, row count: the file
    refused before anything is parsed), then every data row converted."""
    sheet = _open_sheet(handle, spec, shown)
    padded = _padder(sheet, len(spec.columns))
    head = _first_rows(sheet, padded, shown)
    _check_headers_in_row_1(head, spec)
    _check_no_merged_cells(sheet)
    problems = _header_problems(head[0], spec)
    if problems:
        raise ExcelRefused(problems, code="refused")
    _check_row_count(sheet, spec, shown)
    return _parse_rows(sheet, spec, padded)


def _padder(sheet, width: int) -> Callable[[list], list]:
    """A function that lines a raw row up with the spec's columns: calamine's iter_rows begins
    at row 1 but at the first column that holds data, and stops at the row's last value."""
    start = sheet.start
    offset = start[1] if start else 0

    def padded(raw: list) -> list:
        if offset:
            raw = [""] * offset + raw
        if len(raw) < width:
            raw = raw + [""] * (width - len(raw))
        return raw

    return padded


def _first_rows(sheet, padded: Callable[[list], list], shown: str) -> list[list]:
    """The first HEADER_SEARCH_ROWS rows, padded; refused when the sheet is empty."""
    head = []
    for raw in sheet.iter_rows():
        head.append(padded(raw))
        if len(head) == HEADER_SEARCH_ROWS:
            break
    if not head:
        _refuse(gettext("“%(name)s” is empty: row 1 must hold the headers."), name=shown)
    return head


def _check_headers_in_row_1(head: list[list], spec: SheetSpec) -> None:
    """The header row: row 1, and nowhere else. When row 1 is not it but a row below mostly
    matches, the file has a title row above the headers: say so."""
    width = len(spec.columns)
    expected = [_normalise_header(column.header) for column in spec.columns]
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


def _check_no_merged_cells(sheet) -> None:
    merged = sheet.merged_cell_ranges or []
    if merged:
        ranges = [f"{column_letter(a[1])}{a[0] + 1}:{column_letter(b[1])}{b[0] + 1}" for a, b in merged[:5]]
        _refuse(
            gettext(
                "The sheet has merged cells (%(ranges)s). Unmerge them and give every row its own values."
            ),
            ranges=", ".join(ranges) + ("…" if len(merged) > 5 else ""),
        )


def _data_rows(sheet):
    """(Excel row number, raw row) of every row below the headers that holds data."""
    number = 0
    for raw in sheet.iter_rows():
        number += 1
        # Fast path (C speed) for the empty rows a sheet may hold by the million.
        if number == 1 or raw.count("") == len(raw):
            continue
        if any(not (isinstance(value, str) and not value.strip()) for value in raw):
            yield number, raw


def _check_row_count(sheet, spec: SheetSpec, shown: str) -> None:
    """Pass 1: count the rows with data and refuse when there are too many (nothing parsed
    yet). Nothing is kept: pass 2 walks calamine's in-memory sheet again."""
    for count, _ in enumerate(_data_rows(sheet), 1):
        if count > spec.max_rows:
            _refuse(
                gettext(
                    "“%(name)s” has more than %(max)s rows of data; at most %(max)s can be imported at once. Split it into several files."
                ),
                name=shown,
                max=spec.max_rows,
            )


def _parse_rows(sheet, spec: SheetSpec, padded: Callable[[list], list]) -> ParsedSheet:
    """Pass 2: convert every cell by its kind. The hot loop of every import: one pass, the
    per-column lookups made once before it."""
    parsed = ParsedSheet()
    headers = [str(column.header) for column in spec.columns]
    letters = [column_letter(index) for index in range(len(spec.columns))]
    choice_tables = {
        index: _choice_lookup(column)
        for index, column in enumerate(spec.columns)
        if column.kind == Kind.CHOICE
    }
    required_message = gettext("This cell is required.")
    for number, raw in _data_rows(sheet):
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
