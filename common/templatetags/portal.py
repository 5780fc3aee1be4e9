from django import template

from common.masking import birth_year, mask_bank_card, mask_id_number, mask_name, phone_for
from core.money import percent_display

register = template.Library()


@register.filter
def percent(value):
    """A rate fraction (0.8822) as "88.22%", or "—" when it has no denominator."""
    return percent_display(value)


@register.filter
def masked_id(value):
    return mask_id_number(value)


@register.filter
def masked_name(value):
    return mask_name(value)


@register.filter
def masked_card(value):
    return mask_bank_card(value)


@register.filter(name="birth_year")
def birth_year_filter(value):
    """A birth date as its year only: what may stand beside a masked ID number."""
    return birth_year(value) or "—"


@register.filter(name="phone_for")
def phone_for_filter(value, user):
    """A resident's phone as ``user`` may see it (common.masking.sees_whole_phone)."""
    return phone_for(user, value) or "—"
