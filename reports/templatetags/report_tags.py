"""Formatting of snapshot cells (JSON text) by their column kind."""

from decimal import Decimal, InvalidOperation

from django import template

from core.money import percent_display

register = template.Library()


def format_cell(value, kind: str) -> str:
    if value is None or value == "":
        return "—" if kind in {"percent", "money", "quantity"} else ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if kind == "percent":
        return percent_display(number)
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "quantity":
        return f"{number.normalize():,f}" if number == number.to_integral() else f"{number:,.2f}"
    if kind == "integer":
        return f"{int(number):,}"
    return str(value)


@register.filter
def cell(row, column):
    """{{ row|cell:column }}: the row's value for a snapshot column, formatted by its kind."""
    return format_cell(row.get(column["key"]) if row else None, column.get("kind", "text"))


@register.filter
def rate_text(value):
    """A rate stored as text ("0.8822") as "88.22%"; "—" when undefined."""
    return format_cell(value, "percent")


@register.filter
def is_numeric(column):
    return column.get("kind") in {"money", "quantity", "percent", "integer"}


@register.filter
def cell_money(value):
    return format_cell(value, "money")


@register.filter
def cell_quantity(value):
    return format_cell(value, "quantity")


CN_NUMBERS = "一二三四五六七八九十"


@register.filter
def cn_number(value):
    """1 → 一 … 10 → 十 (the headings of an official summary)."""
    try:
        return CN_NUMBERS[int(value) - 1]
    except (ValueError, IndexError):
        return str(value)
