"""Masking of personal data wherever it leaves the office: lists, notices, the public site.

A masked ID number keeps the first four and the last four characters; the ten hidden digits
are the rest of the region code (known from the person's village) and the birth date. Shown
next to the full birth date it is rebuilt, so wherever an ID number is shown masked the birth
date is shown only as a year (``birth_year``) or an age, never as a date or a month and day.
Only a page that shows the number whole (the county auditor, logged) may show the date.

Residents' phone numbers (persons, households, objectors, survey respondents) are shown whole
only to the roles that call them in their work (``sees_whole_phone``); officials' work phones
(users, departments, supervisors, the hotline) are not personal data here and stay visible.
"""

import datetime

from org.roles import FIELD, has_role


def mask_id_number(value: str | None) -> str:
    """3412**********1234: the first 4 and last 4 characters, the rest starred."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_bank_card(value: str | None) -> str:
    """6228 **** **** 1234 style: the last 4 digits only, with the bank's first 4."""
    if not value:
        return ""
    value = str(value).replace(" ", "")
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*, 欧阳** : the surname character (two for known compound surnames) stays."""
    if not value:
        return ""
    value = str(value).strip()
    if len(value) <= 1:
        return value
    keep = 2 if len(value) >= 3 and value[:2] in COMPOUND_SURNAMES else 1
    return value[:keep] + "*" * (len(value) - keep)


def mask_phone(value: str | None) -> str:
    """138****1234: the first 3 and last 4 digits."""
    if not value:
        return ""
    value = str(value)
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def birth_year(value: datetime.date | None) -> int | None:
    """The year of a birth date: what may stand beside a masked ID number."""
    return value.year if value else None


def mask_birth_date(value) -> str:
    """A birth date in a table typed by hand (1960-05-17, 1960年5月17日, 19600517): the year only."""
    text = str(value or "").strip()
    digits = "".join(ch for ch in text[:4] if ch.isdigit())
    return f"{digits}年" if len(digits) == 4 else ("*" * len(text))


def sees_whole_phone(user) -> bool:
    """Whether ``user`` sees residents' phone numbers whole: the field roles (org.roles.FIELD).

    They call residents as part of the work DESIGN.md gives them: township staff and leaders
    (callbacks 回访, objections, concerns) and village cadres (home visits) — each only inside
    their scope, which the scoped querysets already ensure. County reviewers accept reports and
    do not call residents; the county auditor sees a phone whole only where the page shows the
    ID number whole too, which is logged (AccessLog), so the check lives with that page."""
    return has_role(user, *FIELD)


def phone_for(user, value: str | None) -> str:
    """A resident's phone number as ``user`` may see it: whole for the callers, else masked."""
    return (value or "") if sees_whole_phone(user) else mask_phone(value)


COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
    }
)


class ResidentPhoneAdminMixin:
    """For a ModelAdmin or inline: the fields named in ``resident_phone_fields`` (residents'
    phones or contacts) are swapped for a masked, read-only copy for the roles that do not call
    residents (``sees_whole_phone``); the callers see and edit them as before."""

    resident_phone_fields: tuple[str, ...] = ("phone",)

    def _masked_name(self, name: str) -> str:
        return f"masked_{name}"

    def phone_whole(self, request) -> bool:
        return sees_whole_phone(request.user)

    def _swap(self, request, names):
        if self.phone_whole(request):
            return names
        return [self._masked_name(n) if n in self.resident_phone_fields else n for n in names]

    def __getattr__(self, name):
        # masked_<field> as an admin display method, for every field of resident_phone_fields.
        if name.startswith("masked_") and name[7:] in type(self).resident_phone_fields:
            field = name[7:]

            def display(obj):
                return mask_phone(getattr(obj, field, ""))

            display.short_description = self.model._meta.get_field(field).verbose_name
            return display
        raise AttributeError(name)

    def get_list_display(self, request):
        return self._swap(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return list(dict.fromkeys(self._swap(request, super().get_fields(request, obj))))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.phone_whole(request):
            return fields
        return [*self._swap(request, fields), *(self._masked_name(n) for n in self.resident_phone_fields)]
