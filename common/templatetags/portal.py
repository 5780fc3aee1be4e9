from django import template

from common.masking import mask_bank_card, mask_id_number, mask_name
from common.money import percent_display

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
