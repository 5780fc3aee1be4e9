"""One cell of an import converted to its column's kind (text, whole number, amount, quantity,
date, month, choice), or a ``_CellError`` saying why it cannot be."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from .cells import _display, unescape_cell
from .specs import Column, Kind

MONEY_LIMIT = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)
QUANTITY_LIMIT = Decimal(10) ** 10  # DecimalField(max_digits=14, decimal_places=4)


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
