"""The set-up pages (issue 6 gaps): branches, enrolment from the person registry, member edits,
trainings and pairings — through the services and the pages, with scope (outside → 404), the
roles (others 403, nothing written), refusals naming the field, and flat query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Household, Person
from beneficiaries.tests.factories import person
from core.idcard import make_id_number
from org.models import Role
from partycare import eligibility, services
from partycare.models import Branch, DueItem, Pairing, PartyMember, Training
from partycare.tests.factories import branch, member

D = datetime.date
TODAY = D(2026, 11, 25)


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """The pages answer in Chinese unless the language switch chose English (its cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- Branches --------------------------------------------------------------------------------


def test_branch_update_service_rules(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village, name="东庄村党支部")
    branch(division=tree.village, name="东庄村第二党支部")
    with pytest.raises(ValidationError) as excinfo:
        services.branch_update(user=staff, branch=b, name="东庄村第二党支部")
    assert list(excinfo.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as excinfo:  # another township's village
        services.branch_update(user=staff, branch=b, division=tree.village3)
    assert list(excinfo.value.message_dict) == ["division"]
    with pytest.raises(ValidationError) as excinfo:
        services.branch_update(user=staff, branch=b, division=tree.county)
    assert "division" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        services.branch_update(user=users[Role.VILLAGE_CADRE], branch=b, name="改名")
    outside = branch(division=tree.village3)
    with pytest.raises(ValidationError) as excinfo:
        services.branch_update(user=staff, branch=outside, name="改名")
    assert list(excinfo.value.message_dict) == ["branch"]
    b.refresh_from_db()
    assert (b.name, b.division) == ("东庄村党支部", tree.village)
    b = services.branch_update(
        user=staff, branch=b, name="东庄村党总支", kind="general_branch", secretary="李书记"
    )
    assert (b.name, b.kind, b.secretary) == ("东庄村党总支", "general_branch", "李书记")
    assert b.history.first().history_user == staff


def test_branch_pages_create_edit_and_scope(client, tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    client.force_login(staff)
    url = reverse("partycare:branch-list")
    response = client.post(
        url, {"division": tree.village.pk, "name": "东庄村党支部", "kind": "branch"}, follow=True
    )
    assert response.status_code == 200 and Branch.objects.filter(name="东庄村党支部").exists()
    # the same name again: the message names the field, nothing is added
    response = client.post(
        url, {"division": tree.village.pk, "name": "东庄村党支部", "kind": "branch"}, follow=True
    )
    assert "name:" in _messages(response) and Branch.objects.count() == 1
    # a division outside the area is not even a choice
    response = client.post(
        url, {"division": tree.village3.pk, "name": "南岗村党支部", "kind": "branch"}, follow=True
    )
    assert Branch.objects.count() == 1 and "Township or village" in _messages(response)
    b = Branch.objects.get()
    edit = reverse("partycare:branch-edit", args=[b.pk])
    response = client.post(
        edit, {"division": tree.village.pk, "name": "东庄村党支部", "kind": "branch", "secretary": "王五"}
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.secretary == "王五" and b.is_active is False  # the box was not ticked
    outside = branch(division=tree.village3)
    assert client.get(reverse("partycare:branch-edit", args=[outside.pk])).status_code == 404
    # the village cadre reads the list but neither creates nor edits
    client.force_login(users[Role.VILLAGE_CADRE])
    assert client.get(url).status_code == 200
    assert (
        client.post(url, {"division": tree.village.pk, "name": "新支部", "kind": "branch"}).status_code == 403
    )
    assert client.get(edit).status_code == 403
    assert Branch.objects.count() == 2


def test_branch_list_query_count_is_flat(client, tree, users, django_assert_num_queries):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    branch(division=tree.village)
    # session, user, user's division (scope), count, page of branches (division, parent, member count),
    # divisions for the form
    with django_assert_num_queries(6):
        client.get(reverse("partycare:branch-list"))
    for village in (tree.village, tree.village2):
        for _ in range(10):
            member(branch=branch(division=village))
    with django_assert_num_queries(6):
        client.get(reverse("partycare:branch-list"))


# --- Enrolment -------------------------------------------------------------------------------


def test_enrol_an_already_registered_person_keeps_one_person(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village)
    beneficiary = person(village=tree.village, name="李老汉", number="341226195209170016")
    m = services.member_enrol_person(
        user=staff,
        branch=b,
        id_number="341226195209170016",
        name="另一个名字",
        village=tree.village2,
        joined_on=D(1975, 7, 1),
        is_in_hardship=True,
        today=TODAY,
    )
    assert m.person == beneficiary and Person.objects.count() == 1 and m.is_in_hardship
    with pytest.raises(ValidationError) as excinfo:  # the same person a second time
        services.member_enrol_person(user=staff, branch=b, person=beneficiary, joined_on=D(1975, 7, 1))
    assert list(excinfo.value.message_dict) == ["person"]


def test_enrol_registers_a_new_person_and_rolls_back_on_refusal(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village)
    number = make_id_number(region="341226", birth_date=D(1990, 5, 20), sequence=12, sex="F")
    with pytest.raises(ValidationError) as excinfo:  # joined at 17: refused, and no person left behind
        services.member_enrol_person(
            user=staff, branch=b, id_number=number, name="周青", village=tree.village, joined_on=D(2008, 1, 1)
        )
    assert list(excinfo.value.message_dict) == ["joined_on"] and Person.objects.count() == 0
    with pytest.raises(ValidationError) as excinfo:  # a malformed ID number
        services.member_enrol_person(
            user=staff,
            branch=b,
            id_number="34122619900520001",
            name="周青",
            village=tree.village,
            joined_on=D(2015, 1, 1),
        )
    assert list(excinfo.value.message_dict) == ["id_number"]
    m = services.member_enrol_person(
        user=staff, branch=b, id_number=number, name="周青", village=tree.village, joined_on=D(2015, 1, 1)
    )
    assert m.person.name == "周青" and m.person.birth_date == D(1990, 5, 20) and m.age_on(TODAY) == 36


def test_enrol_refuses_a_person_registered_in_another_area(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    elsewhere = person(village=tree.village3, number="341226195209170016")
    with pytest.raises(ValidationError) as excinfo:
        services.member_enrol_person(
            user=staff,
            branch=branch(division=tree.village),
            id_number="341226195209170016",
            name="冒名",
            village=tree.village,
            joined_on=D(1975, 7, 1),
        )
    assert list(excinfo.value.message_dict) == ["id_number"]
    assert PartyMember.objects.count() == 0 and Person.objects.get() == elsewhere
    with pytest.raises(PermissionDenied):  # cadres record care; the township enrols
        services.member_enrol_person(
            user=users[Role.VILLAGE_CADRE],
            branch=branch(division=tree.village),
            id_number="341226195209170016",
            joined_on=D(1975, 7, 1),
        )


def test_enrol_page_finds_the_person_and_enrols(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    b = branch(division=tree.village)
    p = person(village=tree.village, name="赵大爷", number="341226195209170016")
    person(village=tree.village3, name="赵外乡", number="341226195309170013")
    url = reverse("partycare:member-enrol")
    page = client.get(url, {"q": "赵"})
    assert [m.pk for m in page.context["matches"]] == [p.pk]  # the other township's person is not found
    page = client.get(url, {"q": "341226195209170016"})
    assert [m.pk for m in page.context["matches"]] == [p.pk]
    response = client.post(
        f"{url}?person={p.pk}",
        {
            "person": p.pk,
            "branch": b.pk,
            "joined_on": "1960-07-01",
            "status": "full",
            "is_model_worker": "on",
        },
        follow=True,
    )
    assert "joined_on:" in _messages(response) and PartyMember.objects.count() == 0  # before 18
    response = client.post(
        f"{url}?person={p.pk}",
        {
            "person": p.pk,
            "branch": b.pk,
            "joined_on": "1975-07-01",
            "status": "full",
            "is_model_worker": "on",
        },
    )
    m = PartyMember.objects.get()
    assert response.status_code == 302 and m.person == p and m.is_model_worker and not m.is_migrant
    outside = person(
        village=tree.village3,
        name="外乡人",
        number=make_id_number(region="341226", birth_date=D(1960, 1, 1), sequence=7, sex="M"),
    )
    assert client.get(url, {"person": outside.pk}).status_code == 404
    client.force_login(users[Role.VILLAGE_CADRE])
    assert client.get(url).status_code == 403


# --- Member edits ----------------------------------------------------------------------------


def test_member_edit_page_flags_dates_and_status(client, tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b, b2 = branch(division=tree.village), branch(division=tree.village2)
    m = member(branch=b, born=D(1950, 3, 10), joined_on=D(1975, 7, 1))
    client.force_login(staff)
    url = reverse("partycare:member-edit", args=[m.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"form": "member", "branch": b2.pk, "joined_on": "1966-01-01", "is_chronically_ill": "on"},
        follow=True,
    )
    assert "joined_on:" in _messages(response)  # before the 18th birthday
    m.refresh_from_db()
    assert (m.branch, m.joined_on, m.is_chronically_ill) == (b, D(1975, 7, 1), False)
    response = client.post(
        url, {"form": "member", "branch": b2.pk, "joined_on": "1976-07-01", "is_chronically_ill": "on"}
    )
    m.refresh_from_db()
    assert response.status_code == 302 and (m.branch, m.joined_on, m.is_chronically_ill) == (
        b2,
        D(1976, 7, 1),
        True,
    )
    response = client.post(url, {"form": "status", "action": "transfer_out", "on": "2099-01-01"}, follow=True)
    assert "status_on:" in _messages(response) and PartyMember.objects.get(pk=m.pk).status == "full"
    client.post(url, {"form": "status", "action": "transfer_out", "on": "2026-11-01"})
    m.refresh_from_db()
    assert m.status == "transferred_out" and m.status_on == D(2026, 11, 1)
    # the village cadre: another village's member is not found, their own is not theirs to edit
    client.force_login(users[Role.VILLAGE_CADRE])
    assert client.post(url, {"form": "member", "branch": b.pk, "joined_on": "1975-07-01"}).status_code == 404
    local = member(branch=b)
    local_url = reverse("partycare:member-edit", args=[local.pk])
    assert (
        client.post(local_url, {"form": "member", "branch": b2.pk, "joined_on": "1975-07-01"}).status_code
        == 403
    )
    assert PartyMember.objects.get(pk=m.pk).branch == b2 and PartyMember.objects.get(pk=local.pk).branch == b


# --- Trainings -------------------------------------------------------------------------------


def test_training_attendees_come_from_the_branch(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b, other = branch(division=tree.village), branch(division=tree.village2)
    mine, theirs = member(branch=b), member(branch=other)
    with pytest.raises(ValidationError) as excinfo:
        services.training_record(
            user=staff, branch=b, held_on=D(2026, 3, 1), topic="党课", attendees=[mine, theirs], today=TODAY
        )
    assert (
        list(excinfo.value.message_dict) == ["attendees"] and theirs.person.name in excinfo.value.messages[0]
    )
    with pytest.raises(ValidationError) as excinfo:
        services.training_record(
            user=staff, branch=b, held_on=D(2026, 3, 1), topic="党课", attendees=[], today=TODAY
        )
    assert list(excinfo.value.message_dict) == ["attendees"]
    assert Training.objects.count() == 0


def test_training_page_records_and_counts_toward_the_yearly_target(
    client, tree, users, django_capture_on_commit_callbacks
):
    cadre = users[Role.VILLAGE_CADRE]
    b = branch(division=tree.village)
    able, absent = member(branch=b, born=D(1980, 1, 1), joined_on=D(2005, 1, 1)), member(branch=b)
    client.force_login(cadre)
    page = client.get(reverse("partycare:training-new"), {"branch": b.pk})
    assert {m.pk for m in page.context["form"].fields["attendees"].queryset} == {able.pk, absent.pk}
    today = timezone.localdate()
    for days in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("partycare:training-new"),
                {
                    "branch": b.pk,
                    "held_on": (today - datetime.timedelta(days=days)).isoformat(),
                    "kind": "meeting",
                    "topic": "三会一课",
                    "attendees": [able.pk],
                },
            )
        assert response.status_code == 302
    short = set(eligibility.training_short(PartyMember.objects.all(), today=today))
    assert able not in short and absent in short
    assert DueItem.objects.filter(member=able, item="training").count() == 0
    # a future date: the field is named, nothing is written
    response = client.post(
        reverse("partycare:training-new"),
        {"branch": b.pk, "held_on": "2099-01-01", "kind": "meeting", "topic": "x", "attendees": [able.pk]},
        follow=True,
    )
    assert "held_on:" in _messages(response) and Training.objects.count() == 4
    outside = branch(division=tree.village2)
    assert client.get(reverse("partycare:training-new"), {"branch": outside.pk}).status_code == 404
    client.force_login(users[Role.COUNTY_AUDITOR])
    assert client.get(reverse("partycare:training-new")).status_code == 403


def test_training_list_query_count_is_flat(client, tree, users, django_assert_num_queries):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village)
    members = [member(branch=b) for _ in range(3)]
    services.training_record(
        user=staff, branch=b, held_on=D(2026, 1, 1), topic="学习", attendees=members, today=TODAY
    )
    client.force_login(staff)
    # session, user, user's division (scope), count, page of trainings (branch, recorder, attendee count),
    # branch choices
    with django_assert_num_queries(6):
        client.get(reverse("partycare:training-list"))
    for month in range(2, 12):
        services.training_record(
            user=staff, branch=b, held_on=D(2026, month, 1), topic="学习", attendees=members, today=TODAY
        )
    with django_assert_num_queries(6):
        client.get(reverse("partycare:training-list"))


# --- Pairings --------------------------------------------------------------------------------


def test_pairing_with_a_portal_user_and_its_end(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village)
    needy = member(branch=b, is_in_hardship=True)
    pairing = services.pairing_create(
        user=staff,
        helper_kind="cadre",
        helper_name="",
        helper_user=users[Role.TOWNSHIP_LEADER],
        member=needy,
        started_on=D(2026, 6, 1),
        today=TODAY,
    )
    assert pairing.helper_name == users[Role.TOWNSHIP_LEADER].display_name
    assert pairing.helper_user == users[Role.TOWNSHIP_LEADER]  # linked, not only named
    from partycare import selectors

    leader = users[Role.TOWNSHIP_LEADER]
    assert list(selectors.pairing_list(user=leader, today=TODAY, mine=True)) == [pairing]
    assert not selectors.pairing_list(user=staff, today=TODAY, mine=True).exists()
    with pytest.raises(ValidationError) as excinfo:  # a user of another township
        services.pairing_create(
            user=staff,
            helper_kind="cadre",
            helper_name="",
            helper_user=users[Role.COUNTY_REVIEWER],
            member=needy,
            started_on=D(2026, 6, 1),
            today=TODAY,
        )
    assert list(excinfo.value.message_dict) == ["helper_user"]
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_create(
            user=staff,
            helper_kind="member",
            helper_name="",
            helper_member=needy,
            member=needy,
            started_on=TODAY,
            today=TODAY,
        )
    assert list(excinfo.value.message_dict) == ["helper_member"]
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_end(user=staff, pairing=pairing, ended_on=D(2026, 5, 1), today=TODAY)
    assert list(excinfo.value.message_dict) == ["ended_on"]
    with pytest.raises(PermissionDenied):
        services.pairing_end(user=users[Role.VILLAGE_CADRE], pairing=pairing, ended_on=TODAY, today=TODAY)
    assert Pairing.objects.get().ended_on is None
    services.pairing_end(user=staff, pairing=pairing, ended_on=D(2026, 11, 1), today=TODAY)
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_end(user=staff, pairing=pairing, ended_on=TODAY, today=TODAY)
    assert "2026-11-01" in excinfo.value.messages[0]


def test_pairing_pages_set_up_a_household_pairing_and_end_it(client, tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village)
    helper = member(branch=b, is_entrepreneur=True)
    household = Household.objects.create(village=tree.village, number="H001")
    Household.objects.create(village=tree.village3, number="H999")
    client.force_login(staff)
    url = reverse("partycare:pairing-new")
    page = client.get(url, {"branch": b.pk})
    assert list(page.context["form"].fields["household"].queryset) == [household]
    response = client.post(
        url,
        {
            "branch": b.pk,
            "helper_kind": "member",
            "helper_member": helper.pk,
            "household": household.pk,
            "started_on": "2026-10-01",
        },
    )
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and (pairing.household, pairing.helper_member) == (household, helper)
    assert pairing.division == tree.village and pairing.helper_name == helper.person.name
    listing = client.get(reverse("partycare:pairing-list"))
    assert reverse("partycare:pairing-new") in listing.content.decode()
    end = reverse("partycare:pairing-end", args=[pairing.pk])
    response = client.post(end, {"ended_on": "2026-09-01"}, follow=True)
    assert "ended_on:" in _messages(response) and Pairing.objects.get().ended_on is None
    client.post(end, {"ended_on": "2026-11-20"})
    assert Pairing.objects.get().ended_on == D(2026, 11, 20)
    outside = Pairing.objects.create(
        division=tree.village3,
        helper_kind="cadre",
        helper_name="外",
        household=Household.objects.get(number="H999"),
        started_on=D(2026, 1, 1),
        created_by=users["admin"],
    )
    assert (
        client.post(
            reverse("partycare:pairing-end", args=[outside.pk]), {"ended_on": "2026-11-20"}
        ).status_code
        == 404
    )
    assert Pairing.objects.get(pk=outside.pk).ended_on is None
