"""The declarative specs: an import's columns and their kinds (``SheetSpec``, ``Column``,
``Kind``) and an export's columns (``ExportColumn``, ``OutKind``) with where a row's cell
comes from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from .cells import column_letter
from .errors import RowError


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
