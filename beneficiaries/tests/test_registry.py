"""The person registry: one person per ID, encrypted at rest, masked, searchable, scoped."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from beneficiaries import selectors, services
from beneficiaries.models import Person
from beneficiaries.tests.factories import id_number, person
from org.models import AccessLog, Role

TODAY = datetime.date(2026, 11, 25)


def register(user, village, number=None, **extra):
    return services.person_register(
        user=user,
        id_number=number or id_number(),
        name=extra.pop("name", "李四"),
        village=village,
        today=TODAY,
        **extra,
    )


def test_register_derives_birth_and_sex(tree, users):
    number = "341226195209170016"  # …001 odd → male; born 1952-09-17
    assert number[-1] == __import__("core.idcard", fromlist=["check_char"]).check_char(number[:17])
    p = register(users[Role.TOWNSHIP_STAFF], tree.village, number)
    assert (p.birth_date, p.sex) == (datetime.date(1952, 9, 17), "M")
    assert p.name_search == "lisi ls"


def test_raw_numbers_never_reach_the_table(tree, users):
    number, card = id_number(), "6228480012345678901"
    register(users[Role.TOWNSHIP_STAFF], tree.village, number, bank_card=card)
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM beneficiaries_person t")
        rows = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT t::text FROM beneficiaries_historicalperson t")
        rows += [row[0] for row in cursor.fetchall()]
    assert rows
    for row in rows:
        assert number not in row and card not in row and number[6:14] + number[14:] not in row
    stored = Person.objects.get()
    assert stored.id_number == number and stored.bank_card == card  # and they still read back


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("34122619520917001", "18"),
        ("341226195209170017", "checksum"),
        ("341226202712010019", "birth"),
    ],
)
def test_bad_ids_are_refused_with_the_field_named(tree, users, bad, reason):
    with pytest.raises(ValidationError) as excinfo:
        register(users[Role.TOWNSHIP_STAFF], tree.village, bad)
    assert list(excinfo.value.message_dict) == ["id_number"]
    assert Person.objects.count() == 0


def test_one_person_per_id_across_the_portal(tree, users):
    number = id_number()
    register(users[Role.TOWNSHIP_STAFF], tree.village, number, name="王五")
    with pytest.raises(ValidationError) as excinfo:
        register(users[Role.TOWNSHIP_STAFF], tree.village2, number.lower())
    assert "王五" in excinfo.value.message_dict["id_number"][0]  # in scope: says where
    other = users[Role.TOWNSHIP_STAFF].__class__.objects.create(
        username="other-staff", role=Role.TOWNSHIP_STAFF, division=tree.township2
    )
    with pytest.raises(ValidationError) as excinfo:
        register(other, tree.village3, number)
    message = excinfo.value.message_dict["id_number"][0]
    assert "王五" not in message and number not in message  # outside scope: no personal data
    assert Person.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_registry_uniqueness_under_concurrency(tree, users):
    number = id_number()
    barrier = threading.Barrier(4)
    outcomes = []

    def attempt(village):
        try:
            barrier.wait()
            register(users[Role.TOWNSHIP_STAFF], village, number)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.error_dict["id_number"][0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(v,)) for v in (tree.village, tree.village2) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate_id"] * 3 + ["ok"]
    assert Person.objects.with_id_number(number).count() == 1


def test_cadre_registers_only_in_own_village_and_auditor_never(tree, users):
    register(users[Role.VILLAGE_CADRE], tree.village)
    with pytest.raises(ValidationError) as excinfo:
        register(users[Role.VILLAGE_CADRE], tree.village2)
    assert "village" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        register(users[Role.COUNTY_AUDITOR], tree.village)
    with pytest.raises(ValidationError):
        register(users[Role.TOWNSHIP_STAFF], tree.township)  # a township is not a village
    assert Person.objects.count() == 1


def test_bank_card_validated(tree, users):
    with pytest.raises(ValidationError) as excinfo:
        register(users[Role.TOWNSHIP_STAFF], tree.village, bank_card="6228-48")
    assert list(excinfo.value.message_dict) == ["bank_card"]


def test_status_change_dates(tree, users):
    p = register(users[Role.TOWNSHIP_STAFF], tree.village)
    with pytest.raises(ValidationError):
        services.person_set_status(
            user=users[Role.TOWNSHIP_STAFF],
            person=p,
            status="deceased",
            on=TODAY + datetime.timedelta(days=1),
            today=TODAY,
        )
    p = services.person_set_status(
        user=users[Role.TOWNSHIP_STAFF], person=p, status="deceased", on=TODAY, today=TODAY
    )
    assert p.status == "deceased" and p.status_on == TODAY
    assert p.history.first().history_user == users[Role.TOWNSHIP_STAFF]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("张三", {"张三"}),
        ("zhangsan", {"张三"}),
        ("zs", {"张三"}),
        ("zeng", {"曾国藩"}),
        ("zgf", {"曾国藩"}),
        ("李", {"李四"}),
    ],
)
def test_search_by_name_pinyin_initials(tree, users, query, expected):
    staff = users[Role.TOWNSHIP_STAFF]
    for name in ("张三", "曾国藩", "李四"):
        person(village=tree.village, name=name)
    person(village=tree.village3, name="张三")  # another township: never found by staff
    found = {p.name for p in selectors.person_list(user=staff, search=query)}
    assert found == expected


def test_search_by_whole_id(tree, users):
    target = person(village=tree.village, name="赵六")
    person(village=tree.village, name="钱七")
    found = selectors.person_list(user=users[Role.TOWNSHIP_STAFF], search=target.id_number)
    assert [p.name for p in found] == ["赵六"]


def test_list_page_masks_and_is_scoped(client, tree, users):
    mine = person(village=tree.village, name="张三")
    theirs = person(village=tree.village3, name="孙八")
    client.force_login(users[Role.TOWNSHIP_STAFF])
    body = client.get(reverse("beneficiaries:person-list")).content.decode()
    assert mine.masked_id_number in body and mine.id_number not in body
    assert "孙八" not in body
    assert client.get(reverse("beneficiaries:person-detail", args=[theirs.pk])).status_code == 404
    detail = client.get(reverse("beneficiaries:person-detail", args=[mine.pk])).content.decode()
    assert mine.id_number not in detail and mine.masked_id_number in detail
    assert AccessLog.objects.count() == 0


def test_auditor_sees_whole_numbers_and_is_logged(client, tree, users):
    target = person(village=tree.village3, name="孙八", bank_card="6217000011112222333")
    client.force_login(users[Role.COUNTY_AUDITOR])
    body = client.get(reverse("beneficiaries:person-detail", args=[target.pk])).content.decode()
    assert target.id_number in body and "6217000011112222333" in body
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (
        users[Role.COUNTY_AUDITOR],
        "view_unmasked",
        str(target.pk),
    )
    # Out of the county: 404 and nothing logged.
    other = person(village=tree.other_village, name="外县人")
    assert client.get(reverse("beneficiaries:person-detail", args=[other.pk])).status_code == 404
    assert AccessLog.objects.count() == 1


def test_api_masks_for_staff_and_logs_auditor(tree, users):
    target = person(village=tree.village, name="张三")
    api = APIClient()
    api.force_authenticate(users[Role.TOWNSHIP_STAFF])
    row = api.get("/api/v1/persons/").json()["results"][0]
    assert row["id_number"] == target.masked_id_number
    api.force_authenticate(users[Role.COUNTY_AUDITOR])
    row = api.get(f"/api/v1/persons/{target.pk}/").json()
    assert row["id_number"] == target.id_number
    assert AccessLog.objects.filter(user=users[Role.COUNTY_AUDITOR]).count() == 1


def test_api_create_goes_through_the_registry(tree, users):
    api = APIClient()
    api.force_authenticate(users[Role.VILLAGE_CADRE])
    number = id_number()
    response = api.post("/api/v1/persons/", {"id_number": number, "name": "周九", "village": tree.village.pk})
    assert response.status_code == 201, response.json()
    response = api.post("/api/v1/persons/", {"id_number": number, "name": "周九", "village": tree.village.pk})
    assert response.status_code == 400 and "id_number" in response.json()
    response = api.post(
        "/api/v1/persons/", {"id_number": id_number(), "name": "周九", "village": tree.village2.pk}
    )
    assert response.status_code == 400 and "village" in response.json()  # not in the cadre's scope
    api.force_authenticate(users[Role.COUNTY_AUDITOR])
    response = api.post(
        "/api/v1/persons/", {"id_number": id_number(), "name": "吴十", "village": tree.village.pk}
    )
    assert response.status_code == 403
    assert Person.objects.count() == 1


def test_person_list_query_count_is_flat(client, tree, users, django_assert_num_queries):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    for _ in range(3):
        person(village=tree.village)
    # session, user, scope division, count, page (village + household joined)
    with django_assert_num_queries(5):
        client.get(reverse("beneficiaries:person-list"))
    for _ in range(40):
        person(village=tree.village2)
    with django_assert_num_queries(5):
        client.get(reverse("beneficiaries:person-list"))


def test_demo_seed_is_idempotent(db):
    from django.core.management import call_command

    call_command("seed_demo", profile="small", only="org,beneficiaries", verbosity=0)
    first = Person.objects.count()
    call_command("seed_demo", profile="small", only="org,beneficiaries", verbosity=0)
    assert Person.objects.count() == first == 600
    assert Person.objects.filter(household__isnull=False).count() == 600
    sample = Person.objects.first()
    assert sample.id_number.startswith("991226") and len(sample.bank_card) == 19
