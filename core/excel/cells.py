"""Cells as both directions see them: formula-injection escaping (exports escape, the reader
unescapes), column letters, how a raw value is shown in a message, and datetimes made local
and naive for a spreadsheet."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

# Text starting with one of these is run as a formula (or DDE) by Excel, WPS and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def _as_date(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    return value
