"""CSV exports: a UTF-8 BOM for Excel and the same formula escaping as the .xlsx writer."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from .cells import _as_date, _display, escape_cell
from .specs import ExportColumn, OutKind, _getter


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
