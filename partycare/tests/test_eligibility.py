"""Every care rule at its edges: the 70th birthday, party age 29 → 30, 29 February, the lunar
Spring Festival, the holiday windows, the yearly talk, 六必谈 and the training target."""

import datetime

import pytest

from org.models import Role
from partycare import eligibility, services
from partycare.models import AidApplication, CareCase, DueItem, PartyMember, TalkTrigger
from partycare.tests.factories import branch, member

D = datetime.date


@pytest.mark.parametrize(
    "year, expected",
    [(2024, D(2024, 2, 10)), (2025, D(2025, 1, 29)), (2026, D(2026, 2, 17)), (2027, D(2027, 2, 6))],
)
def test_spring_festival_from_the_lunar_calendar(year, expected):
    assert eligibility.spring_festival(year) == expected
    assert eligibility.holiday_date("spring_festival", year) == expected


@pytest.mark.parametrize(
    "start, day, years",
    [
        (D(1956, 5, 1), D(2026, 4, 30), 69),
        (D(1956, 5, 1), D(2026, 5, 1), 70),
        (D(1956, 2, 29), D(2026, 2, 28), 69),  # common year: the birthday is 1 March
        (D(1956, 2, 29), D(2026, 3, 1), 70),
        (D(1956, 2, 29), D(2024, 2, 29), 68),
        (D(1954, 3, 1), D(2024, 2, 29), 69),
        (D(1954, 2, 28), D(2024, 2, 29), 70),
        (D(2000, 1, 1), D(1999, 1, 1), 0),
    ],
)
def test_full_years_and_cutoff_agree(start, day, years):
    assert eligibility.full_years(start, day) == years
    if day < start:
        return
    cutoff = eligibility.anniversary_cutoff(day, years)
    assert (start <= cutoff) is True
    assert (start <= eligibility.anniversary_cutoff(day, years + 1)) is False


def _allowance_due(today):
    return set(eligibility.old_member_allowance_due(PartyMember.objects.all(), today=today))


def test_old_member_allowance_turns_due_on_the_70th_birthday(tree):
    b = branch(division=tree.village)
    m = member(branch=b, born=D(1956, 5, 1), joined_on=D(1980, 1, 1))
    assert m not in _allowance_due(D(2026, 4, 30))
    assert m in _allowance_due(D(2026, 5, 1))


def test_old_member_allowance_party_age_29_then_30(tree):
    b = branch(division=tree.village)
    m = member(branch=b, born=D(1940, 1, 1), joined_on=D(1996, 7, 1))
    assert m not in _allowance_due(D(2026, 6, 30))  # party age 29
    assert m in _allowance_due(D(2026, 7, 1))  # 30
    # party age counts from full membership when it is recorded
    PartyMember.objects.filter(pk=m.pk).update(full_member_on=D(1997, 7, 1))
    assert m not in _allowance_due(D(2026, 7, 1))
    assert m in _allowance_due(D(2027, 7, 1))


def test_old_member_allowance_born_on_29_february(tree):
    b = branch(division=tree.village)
    m = member(branch=b, born=D(1956, 2, 29), joined_on=D(1980, 1, 1))
    assert m not in _allowance_due(D(2026, 2, 28))
    assert m in _allowance_due(D(2026, 3, 1))
    leap = member(branch=b, born=D(1952, 2, 29), joined_on=D(1980, 1, 1), name="闰年生")
    assert leap not in _allowance_due(D(2022, 2, 28))
    assert leap in _allowance_due(D(2022, 3, 1))
    assert leap in _allowance_due(D(2024, 2, 29))  # 72 by then; stays due


def test_old_member_allowance_exclusions(tree, users):
    b = branch(division=tree.village)
    today = D(2026, 11, 25)
    fixed = member(branch=b, born=D(1940, 1, 1), joined_on=D(1970, 1, 1), has_fixed_allowance=True)
    probation = member(branch=b, born=D(1940, 1, 1), joined_on=D(1970, 1, 1), status="probationary")
    gone = member(
        branch=b, born=D(1940, 1, 1), joined_on=D(1970, 1, 1), status="transferred_out", status_on=today
    )
    applied = member(branch=b, born=D(1940, 1, 1), joined_on=D(1970, 1, 1))
    due = _allowance_due(today)
    assert {fixed, probation, gone}.isdisjoint(due) and applied in due
    app = services.aid_apply(
        user=users[Role.TOWNSHIP_STAFF],
        member=applied,
        kind="old_member_allowance",
        year=2026,
        amount="200",
        today=today,
    )
    assert applied not in _allowance_due(today)
    AidApplication.objects.filter(pk=app.pk).update(status="rejected")
    assert applied in _allowance_due(today)  # a rejected application does not count


@pytest.mark.parametrize(
    "today, keys",
    [
        (D(2026, 1, 17), []),  # 31 days before the 2026 Spring Festival (2026-02-17)
        (D(2026, 1, 18), ["spring_festival-2026"]),
        (D(2026, 2, 17), ["spring_festival-2026"]),
        (D(2026, 2, 18), []),
        (D(2026, 6, 1), ["july_first-2026"]),
        (D(2026, 9, 5), ["national_day-2026"]),
        (D(2026, 12, 31), []),  # 2027 Spring Festival is 2027-02-06: window opens 2027-01-07
        (D(2027, 1, 7), ["spring_festival-2027"]),
        (D(2024, 1, 11), ["spring_festival-2024"]),
        (D(2025, 1, 1), ["spring_festival-2025"]),
    ],
)
def test_holiday_windows(today, keys):
    assert [o.key for o in eligibility.upcoming_occasions(today)] == keys


def test_four_must_visit_groups_and_old_members(tree, users):
    b = branch(division=tree.village)
    plain = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1), name="普通")
    worker = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1), is_model_worker=True, name="劳模")
    cadre = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1), is_retired_village_cadre=True)
    poor = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1), is_in_hardship=True)
    boss = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1), is_entrepreneur=True)
    old = member(branch=b, born=D(1956, 6, 1), joined_on=D(1990, 1, 1))
    today = D(2026, 6, 1)
    occasion = eligibility.upcoming_occasions(today)[0]
    due = set(eligibility.holiday_visit_due(PartyMember.objects.all(), occasion=occasion, today=today))
    assert due == {worker, cadre, poor, boss, old} and plain not in due
    services.care_case_record(
        user=users[Role.VILLAGE_CADRE],
        member=worker,
        kind="holiday_visit",
        occurred_on=D(2026, 6, 1),
        visitors="李书记",
        today=today,
    )
    due = set(eligibility.holiday_visit_due(PartyMember.objects.all(), occasion=occasion, today=today))
    assert worker not in due
    assert eligibility.holiday_visit_reasons(old, today=today) == ["aged 70 and over"]


def test_yearly_talk_and_trigger_talk(tree, users):
    cadre = users[Role.VILLAGE_CADRE]
    b = branch(division=tree.village)
    m = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1))
    today = D(2026, 3, 1)
    members = PartyMember.objects.all()
    assert m in set(eligibility.yearly_talk_due(members, today=today))
    services.care_case_record(
        user=cadre, member=m, kind="talk", occurred_on=D(2026, 1, 5), visitors="支书", today=today
    )
    assert m not in set(eligibility.yearly_talk_due(members, today=today))
    assert m in set(eligibility.yearly_talk_due(members, today=D(2027, 1, 1)))  # a new year

    trigger = services.talk_trigger_record(
        user=cadre, member=m, kind="setback", occurred_on=D(2026, 2, 10), today=today
    )
    services.due_items_refresh(today=today)
    item = DueItem.objects.get(item="trigger_talk")
    assert item.due_by == D(2026, 3, 12) and not item.is_overdue and "setback" in item.rule
    services.due_items_refresh(today=D(2026, 3, 13))
    assert DueItem.objects.get(item="trigger_talk").is_overdue
    # a talk before the event does not answer it; one on or after it does
    assert list(eligibility.trigger_talks_due(members, today=today)) == [trigger]
    services.care_case_record(
        user=cadre, member=m, kind="talk", occurred_on=D(2026, 2, 20), visitors="支书", today=today
    )
    assert list(eligibility.trigger_talks_due(members, today=today)) == []
    assert TalkTrigger.objects.count() == 1


def test_training_target_for_able_members(tree, users):
    b = branch(division=tree.village)
    able = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1))
    frail = member(branch=b, born=D(1935, 1, 1), joined_on=D(1960, 1, 1), is_housebound=True)
    today = D(2026, 11, 1)
    for month in (1, 2, 3):
        services.training_record(
            user=users[Role.TOWNSHIP_STAFF],
            branch=b,
            held_on=D(2026, month, 5),
            topic="三会一课",
            attendees=[able],
            today=today,
        )
    short = {
        m: m.trainings_this_year for m in eligibility.training_short(PartyMember.objects.all(), today=today)
    }
    assert short == {able: 3}
    services.training_record(
        user=users[Role.TOWNSHIP_STAFF],
        branch=b,
        held_on=D(2026, 4, 5),
        topic="远程教育",
        attendees=[able, frail],
        today=today,
    )
    assert list(eligibility.training_short(PartyMember.objects.all(), today=today)) == []
    assert frail.pk  # housebound members are never counted short


def test_due_list_refresh_is_idempotent_and_names_the_rule(tree):
    b = branch(division=tree.village)
    member(branch=b, born=D(1950, 1, 1), joined_on=D(1975, 1, 1), is_model_worker=True)
    today = D(2026, 6, 15)
    first = services.due_items_refresh(today=today)
    assert services.due_items_refresh(today=today) == first == DueItem.objects.count()
    items = {d.item: d for d in DueItem.objects.all()}
    assert set(items) == {"old_member_allowance", "holiday_visit", "yearly_talk", "training"}
    assert "model worker" in items["holiday_visit"].rule and "aged 70" in items["holiday_visit"].rule
    assert items["holiday_visit"].due_by == D(2026, 7, 1)
    assert CareCase.objects.count() == 0
