from django import template

register = template.Library()


@register.filter
def age_on(member, day):
    return member.age_on(day)


@register.filter
def party_age_on(member, day):
    return member.party_age_on(day)
