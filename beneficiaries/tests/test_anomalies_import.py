"""Each anomaly rule, reruns without duplicates, and the roster import (all or nothing)."""

import datetime
import io

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError

from beneficiaries import excel, services
from beneficiaries.models import AnomalyFinding, Enrolment, ExclusivePair, Household, Person, UserPerson
from beneficiaries.tests.factories import active_enrolment, id_number, person, standard
from core.excel import read_xlsx
from org.models import Role
from org.scoping import Scope
from projects.tests.factories import ProjectFactory

SYSTEM = Scope.system("test data")

TODAY = datetime.date(2026, 11, 25)
MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="农村居民最低生活保障", code="DB")


def _rules(rule):
    services.anomaly_check_run(user=SYSTEM, rules=[rule])
    return list(AnomalyFinding.objects.filter(rule=rule))


def test_same_id_in_two_villages(tree, project):
    e = active_enrolment(project=project, village=tree.village)
    other = ProjectFactory(division=tree.township, code="X2")
    Enrolment.objects.create(project=other, person=e.person, village=tree.village2, applied_on=TODAY)
    found = _rules("two_villages")
    assert {f.village_id for f in found} == {tree.village.pk, tree.village2.pk}


def test_paid_after_death_and_above_standard(tree, users, project):
    staff = users[Role.TOWNSHIP_STAFF]
    standard(project=project, amount="726.00")
    e = active_enrolment(project=project, village=tree.village, active_from=MARCH)  # no arrears lines
    batch = services.batch_generate(user=staff, project=project, division=tree.township, period_start=MARCH)
    payment = batch.payments.get()
    services.payment_adjust(user=staff, payment=payment, amount="99.00", reason="补差")
    Person.objects.filter(pk=e.person_id).update(status="deceased", status_on=datetime.date(2026, 2, 20))
    assert [f.payment_id for f in _rules("paid_after_exit")] == [payment.pk]
    assert [f.payment_id for f in _rules("above_standard")] == [payment.pk]


def test_shared_card_across_households_is_one_group(tree, project):
    h1 = Household.objects.create(village=tree.village, number="1")
    h2 = Household.objects.create(village=tree.village, number="2")
    a = active_enrolment(
        project=project, village=tree.village, name="甲", card="6228000000000001", household=h1
    )
    b = active_enrolment(
        project=project, village=tree.village, name="乙", card="6228000000000001", household=h2
    )
    active_enrolment(project=project, village=tree.village, name="丙", card="6228000000000001", household=h1)
    (finding,) = _rules("shared_card")
    assert set(finding.related) >= {a.person_id, b.person_id}
    # same household sharing a card is normal
    AnomalyFinding.objects.all().delete()
    Person.objects.filter(pk=b.person_id).update(household=h1)
    assert _rules("shared_card") == []


def test_mutually_exclusive_projects_are_configurable(tree, users, project):
    tekun = ProjectFactory(division=tree.township, name="特困人员供养", code="TK")
    e = active_enrolment(project=project, village=tree.village)
    Enrolment.objects.create(project=tekun, person=e.person, village=tree.village, applied_on=TODAY)
    assert _rules("exclusive") == []
    services.exclusive_pair_add(
        user=users[Role.TOWNSHIP_STAFF], first=tekun, second=project, note="不得重复享受"
    )
    assert ExclusivePair.objects.count() == 1
    assert len(_rules("exclusive")) == 1


def test_cadre_relative_and_reruns_never_duplicate(tree, users, project):
    home = Household.objects.create(village=tree.village, number="9")
    cadre_person = person(village=tree.village, name="村干部", household=home)
    UserPerson.objects.create(user=users[Role.VILLAGE_CADRE], person=cadre_person)
    active_enrolment(project=project, village=tree.village, name="干部之母", household=home)
    first = _rules("cadre_relative")
    assert len(first) == 1
    services.anomaly_explain(
        user=users[Role.TOWNSHIP_STAFF], finding=first[0], note="经核实符合条件，已公示无异议"
    )
    services.anomaly_check_run(user=SYSTEM)
    services.anomaly_check_run(user=SYSTEM)
    again = AnomalyFinding.objects.get(rule="cadre_relative")
    assert again.pk == first[0].pk and again.status == "explained"
    assert AnomalyFinding.objects.filter(rule="cadre_relative").count() == 1


def test_findings_are_scoped(tree, users, project):
    e = active_enrolment(project=project, village=tree.village)
    other = ProjectFactory(division=tree.township, code="X2")
    Enrolment.objects.create(project=other, person=e.person, village=tree.village2, applied_on=TODAY)
    services.anomaly_check_run(user=SYSTEM)
    from beneficiaries import selectors

    assert selectors.anomaly_list(user=users[Role.VILLAGE_CADRE]).count() == 1
    assert selectors.anomaly_list(user=users[Role.TOWNSHIP_STAFF]).count() == 2


# --- roster import ---------------------------------------------------------------------------


def _roster(rows, *, title=None, merge=False) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    start = 0
    if title:
        sheet.write_string(0, 0, title)
        start = 1
    for col, column in enumerate(excel.ROSTER_SPEC.columns):
        sheet.write_string(start, col, str(column.header))
    for r, row in enumerate(rows, start + 1):
        for col, column in enumerate(excel.ROSTER_SPEC.columns):
            value = row.get(column.key)
            if value is not None:
                sheet.write_string(r, col, str(value))
    if merge:
        sheet.merge_range(start + 1, 0, start + 2, 0, "合并")
    book.close()
    return out.getvalue()


def _row(tree, **extra):
    return {
        "name": "赵六",
        "id_number": id_number(),
        "village_code": tree.village.code,
        "household": "0001",
        "relation": "户主",
        "bank_card": "6228480012345678901",
        "code": "DB",
        "year": "2026",
        **extra,
    }


def _import(tree, users, rows, role=Role.TOWNSHIP_STAFF, **options):
    parsed = read_xlsx(_roster(rows, **options), excel.ROSTER_SPEC, name="名册.xlsx")
    return excel.import_roster(parsed=parsed, user=users[role], today=TODAY)


def test_import_writes_persons_households_enrolments(tree, users, project):
    rows = [
        _row(tree),
        _row(tree, name="钱七", relation="配偶"),
        _row(tree, village_code="", village_name="西湖村", household=""),
    ]
    assert _import(tree, users, rows) == 3
    assert Enrolment.objects.filter(project=project, status="applied").count() == 3
    home = Household.objects.get(village=tree.village, number="0001")
    assert home.head.name == "赵六" and home.members.count() == 2
    assert Person.objects.get(name="钱七").id_number == rows[1]["id_number"]


def test_existing_person_with_same_name_and_village_is_enrolled_not_duplicated(tree, users, project):
    known = person(village=tree.village, name="赵六")
    _import(tree, users, [_row(tree, id_number=known.id_number)])
    assert Person.objects.count() == 1 and known.enrolments.count() == 1


@pytest.mark.parametrize(
    "change, column, reason",
    [
        ({"id_number": "341226195209170017"}, "B", "checksum"),
        ({"id_number": "341226202712010019"}, "B", "birth date"),
        ({"year": "2026.5"}, "K", "whole number"),
        ({"village_code": "341226101299"}, "C", "No village"),
        ({"bank_card": "6228-48"}, "H", "12 to 19 digits"),
        ({"code": "NOPE"}, "J", "No project"),
    ],
)
def test_bad_row_names_row_and_column_and_nothing_is_written(tree, users, project, change, column, reason):
    rows = [_row(tree), _row(tree, **change)]
    with pytest.raises(ValidationError) as excinfo:
        _import(tree, users, rows)
    (error,) = excinfo.value.row_errors
    assert (error.row, error.column) == (3, column) and reason in error.message
    assert Person.objects.count() == 0 and Enrolment.objects.count() == 0


def test_duplicates_in_file_and_against_registry_are_reported(tree, users, project):
    known = person(village=tree.village, name="孙八")
    twice = _row(tree)
    enrolled = active_enrolment(project=project, village=tree.village, name="周九")
    rows = [
        twice,
        dict(twice),
        _row(tree, id_number=known.id_number, name="别名"),
        _row(tree, name="周九", id_number=enrolled.person.id_number),
    ]
    with pytest.raises(ValidationError) as excinfo:
        _import(tree, users, rows)
    messages = {e.row: e.message for e in excinfo.value.row_errors}
    assert "row 2" in messages[3]
    assert "registered as 孙八" in messages[4]
    assert "already enrolled" in messages[5]
    assert Enrolment.objects.count() == 1


@pytest.mark.parametrize(
    "options, reason", [({"title": "2026年低保名册"}, "row 2"), ({"merge": True}, "merged")]
)
def test_title_row_or_merged_cells_refuse_the_file(tree, users, project, options, reason):
    with pytest.raises(ValidationError, match=reason):
        _import(tree, users, [_row(tree), _row(tree)], **options)
    assert Person.objects.count() == 0


def test_one_person_in_two_projects_of_the_file_is_registered_once(tree, users, project):
    ProjectFactory(division=tree.township, name="特困人员救助供养", code="TK")
    same = _row(tree, name="吴十")
    rows = [same, {**same, "code": "TK"}, _row(tree, name="郑十一", relation="子女")]
    assert _import(tree, users, rows) == 3
    wu = Person.objects.get(name="吴十")
    assert Person.objects.count() == 2
    assert sorted(wu.enrolments.values_list("project__code", flat=True)) == ["DB", "TK"]
    assert wu.history.filter(history_type="+").count() == 1  # one audit row for the one new person


def test_an_existing_household_takes_the_new_members_and_keeps_its_head(tree, users, project):
    home = Household.objects.create(village=tree.village, number="0001")
    head = person(village=tree.village, name="冯老", household=home, relation="head")
    Household.objects.filter(pk=home.pk).update(head=head)
    _import(tree, users, [_row(tree, name="冯小", relation="户主"), _row(tree, name="冯二", relation="子女")])
    assert Household.objects.count() == 1
    home.refresh_from_db()
    assert home.head == head and home.members.count() == 3
    new = Enrolment.objects.get(person__name="冯二")
    assert new.person.household_id == home.pk and new.created_by == users[Role.TOWNSHIP_STAFF]
    assert new.history.get().history_user == users[Role.TOWNSHIP_STAFF]


def test_an_existing_household_without_a_head_takes_its_first_head_of_the_file(tree, users, project):
    home = Household.objects.create(village=tree.village, number="0001")
    _import(tree, users, [_row(tree, name="褚一", relation="子女"), _row(tree, name="褚二", relation="户主")])
    home.refresh_from_db()
    assert home.head.name == "褚二"


def test_anomaly_run_without_a_scope_is_refused(tree, project):
    """user=None used to mean "everything" (the nightly run); now it is refused, and the nightly
    run says Scope.system(...)."""
    active_enrolment(project=project, village=tree.village)
    with pytest.raises(TypeError):
        services.anomaly_check_run(user=None)
    with pytest.raises(TypeError):
        services.anomaly_check_run()  # the keyword is required
    assert not AnomalyFinding.objects.exists()
