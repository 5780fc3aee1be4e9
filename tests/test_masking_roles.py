"""A masked ID number must not be rebuildable, and residents' phones are whole only for the
roles that call them (common.masking).

Beside ``3412**********0079`` the full birth date gave back the whole number (region prefix +
date + last four, the checksum settles the rest). So wherever the ID is shown masked, the birth
date is shown as a year at most: table-driven over every role × every surface that shows a
person with a masked ID. Only the county auditor's whole-number views (which are logged) show
the date.
"""

import datetime
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from beneficiaries import services as beneficiary_services
from beneficiaries.models import Enrolment
from beneficiaries.tests.factories import person
from common.jobs import job_enqueue, job_run
from common.masking import mask_phone
from common.models import Job
from core.idcard import make_id_number
from org.models import AccessLog, Role
from projects.tests.factories import ProjectFactory

BORN = datetime.date(1948, 11, 27)
PHONE = "13912345678"
# Every way the date could be written: ISO, Chinese, compact, month-day alone.
BIRTH_STRINGS = ("1948-11-27", "1948年11月27日", "19481127", "1127", "11-27", "11月27日", "11.27")

OFFICE_ROLES = [Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE, Role.COUNTY_REVIEWER]


@pytest.fixture
def resident(tree):
    number = make_id_number(region="341226", birth_date=BORN, sequence=5, sex="F")
    return person(village=tree.village, name="林秀英", number=number, phone=PHONE)


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _person_list(client, user, resident):
    return _page(client, user, reverse("beneficiaries:person-list"))


def _person_detail(client, user, resident):
    return _page(client, user, reverse("beneficiaries:person-detail", args=[resident.pk]))


def _api_list(client, user, resident):
    return _page(client, user, "/api/v1/persons/")


def _api_detail(client, user, resident):
    return _page(client, user, f"/api/v1/persons/{resident.pk}/")


def _roster_export(client, user, resident):
    job = job_enqueue(user=user, kind="reports.roster", params={})
    assert job_run(job_id=job.pk) == "done"
    with Job.objects.get(pk=job.pk).result.open("rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    cells = []
    for row in sheet.iter_rows(values_only=True):
        for value in row:
            cells.append(
                value.isoformat() if isinstance(value, datetime.date | datetime.datetime) else str(value)
            )
    return "\n".join(cells)


SURFACES = {
    "person list page": _person_list,
    "person detail page": _person_detail,
    "persons API list": _api_list,
    "persons API detail": _api_detail,
    "roster export": _roster_export,
}
# The roster export is a county/township download; village cadres have none.
CASES = [
    (role, surface)
    for role in OFFICE_ROLES
    for surface in SURFACES
    if not (surface == "roster export" and role == Role.VILLAGE_CADRE)
] + [(Role.COUNTY_AUDITOR, "person list page")]  # the auditor's lists are masked too (not logged)


@pytest.mark.parametrize(("role", "surface"), CASES)
def test_no_birth_date_beside_a_masked_id(client, settings, tmp_path, users, resident, role, surface):
    settings.MEDIA_ROOT = tmp_path
    body = SURFACES[surface](client, users[role], resident)
    assert resident.masked_id_number in body or "**********" in body  # the person is there, masked
    assert resident.id_number not in body
    leaked = [text for text in BIRTH_STRINGS if text in body]
    assert leaked == [], f"{surface} shows the birth date to {role}: {leaked}"
    assert "1948" in body  # the birth year (or age) is what remains


def test_public_notice_shows_neither_the_number_nor_the_birth_date(client, tree, users, resident):
    staff = users[Role.TOWNSHIP_STAFF]
    project = ProjectFactory(division=tree.township, code="MASK")
    enrolment = Enrolment.objects.create(
        project=project, person=resident, village=tree.village, applied_on=datetime.date(2026, 1, 5)
    )
    notice = beneficiary_services.enrolment_notice_post(
        user=staff,
        project=project,
        division=tree.village,
        round="village",
        enrolments=[enrolment],
    )
    body = client.get(reverse("column:notice", args=[notice.pk])).content.decode()
    assert resident.masked_id_number in body
    assert [text for text in BIRTH_STRINGS if text in body] == []


def test_a_pasted_notice_table_keeps_only_the_birth_year(tree, users):
    from publicity import services as publicity_services
    from publicity.models import PublicNotice

    columns, rows = publicity_services.parse_table(
        "姓名\t身份证号\t出生日期\n林秀英\t341226194811270059\t1948-11-27"
    )
    assert [mask for _key, _header, mask in columns] == ["name", "id_number", "birth_date"]
    notice = publicity_services.notice_publish(
        user=users[Role.TOWNSHIP_STAFF],
        kind=PublicNotice.Kind.OTHER,
        division=tree.township,
        title="公示",
        rows=rows,
        columns=columns,
    )
    snapshot = json.dumps(notice.rows, ensure_ascii=False)
    assert "1948年" in snapshot
    assert [text for text in BIRTH_STRINGS if text in snapshot] == []


def test_the_auditor_sees_the_date_only_with_the_whole_number_and_is_logged(client, users, resident):
    auditor = users[Role.COUNTY_AUDITOR]
    body = _person_detail(client, auditor, resident)
    assert resident.id_number in body and "1948-11-27" in body and PHONE in body
    data = json.loads(_api_detail(client, auditor, resident))
    assert data["birth_date"] == "1948-11-27" and data["id_number"] == resident.id_number
    assert AccessLog.objects.filter(user=auditor, action=AccessLog.Action.VIEW_UNMASKED).count() == 2


# --- residents' phones -------------------------------------------------------------------------

# Who calls residents: township staff and leaders (callbacks, objections) and village cadres
# (home visits), each inside their scope; county reviewers never; the auditor beside whole
# numbers only (logged, see above).
PHONE_WHOLE = {
    Role.TOWNSHIP_STAFF: True,
    Role.TOWNSHIP_LEADER: True,
    Role.VILLAGE_CADRE: True,
    Role.COUNTY_REVIEWER: False,
}


@pytest.mark.parametrize("role", list(PHONE_WHOLE))
@pytest.mark.parametrize("surface", ["person detail page", "persons API detail", "persons API list"])
def test_a_residents_phone_is_whole_only_for_those_who_call(client, users, resident, role, surface):
    body = SURFACES[surface](client, users[role], resident)
    if PHONE_WHOLE[role]:
        assert PHONE in body
    else:
        assert PHONE not in body and mask_phone(PHONE) in body


@pytest.mark.parametrize(("role", "whole"), [*PHONE_WHOLE.items(), (Role.COUNTY_AUDITOR, False)])
def test_admin_masks_residents_phones_for_those_who_do_not_call(client, users, resident, role, whole):
    if role == Role.VILLAGE_CADRE:
        pytest.skip("village cadres have no admin")
    client.force_login(users[role])
    changelist = client.get(reverse("admin:beneficiaries_person_changelist")).content.decode()
    change = client.get(reverse("admin:beneficiaries_person_change", args=[resident.pk])).content.decode()
    assert resident.masked_id_number in change and "1948" in change
    for body in (changelist, change):
        assert [text for text in BIRTH_STRINGS if text in body] == [], role
    assert (PHONE in change) is whole, role
    if not whole:
        assert mask_phone(PHONE) in change
