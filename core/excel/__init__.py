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

The package, by topic: ``specs`` (what an import or export looks like), ``errors`` (what goes
wrong), ``cells`` (escaping, column letters, showing a value), ``safety`` (file checks before
parsing), ``parsing`` (one cell to its kind), ``reader``, ``templates``, ``xlsx_writer``,
``csv_writer``. Callers import from ``core.excel`` itself.
"""

from .cells import FORMULA_STARTS, column_letter, escape_cell, needs_escape, unescape_cell
from .csv_writer import write_csv
from .errors import MAX_ERRORS, ExcelRefused, RowError, RowErrors
from .parsing import (
    COMPACT_DATE,
    COMPACT_MONTH,
    DATE_PATTERN,
    MONEY_LIMIT,
    MONTH_PATTERN,
    PARSERS,
    QUANTITY_LIMIT,
)
from .reader import HEADER_SEARCH_ROWS, ParsedSheet, read_xlsx
from .safety import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    MAX_COMPRESSION_RATIO,
    OLE_MAGIC,
    XLSX_MAGIC,
    check_xlsx_file,
)
from .specs import NUMBER_FORMATS, Column, ExportColumn, Kind, OutKind, SheetSpec, kind_label
from .templates import template_xlsx
from .xlsx_writer import MAX_CELL_CHARACTERS, XLSX_CONTENT_TYPE, XlsxExport, write_xlsx

__all__ = [
    "COMPACT_DATE",
    "COMPACT_MONTH",
    "DATE_PATTERN",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "FORMULA_STARTS",
    "HEADER_SEARCH_ROWS",
    "MAX_CELL_CHARACTERS",
    "MAX_COMPRESSION_RATIO",
    "MAX_ERRORS",
    "MONEY_LIMIT",
    "MONTH_PATTERN",
    "NUMBER_FORMATS",
    "OLE_MAGIC",
    "PARSERS",
    "QUANTITY_LIMIT",
    "XLSX_CONTENT_TYPE",
    "XLSX_MAGIC",
    "Column",
    "ExcelRefused",
    "ExportColumn",
    "Kind",
    "OutKind",
    "ParsedSheet",
    "RowError",
    "RowErrors",
    "SheetSpec",
    "XlsxExport",
    "check_xlsx_file",
    "column_letter",
    "escape_cell",
    "kind_label",
    "needs_escape",
    "read_xlsx",
    "template_xlsx",
    "unescape_cell",
    "write_csv",
    "write_xlsx",
]
