import pytest
from django.core.exceptions import ValidationError

from org import services
from org.models import Division, Role, User
from org.tests.factories import UserFactory


def _error_fields(excinfo):
    return set(excinfo.value.message_dict)


def test_four_eyes_refuses_own_work(users):
    staff = users[Role.TOWNSHIP_STAFF]
    with pytest.raises(ValidationError) as excinfo:
        services.ensure_four_eyes(prepared_by=staff, acting=staff, what="2026年1月发放批次")
    assert excinfo.value.code == "four_eyes"
    assert "2026年1月发放批次" in excinfo.value.messages[0]


def test_four_eyes_accepts_another_person(users):
    services.ensure_four_eyes(prepared_by=users[Role.TOWNSHIP_STAFF], acting=users[Role.TOWNSHIP_LEADER])


def test_four_eyes_compares_identity_not_equal_names(tree):
    a = UserFactory(username="a", full_name="李明", division=tree.township)
    b = UserFactory(username="b", full_name="李明", division=tree.township)
    services.ensure_four_eyes(prepared_by=a, acting=b)
    with pytest.raises(ValidationError):
        services.ensure_four_eyes(prepared_by=a, acting=User.objects.get(pk=a.pk))


def test_four_eyes_is_not_skipped_when_nobody_prepared_it(users):
    # the old rule returned silently here, so a batch with no preparer was checked by anyone
    with pytest.raises(ValidationError) as excinfo:
        services.ensure_four_eyes(prepared_by=None, acting=users[Role.TOWNSHIP_LEADER], what="批次")
    assert excinfo.value.code == "no_preparer"
    with pytest.raises(ValidationError):
        services.ensure_four_eyes(prepared_by=users[Role.TOWNSHIP_STAFF], acting=None)


def test_four_eyes_names_the_step(users):
    staff = users[Role.TOWNSHIP_STAFF]
    with pytest.raises(ValidationError) as excinfo:
        services.ensure_four_eyes(prepared_by=staff, acting=staff, what="批次", step="check")
    assert excinfo.value.code == "four_eyes"


def test_role_without_division_is_refused(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            username="x", password="Minsheng-2026", role=Role.TOWNSHIP_STAFF, division_code=None
        )
    assert _error_fields(excinfo) == {"division"}
    assert not User.objects.filter(username="x").exists()


def test_cadre_attached_to_township_is_refused(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            username="x", password="Minsheng-2026", role=Role.VILLAGE_CADRE, division_code=tree.township.code
        )
    assert _error_fields(excinfo) == {"division"}
    assert tree.township.name in excinfo.value.message_dict["division"][0]
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize(
    "role, place",
    [
        (Role.COUNTY_AUDITOR, "township"),
        (Role.TOWNSHIP_LEADER, "village"),
        (Role.COUNTY_REVIEWER, "village"),
        (Role.TOWNSHIP_STAFF, "county"),
    ],
)
def test_every_role_needs_its_level(tree, role, place):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            username="x", password="Minsheng-2026", role=role, division_code=getattr(tree, place).code
        )
    assert _error_fields(excinfo) == {"division"}


def test_unknown_division_code_is_refused(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            username="x", password="Minsheng-2026", role=Role.VILLAGE_CADRE, division_code="341226101299"
        )
    assert _error_fields(excinfo) == {"division"}
    assert "341226101299" in excinfo.value.message_dict["division"][0]


@pytest.mark.parametrize("code", ["34122", "3412261", "34122610120A", "abcdef", "3412261012011"])
def test_malformed_division_code_is_refused(tree, code):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            username="x", password="Minsheng-2026", role=Role.VILLAGE_CADRE, division_code=code
        )
    assert _error_fields(excinfo) == {"division"}
    assert (
        "malformed" in excinfo.value.message_dict["division"][0]
        or "格式" in excinfo.value.message_dict["division"][0]
    )


def test_weak_password_is_refused_and_nothing_saved(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            username="x", password="password", role=Role.VILLAGE_CADRE, division_code=tree.village.code
        )
    assert _error_fields(excinfo) == {"password"}
    assert not User.objects.filter(username="x").exists()


def test_user_create_in_scope(tree):
    user = services.user_create(
        username="x",
        password="Minsheng-2026",
        role=Role.VILLAGE_CADRE,
        division_code=tree.village.code,
        full_name="赵六",
    )
    assert user.division == tree.village and not user.is_staff
    assert user.check_password("Minsheng-2026")


def test_division_code_must_extend_parent(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.division_create(
            code="341227101209", name="错村", level="village", parent_code=tree.township.code
        )
    assert _error_fields(excinfo) == {"code"}
    assert not Division.objects.filter(code="341227101209").exists()


def test_division_level_must_match_code_length(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.division_create(
            code="341226103", name="错村", level="village", parent_code=tree.township.code
        )
    assert "code" in _error_fields(excinfo)


def test_division_parent_must_be_the_level_above(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.division_create(
            code="341226201", name="错镇", level="township", parent_code=tree.township2.code
        )
    assert _error_fields(excinfo) == {"parent"}


def test_division_unknown_parent(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.division_create(code="341299101", name="新镇", level="township", parent_code="341299")
    assert _error_fields(excinfo) == {"parent"}


def test_database_refuses_code_of_wrong_length(tree):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Division.objects.create(code="3412261", name="坏", level="county")


def test_database_refuses_role_without_division(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="y", role=Role.TOWNSHIP_STAFF, division=None)


def test_division_create_ok(tree):
    village = services.division_create(
        code="341226101203", name="北圩村", level="village", parent_code=tree.township.code
    )
    assert village.parent == tree.township
