"""The care rules (暖心工程), with the date passed in (``today``, Asia/Shanghai) so tests fix it.

Ages and party ages are whole years (``partycare.ages``, re-exported here): a 29 February start
falls on 1 March in a common year; in SQL the rule is a cutoff, ``anniversary_cutoff(today, N)``.

Rules (each gives the item, the rule text shown to officers, and the date it is due by):
- old-member allowance: age ≥ 70, party age ≥ 30, living, full member, no fixed allowance or
  income, and no allowance application this year (rejected ones do not count);
- holiday visit (四必访 + old members): in the 30 days up to 七一, 十一 and the Spring Festival
  (lunar 1/1 from ``lunardate``), every active member who is a model worker / commended,
  a former grassroots cadre or retired village cadre, in hardship, an entrepreneur model, or
  aged 70 and over, and has had no holiday visit in that window;
- yearly talk: every active member without a talk this calendar year (due by 31 December);
- talk after a 六必谈 event: due within 30 days of the event until a talk on or after it;
- trainings: active members able to attend with fewer than 4 trainings this year.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate

from beneficiaries.models import Person
from partycare.ages import add_years, anniversary_cutoff, full_years  # noqa: F401 (callers read add_years here)
from partycare.models import AidApplication, Campaign, CareCase, DueItem, PartyMember, TalkTrigger

OLD_MEMBER_AGE = 70
OLD_MEMBER_PARTY_AGE = 30
HOLIDAY_WINDOW_DAYS = 30
TRIGGER_TALK_DAYS = 30
TRAININGS_PER_YEAR = 4
MIN_JOIN_AGE = 18

FOUR_MUST_VISIT = {
    "is_model_worker": _("model worker or commended"),
    "is_former_cadre": _("former grassroots cadre"),
    "is_retired_village_cadre": _("retired village cadre"),
    "is_in_hardship": _("in hardship"),
    "is_entrepreneur": _("entrepreneur model"),
}


def spring_festival(year: int) -> datetime.date:
    return LunarDate(year, 1, 1).to_solar_date()


def holiday_date(holiday: str, year: int) -> datetime.date:
    if holiday == "july_first":
        return datetime.date(year, 7, 1)
    if holiday == "national_day":
        return datetime.date(year, 10, 1)
    if holiday == "spring_festival":
        return spring_festival(year)
    raise ValueError(holiday)


HOLIDAYS = ("spring_festival", "july_first", "national_day")


@dataclass(frozen=True)
class Occasion:
    holiday: str
    year: int
    date: datetime.date

    @property
    def window_start(self) -> datetime.date:
        return self.date - datetime.timedelta(days=HOLIDAY_WINDOW_DAYS)

    @property
    def key(self) -> str:
        return f"{self.holiday}-{self.year}"


def upcoming_occasions(today: datetime.date, *, window: int = HOLIDAY_WINDOW_DAYS) -> list[Occasion]:
    """The holidays whose visiting window (the ``window`` days up to and including the holiday)
    contains ``today``."""
    found = []
    for holiday in HOLIDAYS:
        for year in (today.year, today.year + 1):
            date = holiday_date(holiday, year)
            if 0 <= (date - today).days <= window:
                found.append(Occasion(holiday, year, date))
    return sorted(found, key=lambda o: o.date)


# --- Rules as querysets over PartyMember -----------------------------------------------------


def active_members(queryset):
    return queryset.filter(status__in=PartyMember.ACTIVE_STATUSES, person__status=Person.Status.LIVING)


def aged_at_least(queryset, *, years: int, today: datetime.date):
    return queryset.filter(person__birth_date__lte=anniversary_cutoff(today, years))


def party_age_at_least(queryset, *, years: int, today: datetime.date):
    return queryset.annotate(_party_from=Coalesce("full_member_on", "joined_on")).filter(
        _party_from__lte=anniversary_cutoff(today, years)
    )


def old_member_allowance_due(queryset, *, today: datetime.date):
    members = active_members(queryset).filter(status=PartyMember.Status.FULL, has_fixed_allowance=False)
    members = party_age_at_least(
        aged_at_least(members, years=OLD_MEMBER_AGE, today=today), years=OLD_MEMBER_PARTY_AGE, today=today
    )
    applied = AidApplication.objects.filter(
        member=OuterRef("pk"), kind=AidApplication.Kind.OLD_MEMBER_ALLOWANCE, year=today.year
    ).exclude(status=AidApplication.Status.REJECTED)
    return members.filter(~Exists(applied))


def holiday_visit_groups_q(*, today: datetime.date) -> Q:
    groups = Q()
    for field in FOUR_MUST_VISIT:
        groups |= Q(**{field: True})
    return groups | Q(person__birth_date__lte=anniversary_cutoff(today, OLD_MEMBER_AGE))


def holiday_visit_due(queryset, *, occasion: Occasion, today: datetime.date):
    visited = CareCase.objects.filter(
        member=OuterRef("pk"),
        kind=CareCase.Kind.HOLIDAY_VISIT,
        occurred_on__gte=occasion.window_start,
        occurred_on__lte=occasion.date,
    )
    return active_members(queryset).filter(holiday_visit_groups_q(today=today)).filter(~Exists(visited))


def holiday_visit_reasons(member, *, today: datetime.date) -> list[str]:
    reasons = [str(label) for field, label in FOUR_MUST_VISIT.items() if getattr(member, field)]
    if full_years(member.person.birth_date, today) >= OLD_MEMBER_AGE:
        reasons.append(gettext("aged %(age)d and over") % {"age": OLD_MEMBER_AGE})
    return reasons


def yearly_talk_due(queryset, *, today: datetime.date):
    talked = CareCase.objects.filter(
        member=OuterRef("pk"), kind=CareCase.Kind.TALK, occurred_on__year=today.year
    )
    return active_members(queryset).filter(~Exists(talked))


def trigger_talks_due(queryset, *, today: datetime.date):
    """Open 六必谈 events: (trigger, deadline) for the members of ``queryset``."""
    answered = CareCase.objects.filter(
        member=OuterRef("member"), kind=CareCase.Kind.TALK, occurred_on__gte=OuterRef("occurred_on")
    )
    return (
        TalkTrigger.objects.filter(member__in=active_members(queryset), occurred_on__lte=today)
        .filter(~Exists(answered))
        .select_related("member")
    )


def training_short(queryset, *, today: datetime.date):
    return (
        active_members(queryset)
        .filter(is_housebound=False)
        .annotate(
            trainings_this_year=Count(
                "attendance", filter=Q(attendance__training__held_on__year=today.year), distinct=True
            )
        )
        .filter(trainings_this_year__lt=TRAININGS_PER_YEAR)
    )


def compute_due(queryset, *, today: datetime.date) -> list:
    """Every due item of the members in ``queryset`` on ``today`` (unsaved DueItem rows): the
    old-member allowance, holiday visits, yearly talks, talks after an event, trainings."""
    return [
        *_allowance_items(queryset, today=today),
        *_holiday_visit_items(queryset, today=today),
        *_yearly_talk_items(queryset, today=today),
        *_trigger_talk_items(queryset, today=today),
        *_training_items(queryset, today=today),
    ]


def _year_end(today: datetime.date) -> datetime.date:
    return datetime.date(today.year, 12, 31)


def _allowance_items(queryset, *, today: datetime.date) -> list:
    rule = gettext(
        "age ≥ %(age)d, party age ≥ %(party_age)d, no fixed allowance: old-member allowance %(year)d"
    ) % {"age": OLD_MEMBER_AGE, "party_age": OLD_MEMBER_PARTY_AGE, "year": today.year}
    return [
        DueItem(
            member_id=member_id,
            item=DueItem.Item.OLD_MEMBER_ALLOWANCE,
            key=str(today.year),
            rule=rule,
            due_by=_year_end(today),
            computed_on=today,
        )
        for member_id in old_member_allowance_due(queryset, today=today).values_list("pk", flat=True)
    ]


def _holiday_visit_items(queryset, *, today: datetime.date) -> list:
    labels = dict(Campaign.Holiday.choices)
    items = []
    for occasion in upcoming_occasions(today):
        due = holiday_visit_due(queryset, occasion=occasion, today=today).select_related("person")
        for member in due.only("pk", "person__birth_date", *FOUR_MUST_VISIT):
            reasons = "、".join(holiday_visit_reasons(member, today=today))
            items.append(
                DueItem(
                    member_id=member.pk,
                    item=DueItem.Item.HOLIDAY_VISIT,
                    key=occasion.key,
                    rule=gettext("四必访 before %(holiday)s %(date)s: %(reasons)s")
                    % {
                        "holiday": labels[occasion.holiday],
                        "date": occasion.date.isoformat(),
                        "reasons": reasons,
                    },
                    due_by=occasion.date,
                    computed_on=today,
                )
            )
    return items


def _yearly_talk_items(queryset, *, today: datetime.date) -> list:
    rule = gettext("at least one talk a year with every member")
    return [
        DueItem(
            member_id=member_id,
            item=DueItem.Item.YEARLY_TALK,
            key=str(today.year),
            rule=rule,
            due_by=_year_end(today),
            computed_on=today,
        )
        for member_id in yearly_talk_due(queryset, today=today).values_list("pk", flat=True)
    ]


def _trigger_talk_items(queryset, *, today: datetime.date) -> list:
    return [
        DueItem(
            member_id=trigger.member_id,
            item=DueItem.Item.TRIGGER_TALK,
            key=f"trigger-{trigger.pk}",
            rule=gettext("六必谈: %(kind)s on %(date)s, talk within %(days)d days")
            % {
                "kind": trigger.get_kind_display(),
                "date": trigger.occurred_on.isoformat(),
                "days": TRIGGER_TALK_DAYS,
            },
            due_by=trigger.occurred_on + datetime.timedelta(days=TRIGGER_TALK_DAYS),
            computed_on=today,
        )
        for trigger in trigger_talks_due(queryset, today=today)
    ]


def _training_items(queryset, *, today: datetime.date) -> list:
    return [
        DueItem(
            member_id=member_id,
            item=DueItem.Item.TRAINING,
            key=str(today.year),
            rule=gettext("%(count)d of %(target)d trainings this year")
            % {"count": count, "target": TRAININGS_PER_YEAR},
            due_by=_year_end(today),
            computed_on=today,
        )
        for member_id, count in training_short(queryset, today=today).values_list("pk", "trainings_this_year")
    ]
