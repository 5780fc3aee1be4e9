"""One rule, one place: the registration and enrolment services and the roster import refuse the
same rows for the same reason (beneficiaries.rules), and the enrolment notices follow the one
notice-days setting.

One case list is fed to both: the services the way the pages and the API use them (register the
person unless the user already sees them, then enrol), and the import as a one-row file built
with core.excel's writer."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from beneficiaries import excel, rules, services
from beneficiaries.models import Enrolment, Household, Person
from beneficiaries.tests.factories import active_enrolment, id_number, person
from core.excel import ExportColumn, XlsxExport, read_xlsx
from org.models import Division, Role
from projects.models import Project
from projects.tests.factories import ProjectFactory

TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="农村居民最低生活保障", code="DB", year=2026)


def _row(tree, **changes):
    return {
        "name": "赵六",
        "id_number": id_number(birth=datetime.date(1980, 1, 1)),
        "village_code": tree.village.code,
        "bank_card": "6228480012345678901",
        "code": "DB",
        "year": 2026,
        "persons_covered": 1,
        "applied_on": datetime.date(2026, 11, 2),
        **changes,
    }


def _registered(tree, *, status="living", village=None, name="赵六"):
    somebody = person(village=village or tree.village, name=name)
    if status != "living":
        Person.objects.filter(pk=somebody.pk).update(status=status, status_on=datetime.date(2026, 5, 4))
    return {"name": name, "id_number": somebody.id_number, "village_code": (village or tree.village).code}


# Each case: the row (built on the tree and project), and the field the services refuse (None: both accept).
CASES = {
    "a new person": (lambda tree, project: _row(tree), None),
    "a registered living person": (lambda tree, project: _row(tree, **_registered(tree)), None),
    "a deceased person": (lambda tree, project: _row(tree, **_registered(tree, status="deceased")), "person"),
    "a moved-out person": (
        lambda tree, project: _row(tree, **_registered(tree, status="moved_out")),
        "person",
    ),
    "a bad bank card": (lambda tree, project: _row(tree, bank_card="6228-48"), "bank_card"),
    "a bank card too short": (lambda tree, project: _row(tree, bank_card="62284800"), "bank_card"),
    "an ID failing its checksum": (
        lambda tree, project: _row(tree, id_number="341226195209170017"),
        "id_number",
    ),
    "applied in the future (ends before it starts)": (
        lambda tree, project: _row(tree, applied_on=TODAY + datetime.timedelta(days=1)),
        "applied_on",
    ),
    "applied before the person was born": (
        lambda tree, project: _row(tree, applied_on=datetime.date(1979, 12, 31)),
        "applied_on",
    ),
    "enrolled twice in the same project-year": (
        lambda tree, project: _row(
            tree,
            name="周九",
            id_number=active_enrolment(project=project, village=tree.village, name="周九").person.id_number,
        ),
        "person",
    ),
    "a person registered outside the user's area": (
        lambda tree, project: _row(tree, id_number=_registered(tree, village=tree.village3)["id_number"]),
        "id_number",
    ),
    "no person covered": (lambda tree, project: _row(tree, persons_covered=0), "persons_covered"),
    "31 persons covered": (lambda tree, project: _row(tree, persons_covered=31), "persons_covered"),
}


def _through_services(user, row):
    """The pages' and the API's way: find the person the user sees, or register them; then enrol.
    Returns (field, message) of the refusal, or None."""
    village = Division.objects.get(code=row["village_code"])
    project = Project.objects.get(code=row["code"], year=row["year"])
    try:
        somebody = Person.objects.visible_to(user).with_id_number(row["id_number"]).first()
        if somebody is None:
            somebody = services.person_register(
                user=user,
                id_number=row["id_number"],
                name=row["name"],
                village=village,
                bank_card=row["bank_card"],
                today=TODAY,
            )
        services.enrolment_create(
            user=user,
            project=project,
            person=somebody,
            persons_covered=row["persons_covered"],
            applied_on=row["applied_on"],
            today=TODAY,
        )
    except ValidationError as refusal:
        ((field, messages),) = refusal.message_dict.items()
        return field, messages[0]
    return None


def _roster_file(rows) -> bytes:
    columns = [ExportColumn(column.header, value=column.key) for column in excel.ROSTER_SPEC.columns]
    out = io.BytesIO()
    with XlsxExport(out, sheet_name=str(excel.ROSTER_SPEC.name), columns=columns) as export:
        for row in rows:
            export.write_row({key: str(value) for key, value in row.items()})  # dates as 2026-11-02
    return out.getvalue()


def _through_import(user, row):
    """Returns (column key, Excel row, message) of the refusal, or None."""
    parsed = read_xlsx(_roster_file([row]), excel.ROSTER_SPEC, name="名册.xlsx")
    try:
        assert excel.import_roster(parsed=parsed, user=user, today=TODAY) == 1
    except ValidationError as refusal:
        (error,) = refusal.row_errors
        key = next(column.key for column in excel.ROSTER_SPEC.columns if column.header == error.header)
        return key, error.row, error.message
    return None


def _counts():
    return Person.objects.count(), Household.objects.count(), Enrolment.objects.count()


@pytest.mark.parametrize("case", list(CASES))
def test_the_import_refuses_what_the_services_refuse(tree, users, project, case):
    build, field = CASES[case]
    row = build(tree, project)
    user = users[Role.TOWNSHIP_STAFF]
    before = _counts()

    with transaction.atomic():
        by_services = _through_services(user, row)
        transaction.set_rollback(True)
    with transaction.atomic():
        by_import = _through_import(user, row)
        written = _counts()
        transaction.set_rollback(True)

    if field is None:
        assert by_services is None and by_import is None, (by_services, by_import)
        assert written == (before[0] + (case == "a new person"), before[1], before[2] + 1)
        return
    assert by_services is not None and by_services[0] == field, by_services
    column = "village_code" if field == "village" else excel.RULE_COLUMNS[field]
    assert by_import == (column, 2, by_services[1])  # the row (Excel's row 2), the column, the same reason
    assert written == before  # all or nothing: nothing written


def test_the_deceased_reason_names_the_status_and_date(tree, users, project):
    row = _row(tree, **_registered(tree, status="deceased", name="孙八"))
    key, number, message = _through_import(users[Role.TOWNSHIP_STAFF], row)
    assert (key, number) == ("id_number", 2)
    assert message == "孙八 is recorded as deceased since 2026-05-04 and cannot be enrolled."


def test_a_refused_row_among_good_ones_is_named_and_nothing_is_written(tree, users, project):
    rows = [
        _row(tree),
        _row(tree, name="钱七"),
        _row(tree, **_registered(tree, status="moved_out", name="李四")),
    ]
    before = _counts()
    with pytest.raises(ValidationError) as excinfo:
        excel.import_roster(
            parsed=read_xlsx(_roster_file(rows), excel.ROSTER_SPEC, name="名册.xlsx"),
            user=users[Role.TOWNSHIP_STAFF],
            today=TODAY,
        )
    ((number, message),) = [(e.row, e.message) for e in excinfo.value.row_errors]
    assert number == 4 and "moved out" in message
    assert _counts() == before


def test_the_rules_are_pure():
    """No database: the functions take values (what they need from the database passed in)."""
    village = Division(pk=1, code="341226101201", name="东庄村", level=Division.Level.VILLAGE)
    assert rules.registration_errors(
        id_number="341226195209170017",
        name=" ",
        village=village,
        scope_prefix="341226102",
        bank_card="12",
        today=TODAY,
    ).keys() == {"id_number", "name", "village", "bank_card"}
    project = Project(name="低保", year=2026, division=Division(code="341226101"))
    facts = rules.PersonFacts(
        name="张三", id_number="341226198001010013", birth_date=datetime.date(1980, 1, 1)
    )
    values = {"village": village, "project": project, "persons_covered": 1, "today": TODAY}
    assert rules.enrolment_errors(person=facts, applied_on=TODAY, is_enrolled=False, **values) == {}
    refused = rules.enrolment_errors(person=facts, applied_on=TODAY, is_enrolled=True, **values)
    assert refused["person"].code == "enrolled_twice"


def test_enrolment_notices_follow_the_notice_days_setting(settings, tree, users, project):
    staff = users[Role.TOWNSHIP_STAFF]
    enrolment = services.enrolment_create(
        user=staff, project=project, person=person(village=tree.village), today=TODAY
    )
    settings.NOTICE_MIN_DAYS = 10
    start = timezone.localdate()
    post = {
        "user": staff,
        "project": project,
        "division": tree.village,
        "round": "village",
        "enrolments": [enrolment],
    }
    with pytest.raises(ValidationError, match="at least 10 full days"):
        services.enrolment_notice_post(**post, ends_on=start + datetime.timedelta(days=9))
    assert services.enrolment_notice_post(**post, ends_on=start + datetime.timedelta(days=10)).days == 10
