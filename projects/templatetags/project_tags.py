from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value):
    """An amount with thousands separators and 2 decimals (1234567.8 → "1,234,567.80"); "—" for None.
    The same in every language: official tables in Chinese use the comma too."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
