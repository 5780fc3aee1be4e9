"""三榜公示 rounds follow each other (issue 15): the township review list is posted only after
the village list closed with no objection, the final list only after the township review list;
the enrolment is approved only once every round ran its whole period in order."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaries import services
from beneficiaries.models import Enrolment
from beneficiaries.tests.factories import person
from core import clock
from org.models import Role
from projects.tests.factories import ProjectFactory
from publicity import services as publicity
from publicity.models import PublicNotice
from publicity.tests.factories import NoticeFactory

TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="农村五保供养", code="FIVE")


@pytest.fixture
def enrolment(tree, users, project):
    e = services.enrolment_create(
        user=users[Role.VILLAGE_CADRE], project=project, person=person(village=tree.village), today=TODAY
    )
    return services.enrolment_review(user=users[Role.VILLAGE_CADRE], enrolment=e)


def _at(ago, hour=9):
    return clock.start_of_day(clock.today() - datetime.timedelta(days=ago)) + datetime.timedelta(hours=hour)


def _post(user, project, division, round, enrolments, *, at, **extra):
    with clock.travel(at):
        return services.enrolment_notice_post(
            user=user, project=project, division=division, round=round, enrolments=enrolments, **extra
        )


def test_the_service_takes_no_typed_start(tree, users, project, enrolment):
    with pytest.raises(TypeError):
        services.enrolment_notice_post(
            user=users[Role.TOWNSHIP_STAFF],
            project=project,
            division=tree.village,
            round="village",
            enrolments=[enrolment],
            starts_on=TODAY - datetime.timedelta(days=30),
        )
    assert not PublicNotice.objects.exists()


def test_a_round_waits_for_the_previous_one_to_close_clear(tree, users, project, enrolment):
    staff = users[Role.TOWNSHIP_STAFF]
    # the second round before the first was posted
    with pytest.raises(ValidationError, match=r"village list \(first round\) has not been posted"):
        _post(staff, project, tree.township, "township", [enrolment], at=_at(40))
    village = _post(staff, project, tree.village, "village", [enrolment], at=_at(40))
    # all three at once, as in the defect: the second is refused while the first is open
    for round in ("township", "final"):
        with pytest.raises(ValidationError) as excinfo:
            _post(staff, project, tree.township, round, [enrolment], at=_at(40, hour=10))
        assert "cannot go on the" in excinfo.value.messages[0]
    # still open the day before its period ends: refused, with the date it may close
    with pytest.raises(ValidationError, match=village.closable_on.isoformat()):
        _post(staff, project, tree.township, "township", [enrolment], at=_at(33))
    # over but not closed yet: still refused
    with pytest.raises(ValidationError, match="has not been closed"):
        _post(staff, project, tree.township, "township", [enrolment], at=_at(31))
    with clock.travel(_at(31)):
        publicity.notice_close(user=staff, notice=village)
    township = _post(staff, project, tree.township, "township", [enrolment], at=_at(31, hour=10))
    assert Enrolment.objects.get(pk=enrolment.pk).township_notice == township
    with pytest.raises(ValidationError, match="township review list"):  # the final list waits for it
        _post(staff, project, tree.township, "final", [enrolment], at=_at(30))
    assert PublicNotice.objects.count() == 2


def test_an_upheld_or_withdrawn_previous_round_never_lets_the_next_one_through(
    tree, users, project, enrolment
):
    staff = users[Role.TOWNSHIP_STAFF]
    village = _post(staff, project, tree.village, "village", [enrolment], at=_at(40))
    with clock.travel(_at(39)):
        objection = publicity.objection_record(
            user=staff, notice=village, channel="visit", name="", contact="村民", text="家中有经营性货车。"
        )
        publicity.objection_answer(user=staff, objection=objection, answer="属实。", outcome="upheld")
    with clock.travel(_at(31)):
        publicity.notice_close(user=staff, notice=village, upheld=True)
    with pytest.raises(ValidationError, match="upheld"):
        _post(staff, project, tree.township, "township", [enrolment], at=_at(30))


def test_approval_waits_for_the_final_round_to_close(tree, users, project, enrolment):
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    village = _post(staff, project, tree.village, "village", [enrolment], at=_at(40))
    e = services.enrolment_put_on_notice(user=staff, enrolment=enrolment)
    with clock.travel(_at(32)):
        publicity.notice_close(user=staff, notice=village)
    township = _post(staff, project, tree.township, "township", [e], at=_at(32, hour=10))
    with clock.travel(_at(24)):
        publicity.notice_close(user=staff, notice=township)
    final = _post(staff, project, tree.township, "final", [e], at=_at(24, hour=10))
    with clock.travel(_at(17)), pytest.raises(ValidationError, match="final list"):  # its last day
        services.enrolment_approve(user=leader, enrolment=e)
    with clock.travel(_at(16, hour=0)):
        publicity.notice_close(user=staff, notice=final)
        e = services.enrolment_approve(user=leader, enrolment=e)
    assert e.status == Enrolment.Status.APPROVED and e.approved_on == clock.today() - datetime.timedelta(
        days=16
    )


def test_rounds_posted_at_once_before_the_fix_do_not_clear_the_enrolment(tree, users, project, enrolment):
    """Rows written the old way: each round dated in the past, all posted the same minute and
    closed minutes later. The approval is refused, saying why."""
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    posted = _at(0, hour=9)
    rounds = {}
    for offset, (round, division) in enumerate(
        (("village", tree.village), ("township", tree.township), ("final", tree.township))
    ):
        rounds[round] = NoticeFactory(
            division=division,
            posted_by=staff,
            starts_on=clock.today() - datetime.timedelta(days=60 - 20 * offset),
            posted_at=posted,
            status=PublicNotice.Status.CLOSED_CLEAR,
            closed_at=posted + datetime.timedelta(minutes=5),
        )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.NOTICE,
        village_notice=rounds["village"],
        township_notice=rounds["township"],
        final_notice=rounds["final"],
    )
    with pytest.raises(ValidationError, match="does not count"):
        services.enrolment_approve(user=leader, enrolment=Enrolment.objects.get(pk=enrolment.pk))


def test_rounds_in_the_wrong_order_do_not_clear_the_enrolment(tree, users, project, enrolment):
    """Each round ran its full window, but the second was posted before the first closed."""
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    rounds = {}
    for offset, (round, division) in enumerate(
        (("village", tree.village), ("township", tree.township), ("final", tree.township))
    ):
        starts = clock.today() - datetime.timedelta(days=40 - 3 * offset)
        rounds[round] = NoticeFactory(
            division=division,
            posted_by=staff,
            starts_on=starts,
            status=PublicNotice.Status.CLOSED_CLEAR,
            closed_at=clock.start_of_day(starts + datetime.timedelta(days=9)),
        )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.NOTICE,
        village_notice=rounds["village"],
        township_notice=rounds["township"],
        final_notice=rounds["final"],
    )
    with pytest.raises(ValidationError, match="before the previous round closed"):
        services.enrolment_approve(user=leader, enrolment=Enrolment.objects.get(pk=enrolment.pk))


def test_the_notice_page_offers_a_round_only_when_the_previous_one_closed(
    client, tree, users, project, enrolment
):
    staff = users[Role.TOWNSHIP_STAFF]
    _post(staff, project, tree.village, "village", [enrolment], at=_at(2))
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    from django.urls import reverse

    response = client.post(
        reverse("beneficiaries:notice-list"),
        {"project": project.pk, "division": tree.township.pk, "round": "township"},
        follow=True,
    )
    assert any("previous round" in str(m) for m in response.context["messages"])
    assert PublicNotice.objects.count() == 1
