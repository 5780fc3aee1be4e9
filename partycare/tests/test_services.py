"""Writes: bad input refused with the field named and nothing changed; the aid workflow's order
and four-eyes; campaigns and their coverage; pairing; the pioneer index."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beneficiaries.tests.factories import person
from core import clock
from org.models import Role
from org.tests.factories import UserFactory
from partycare import selectors, services
from partycare.models import (
    AidApplication,
    Campaign,
    CareCase,
    PartyMember,
    PioneerItem,
    PioneerScore,
)
from partycare.tests.factories import branch, member
from publicity.models import PublicNotice
from publicity.services import notice_close

D = datetime.date
TODAY = D(2026, 11, 25)


@pytest.fixture
def b(tree):
    return branch(division=tree.village)


@pytest.fixture
def second_staff(tree):
    return UserFactory(username="staff2", role=Role.TOWNSHIP_STAFF, division=tree.township)


def test_join_date_before_18th_birthday_is_refused(tree, users, b):
    p = person(village=tree.village, number="341226195209170016")  # born 1952-09-17
    staff = users[Role.TOWNSHIP_STAFF]
    with pytest.raises(ValidationError) as excinfo:
        services.member_enrol(user=staff, person=p, branch=b, joined_on=D(1970, 9, 16), today=TODAY)
    assert list(excinfo.value.message_dict) == ["joined_on"] and "1970-09-17" in excinfo.value.messages[0]
    assert PartyMember.objects.count() == 0
    m = services.member_enrol(
        user=staff, person=p, branch=b, joined_on=D(1970, 9, 17), today=TODAY, is_migrant=True
    )
    assert m.age_on(TODAY) == 74 and m.party_age_on(TODAY) == 56 and m.is_migrant
    with pytest.raises(ValidationError) as excinfo:
        services.member_enrol(user=staff, person=p, branch=b, joined_on=D(1980, 1, 1), today=TODAY)
    assert "person" in excinfo.value.message_dict  # one member per person


def test_member_enrol_roles_and_scope(tree, users, b):
    p = person(village=tree.village)
    with pytest.raises(PermissionDenied):
        services.member_enrol(user=users[Role.COUNTY_AUDITOR], person=p, branch=b, joined_on=D(2000, 1, 1))
    other = UserFactory(username="staff-t2", role=Role.TOWNSHIP_STAFF, division=tree.township2)
    with pytest.raises(ValidationError) as excinfo:
        services.member_enrol(user=other, person=p, branch=b, joined_on=D(2000, 1, 1))
    assert "branch" in excinfo.value.message_dict
    assert PartyMember.objects.count() == 0


def test_visit_in_the_future_is_refused(tree, users, b):
    m = member(branch=b)
    with pytest.raises(ValidationError) as excinfo:
        services.care_case_record(
            user=users[Role.VILLAGE_CADRE],
            member=m,
            kind="sick_visit",
            occurred_on=D(2026, 11, 26),
            visitors="张书记",
            money_given="100",
            today=TODAY,
        )
    assert list(excinfo.value.message_dict) == ["occurred_on"]
    assert CareCase.objects.count() == 0
    case = services.care_case_record(
        user=users[Role.VILLAGE_CADRE],
        member=m,
        kind="sick_visit",
        occurred_on=TODAY,
        visitors="张书记",
        money_given="100.5",
        goods="牛奶一箱",
        today=TODAY,
    )
    assert case.money == Decimal("100.50")


def test_cadre_records_only_in_own_village(tree, users):
    m = member(branch=branch(division=tree.village2))
    with pytest.raises(ValidationError) as excinfo:
        services.care_case_record(
            user=users[Role.VILLAGE_CADRE],
            member=m,
            kind="talk",
            occurred_on=TODAY,
            visitors="x",
            today=TODAY,
        )
    assert "member" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        services.care_case_record(
            user=users[Role.COUNTY_AUDITOR],
            member=m,
            kind="talk",
            occurred_on=TODAY,
            visitors="x",
            today=TODAY,
        )
    assert CareCase.objects.count() == 0


def _apply(users, m, amount="200", **extra):
    return services.aid_apply(
        user=users[Role.VILLAGE_CADRE],
        member=m,
        kind=extra.pop("kind", "one_off"),
        year=2026,
        amount=amount,
        cause=extra.pop("cause", "illness"),
        today=TODAY,
        **extra,
    )


def test_aid_above_cap_needs_a_reason(tree, users, b):
    m = member(branch=b)
    with pytest.raises(ValidationError) as excinfo:
        _apply(users, m, amount="800")
    assert list(excinfo.value.message_dict) == ["amount_reason"] and "500.00" in excinfo.value.messages[0]
    assert AidApplication.objects.count() == 0
    app = _apply(users, m, amount="800", amount_reason="房屋倒塌，全家无住处")
    assert app.amount == Decimal("800.00")


def test_old_member_allowance_rule_and_minimum(tree, users, b):
    young = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        _apply(users, young, kind="old_member_allowance")
    assert "member" in excinfo.value.message_dict
    old = member(branch=b, born=D(1940, 1, 1), joined_on=D(1970, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        _apply(users, old, kind="old_member_allowance", amount="150")
    assert "amount" in excinfo.value.message_dict
    _apply(users, old, kind="old_member_allowance")
    with pytest.raises(ValidationError) as excinfo:
        _apply(users, old, kind="old_member_allowance")
    assert "already" in excinfo.value.messages[0]
    assert AidApplication.objects.count() == 1


def test_aid_workflow_order_and_four_eyes(tree, users, b, second_staff):
    cadre, staff, leader = users[Role.VILLAGE_CADRE], users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    reviewer = users[Role.COUNTY_REVIEWER]
    app = _apply(users, member(branch=b))
    # out of order: no township check or county approval of a draft
    with pytest.raises(ValidationError) as excinfo:
        services.aid_township_check(user=leader, application=app)
    assert excinfo.value.error_dict["status"][0].code == "invalid_transition"
    with pytest.raises(ValidationError):
        services.aid_county_approve(user=reviewer, application=app)
    # approving your own step
    with pytest.raises(ValidationError) as excinfo:
        services.aid_branch_check(user=cadre, application=app)
    assert excinfo.value.error_list[0].code == "four_eyes"
    app = services.aid_branch_check(user=staff, application=app)
    # the notice starts when it is posted (the server's clock): post it ten days ago
    posted = clock.start_of_day(clock.today() - datetime.timedelta(days=10)) + datetime.timedelta(hours=9)
    with clock.travel(posted):
        with pytest.raises(ValidationError) as excinfo:  # staff checked the branch step: another posts
            services.aid_notice_post(user=staff, application=app)
        assert excinfo.value.error_list[0].code == "four_eyes"
        with pytest.raises(ValidationError) as excinfo:  # a notice stays up at least 7 full days
            services.aid_notice_post(
                user=second_staff, application=app, ends_on=clock.today() + datetime.timedelta(days=6)
            )
        assert "ends_on" in excinfo.value.message_dict
        assert (
            PublicNotice.objects.count() == 0
            and AidApplication.objects.get(pk=app.pk).status == "branch_checked"
        )
        app = services.aid_notice_post(user=second_staff, application=app)
    notice = PublicNotice.objects.get()
    assert app.notice_id == notice.pk and notice.kind == "aid" and notice.source == app
    with pytest.raises(ValidationError) as excinfo:  # period over but not closed as clear yet
        services.aid_township_check(user=leader, application=app)
    assert excinfo.value.error_dict["notice"][0].code == "notice_not_clear"
    notice_close(user=staff, notice=notice)
    app = services.aid_township_check(user=leader, application=app)
    # a county approval by a township user
    with pytest.raises(ValidationError) as excinfo:
        services.aid_county_approve(user=leader, application=app)
    assert list(excinfo.value.message_dict) == ["county_approved_by"]
    assert AidApplication.objects.get(pk=app.pk).status == "township_checked"
    with pytest.raises(PermissionDenied):
        services.aid_pay(user=users[Role.COUNTY_AUDITOR], application=app, paid_on=TODAY, today=TODAY)
    app = services.aid_county_approve(user=reviewer, application=app)
    with pytest.raises(ValidationError):
        services.aid_pay(user=staff, application=app, paid_on=D(2026, 11, 27), today=D(2026, 11, 26))
    app = services.aid_pay(
        user=staff, application=app, paid_on=D(2026, 11, 26), reference="农商行回单", today=D(2026, 11, 26)
    )
    assert app.status == "paid" and app.history.count() == 6
    actors = [
        app.prepared_by,
        app.branch_checked_by,
        app.notice_by,
        app.township_checked_by,
        app.county_approved_by,
        app.paid_by,
    ]
    assert all(a != b for a, b in itertools.pairwise(actors))


def test_aid_reject_needs_a_reason(tree, users, b):
    app = _apply(users, member(branch=b))
    with pytest.raises(ValidationError) as excinfo:
        services.aid_reject(user=users[Role.TOWNSHIP_LEADER], application=app, reason=" ")
    assert "rejection_reason" in excinfo.value.message_dict
    app = services.aid_reject(user=users[Role.TOWNSHIP_LEADER], application=app, reason="不符合条件")
    assert app.status == "rejected"


def test_campaign_from_the_due_list_and_coverage(tree, users):
    staff, cadre = users[Role.TOWNSHIP_STAFF], users[Role.VILLAGE_CADRE]
    b1, b2 = branch(division=tree.village), branch(division=tree.village2)
    far = branch(division=tree.village3)  # another township: not on this campaign
    visited_first = member(branch=b1, is_model_worker=True)
    member(branch=b1, is_in_hardship=True)
    member(branch=b1, born=D(1990, 1, 1), joined_on=D(2015, 1, 1))  # not a 四必访 group, under 70
    for _ in range(3):
        member(branch=b2, is_entrepreneur=True, born=D(1985, 1, 1), joined_on=D(2010, 1, 1))
    member(branch=far, is_model_worker=True)
    campaign = services.campaign_create(
        user=staff, township=tree.township, holiday="spring_festival", year=2027, today=TODAY
    )
    assert campaign.holiday_date == D(2027, 2, 6)
    coverage = selectors.campaign_coverage(user=staff, campaign=campaign)
    assert [(row["branch"].pk, row["visited"], row["due"]) for row in coverage["branches"]] == [
        (b1.pk, 0, 2),
        (b2.pk, 0, 3),
    ]
    services.care_case_record(
        user=cadre,
        member=visited_first,
        kind="holiday_visit",
        occurred_on=D(2027, 1, 20),
        visitors="村书记",
        money_given="300",
        goods="米油",
        today=D(2027, 1, 20),
    )
    coverage = selectors.campaign_coverage(user=staff, campaign=campaign)
    assert coverage["visited"] == 1 and coverage["due"] == 5 and str(coverage["rate"]) == "0.2000"
    assert coverage["branches"][0]["rate"] == Decimal("0.5000") and coverage["money"] == Decimal("300.00")
    # the cadre sees the campaign, but only their village's rows
    mine = selectors.campaign_coverage(
        user=cadre, campaign=selectors.campaign_get(user=cadre, pk=campaign.pk)
    )
    assert (mine["visited"], mine["due"]) == (1, 2)
    with pytest.raises(ValidationError):
        services.campaign_create(
            user=staff, township=tree.township, holiday="spring_festival", year=2027, today=TODAY
        )
    with pytest.raises(PermissionDenied):
        services.campaign_close(user=cadre, campaign=campaign)
    closed = services.campaign_close(user=staff, campaign=campaign)
    assert closed.status == Campaign.Status.CLOSED


def test_pairing_flags_no_contact_for_90_days(tree, users, b):
    staff = users[Role.TOWNSHIP_STAFF]
    helper = member(branch=b, is_entrepreneur=True)
    needy = member(branch=b, is_in_hardship=True)
    pairing = services.pairing_create(
        user=staff,
        helper_kind="member",
        helper_name="",
        helper_member=helper,
        member=needy,
        started_on=D(2026, 6, 1),
        today=TODAY,
    )
    assert pairing.helper_name == helper.person.name
    assert [p.pk for p in selectors.pairing_list(user=staff, today=TODAY, stale_only=True)] == [pairing.pk]
    services.pairing_contact_record(
        user=users[Role.VILLAGE_CADRE], pairing=pairing, occurred_on=D(2026, 8, 27), today=TODAY
    )
    assert [p.pk for p in selectors.pairing_list(user=staff, today=TODAY, stale_only=True)] == [
        pairing.pk
    ]  # 90 days ago
    services.pairing_contact_record(user=staff, pairing=pairing, occurred_on=D(2026, 8, 28), today=TODAY)
    assert list(selectors.pairing_list(user=staff, today=TODAY, stale_only=True)) == []
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_create(
            user=staff,
            helper_kind="cadre",
            helper_name="李明",
            member=needy,
            household=needy.person.household or object(),
            started_on=TODAY,
            today=TODAY,
        )
    assert "member" in excinfo.value.message_dict


def test_pioneer_index_from_records_and_entries_with_ranking(tree, users, b):
    staff = users[Role.TOWNSHIP_STAFF]
    first, second, third = (member(branch=b) for _ in range(3))
    training = PioneerItem.objects.create(
        division=tree.township,
        year=2026,
        section="base",
        name="参加学习",
        source="trainings",
        points_per_unit=Decimal("5"),
        max_points=Decimal("20"),
    )
    helping = PioneerItem.objects.create(
        division=tree.township,
        year=2026,
        section="bonus",
        name="带头服务群众",
        source="manual",
        points_per_unit=Decimal("2"),
        max_points=Decimal("10"),
    )
    for month in range(1, 6):
        services.training_record(
            user=staff,
            branch=b,
            held_on=D(2026, month, 1),
            topic="学习",
            attendees=[first, second],
            today=TODAY,
        )
    services.pioneer_entry_set(user=staff, item=helping, member=second, units="3")
    services.pioneer_entry_set(user=staff, item=helping, member=third, units="9")
    with pytest.raises(ValidationError):
        services.pioneer_entry_set(user=staff, item=training, member=third, units="1")
    assert services.pioneer_scores_compute(user=staff, township=tree.township, year=2026) == 3
    scores = {s.member_id: s for s in PioneerScore.objects.all()}
    assert scores[first.pk].total == Decimal("20.00")  # 5 trainings × 5, capped at 20
    assert scores[second.pk].total == Decimal("26.00") and scores[second.pk].rank_in_branch == 1
    assert scores[third.pk].total == Decimal("10.00") and scores[third.pk].rank_in_branch == 3
    assert services.pioneer_scores_compute(user=staff, township=tree.township, year=2026) == 3
    assert PioneerScore.objects.count() == 3
