"""The registry's own pages: register a person (household by its number), edit, record a death
or a move out (the enrolments follow), and the roster's bulk steps."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries import services
from beneficiaries.models import Enrolment, Household, Person
from beneficiaries.tests.factories import active_enrolment, id_number, person
from org.models import Role
from projects.tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """The pages answer in Chinese unless the language switch chose English (its cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def staff_client(client, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    return client


def _form(tree, **changes):
    data = {
        "id_number": id_number(),
        "name": "赵六",
        "village": tree.village.pk,
        "household_number": "H-017",
        "relation": "head",
        "phone": "13800000000",
        "bank_card": "6228480012345678901",
        "bank_name": "农行",
    }
    data.update(changes)
    return data


def test_register_page_creates_the_person_and_the_household(staff_client, tree):
    response = staff_client.post(reverse("beneficiaries:person-new"), _form(tree))
    created = Person.objects.get(name="赵六")
    assert response.status_code == 302 and response.url == reverse(
        "beneficiaries:person-detail", args=[created.pk]
    )
    assert created.household.number == "H-017" and created.household.village == tree.village
    # a second member joins the same household
    staff_client.post(reverse("beneficiaries:person-new"), _form(tree, name="赵七", relation="child"))
    assert Household.objects.filter(number="H-017").count() == 1
    assert Person.objects.get(name="赵七").household_id == created.household_id


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id_number": "34122619600517007X"}, "id_number"),  # wrong checksum
        ({"bank_card": "6228-48"}, "bank_card"),
        ({"name": ""}, "name"),
    ],
)
def test_register_page_names_the_field_and_saves_nothing(staff_client, tree, changes, field):
    response = staff_client.post(reverse("beneficiaries:person-new"), _form(tree, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'data-error-for="{field}"' in response.content.decode()
    assert not Person.objects.exists() and not Household.objects.exists()


def test_register_page_refuses_an_id_already_registered(staff_client, tree):
    number = person(village=tree.village2, name="已登记").id_number
    response = staff_client.post(reverse("beneficiaries:person-new"), _form(tree, id_number=number))
    assert "already registered" in str(response.context["form"].errors["id_number"])
    assert Person.objects.count() == 1 and not Household.objects.exists()


def test_a_cadre_registers_only_in_their_village(client, tree, users):
    client.force_login(users[Role.VILLAGE_CADRE])
    response = client.post(reverse("beneficiaries:person-new"), _form(tree, village=tree.village2.pk))
    assert "village" in response.context["form"].errors
    assert not Person.objects.exists()


def test_auditor_may_not_register_or_edit(client, tree, users):
    someone = person(village=tree.village)
    client.force_login(users[Role.COUNTY_AUDITOR])
    assert client.get(reverse("beneficiaries:person-new")).status_code == 403
    assert (
        client.post(reverse("beneficiaries:person-edit", args=[someone.pk]), {"name": "改"}).status_code
        == 403
    )
    assert Person.objects.get().name == "张三"


def test_edit_page_changes_the_card_and_keeps_it_when_left_empty(staff_client, tree):
    someone = person(village=tree.village, bank_card="6228480012345678901")
    url = reverse("beneficiaries:person-edit", args=[someone.pk])
    staff_client.post(url, {"name": "张三丰", "phone": "139", "bank_card": "", "bank_name": "农行"})
    someone = Person.objects.get(pk=someone.pk)
    assert (someone.name, someone.bank_card) == ("张三丰", "6228480012345678901")
    staff_client.post(url, {"name": "张三丰", "bank_card": "6217000011112222", "bank_name": "建行"})
    someone = Person.objects.get(pk=someone.pk)  # the clear value is cached on the instance
    assert (someone.bank_card, someone.bank_name) == ("6217000011112222", "建行")


def test_status_page_records_a_death_and_exits_the_enrolments(staff_client, tree):
    enrolment = active_enrolment(project=ProjectFactory(division=tree.township), village=tree.village)
    response = staff_client.post(
        reverse("beneficiaries:person-status", args=[enrolment.person_id]),
        {"status": "deceased", "status_on": "2026-03-15"},
        follow=True,
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.exit_on) == ("exited", datetime.date(2026, 3, 15))
    assert "Enrolments exited: 1" in response.content.decode()


def test_status_page_refuses_a_future_date(staff_client, tree):
    someone = person(village=tree.village)
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = staff_client.post(
        reverse("beneficiaries:person-status", args=[someone.pk]),
        {"status": "moved_out", "status_on": future},
        follow=True,
    )
    assert "in the future" in response.content.decode()
    someone.refresh_from_db()
    assert someone.status == "living"


def test_status_page_asks_for_the_date(staff_client, tree):
    someone = person(village=tree.village)
    response = staff_client.post(
        reverse("beneficiaries:person-status", args=[someone.pk]),
        {"status": "deceased", "status_on": ""},
        follow=True,
    )
    assert "Give the date of the death or the move." in response.content.decode()
    someone.refresh_from_db()
    assert someone.status == "living"


def test_person_pages_outside_the_scope_answer_404(client, tree, users):
    outside = person(village=tree.village2)
    client.force_login(users[Role.VILLAGE_CADRE])
    assert client.get(reverse("beneficiaries:person-edit", args=[outside.pk])).status_code == 404
    response = client.post(
        reverse("beneficiaries:person-status", args=[outside.pk]),
        {"status": "deceased", "status_on": "2026-01-01"},
    )
    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.status == "living"


# --- bulk steps on the roster -------------------------------------------------------------------


def _applied(project, village, name):
    return Enrolment.objects.create(
        project=project,
        person=person(village=village, name=name),
        village=village,
        applied_on=datetime.date(2026, 2, 1),
    )


def test_bulk_review_does_what_it_may_and_lists_the_refused(tree, users):
    project = ProjectFactory(division=tree.township)
    first, second = _applied(project, tree.village, "甲"), _applied(project, tree.village, "乙")
    already = active_enrolment(project=project, village=tree.village, name="丙")
    elsewhere = _applied(project, tree.village2, "丁")  # another village: not the cadre's
    result = services.enrolment_bulk(
        user=users[Role.VILLAGE_CADRE],
        action="review",
        enrolment_ids=[first.pk, second.pk, already.pk, elsewhere.pk],
    )
    assert {e.pk for e in result["done"]} == {first.pk, second.pk}
    assert [(e.pk, "not possible" in reason) for e, reason in result["refused"]] == [(already.pk, True)]
    assert result["missing"] == 1
    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == "village_reviewed"
    assert (statuses[already.pk], statuses[elsewhere.pk]) == ("active", "applied")


def test_bulk_activate_needs_the_start_date_for_each(tree, users):
    project = ProjectFactory(division=tree.township)
    approved = _applied(project, tree.village, "甲")
    Enrolment.objects.filter(pk=approved.pk).update(status="approved")
    result = services.enrolment_bulk(
        user=users[Role.TOWNSHIP_STAFF], action="activate", enrolment_ids=[approved.pk]
    )
    assert not result["done"] and "date payments start" in result["refused"][0][1]
    result = services.enrolment_bulk(
        user=users[Role.TOWNSHIP_STAFF],
        action="activate",
        enrolment_ids=[approved.pk],
        active_from=datetime.date(2026, 3, 1),
    )
    approved.refresh_from_db()
    assert (approved.status, approved.active_from) == ("active", datetime.date(2026, 3, 1))


def test_bulk_refuses_an_unknown_action_and_an_empty_selection(tree, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Choose what to do"):
        services.enrolment_bulk(user=users[Role.TOWNSHIP_STAFF], action="delete", enrolment_ids=[1])
    with pytest.raises(ValidationError, match="at least one"):
        services.enrolment_bulk(user=users[Role.TOWNSHIP_STAFF], action="review", enrolment_ids=[])


def test_roster_page_bulk_form_round_trip(staff_client, tree):
    project = ProjectFactory(division=tree.township)
    first = _applied(project, tree.village, "甲")
    page = staff_client.get(reverse("beneficiaries:enrolment-list"))
    assert 'name="enrolment"' in page.content.decode()
    response = staff_client.post(
        reverse("beneficiaries:enrolment-bulk"),
        {"action": "review", "enrolment": [str(first.pk)]},
        follow=True,
    )
    first.refresh_from_db()
    assert first.status == "village_reviewed"
    assert "Done for 1 enrolments" in response.content.decode()


def test_auditor_sees_no_bulk_form_and_cannot_post_one(client, tree, users):
    project = ProjectFactory(division=tree.township)
    first = _applied(project, tree.village, "甲")
    client.force_login(users[Role.COUNTY_AUDITOR])
    assert 'name="enrolment"' not in client.get(reverse("beneficiaries:enrolment-list")).content.decode()
    client.post(reverse("beneficiaries:enrolment-bulk"), {"action": "review", "enrolment": [str(first.pk)]})
    first.refresh_from_db()
    assert first.status == "applied"
