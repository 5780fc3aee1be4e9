"""Money and rates: Decimal in 元 with 2 places, rounded in one place (ROUND_HALF_UP).

Rates are computed, never stored; a rate over a zero denominator is ``None`` (shown as "—"),
not an exception.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TEN_THOUSAND = Decimal(10000)


def money(value) -> Decimal:
    """Round to the cent, half up. Floats are refused: they cannot carry money exactly."""
    if isinstance(value, float):
        raise TypeError("money() does not take floats; pass a Decimal, int or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value, *, field: str = "amount") -> Decimal:
    """A typed amount (str/int/Decimal) with at most 2 decimals, or ValidationError naming ``field``."""
    text = str(value).strip().replace(",", "") if value is not None else ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            {field: gettext("“%(value)s” is not an amount of money.") % {"value": value}}
        ) from None
    if not amount.is_finite():
        raise ValidationError({field: gettext("“%(value)s” is not an amount of money.") % {"value": value}})
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        raise ValidationError(
            {field: gettext("%(value)s has more than 2 decimal places.") % {"value": value}}
        )
    return amount.quantize(CENT)


def rate(numerator, denominator) -> Decimal | None:
    """numerator / denominator as a fraction with 4 decimals (0.8822 = 88.22%); None when the
    denominator is zero or missing."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def percent_display(value: Decimal | None) -> str:
    """0.8822 → "88.22%"; None → "—"."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"


def wan(value: Decimal | None) -> Decimal | None:
    """元 → 万元 with 2 places, for reports."""
    if value is None:
        return None
    return (Decimal(value) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)
