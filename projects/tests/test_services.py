"""The rules of the issue, one by one, against the database. Every refusal also checks that
nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from org.models import Role
from projects import services
from projects.models import FundLine, FundMovement, ProgressReport, Project, Site, SiteControl, Target
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    ProjectFactory,
    SiteFactory,
    TargetFactory,
    department_of,
    project_with_targets,
)

pytestmark = pytest.mark.django_db

STAFF, LEADER, CADRE = Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE
REVIEWER, AUDITOR = Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR


def _message(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def _doc(name="doc.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


# --- projects --------------------------------------------------------------------------------


def _create_kwargs(tree, **overrides):
    return {
        "year": 2026,
        "code": "MS-01",
        "name": "农村低保",
        "kind": Project.Kind.SUBSIDY,
        "category": Project.Category.SOCIAL_SERVICE,
        "division": tree.township,
        "lead_department": department_of(tree.township),
        "responsible_person": "李明",
        **overrides,
    }


def test_staff_creates_a_project_for_their_township(tree, users):
    project = services.project_create(user=users[STAFF], **_create_kwargs(tree))
    assert project.division == tree.township and project.created_by == users[STAFF]
    assert project.history.count() == 1


@pytest.mark.parametrize("role", [CADRE, REVIEWER, AUDITOR])
def test_only_township_roles_create_projects(tree, users, role):
    # The township lies outside a village cadre's scope: 404 before the role is looked at.
    with pytest.raises(Http404 if role == CADRE else PermissionDenied):
        services.project_create(user=users[role], **_create_kwargs(tree))
    assert Project.objects.count() == 0


def test_staff_cannot_create_for_another_township_or_a_village(tree, users):
    with pytest.raises(Http404):  # another township is outside the scope: 404, not 403
        services.project_create(user=users[STAFF], **_create_kwargs(tree, division=tree.township2))
    with pytest.raises(ValidationError) as error:
        services.project_create(user=users[STAFF], **_create_kwargs(tree, division=tree.village))
    assert "东庄村" in _message(error.value, "division")
    assert Project.objects.count() == 0


def test_duplicate_code_and_foreign_department_are_named(tree, users):
    services.project_create(user=users[STAFF], **_create_kwargs(tree))
    with pytest.raises(ValidationError) as error:
        services.project_create(user=users[STAFF], **_create_kwargs(tree, name="另一个"))
    assert "MS-01" in _message(error.value, "code")
    with pytest.raises(ValidationError) as error:
        services.project_create(
            user=users[STAFF],
            **_create_kwargs(tree, code="MS-02", lead_department=department_of(tree.township2)),
        )
    assert "陡沟镇" in _message(error.value, "lead_department")
    assert Project.objects.count() == 1


def test_carry_forward_copies_a_year_once(tree, users):
    ProjectFactory(division=tree.township, code="A", year=2026)
    ProjectFactory(division=tree.township, code="B", year=2026)
    ProjectFactory(division=tree.township2, code="C", year=2026)  # another township: not theirs
    ProjectFactory(division=tree.county, code="D", year=2026)  # the county's: not theirs
    result = services.project_carry_forward(user=users[STAFF], from_year=2026)
    assert result == {"created": 2, "skipped": 0}
    copies = Project.objects.filter(year=2027)
    assert sorted(copies.values_list("code", flat=True)) == ["A", "B"]
    assert all(copy.carried_from.code == copy.code for copy in copies)
    assert services.project_carry_forward(user=users[STAFF], from_year=2026) == {"created": 0, "skipped": 2}
    assert Project.objects.filter(year=2027).count() == 2


def test_auditor_cannot_carry_forward(tree, users):
    ProjectFactory(division=tree.township, code="A", year=2026)
    with pytest.raises(PermissionDenied):
        services.project_carry_forward(user=users[AUDITOR], from_year=2026)
    assert not Project.objects.filter(year=2027).exists()


# --- targets ---------------------------------------------------------------------------------


def test_target_tree_and_unit(tree, users):
    project = ProjectFactory(division=tree.township)
    top = services.target_set(
        user=users[STAFF], project=project, division=tree.township, quantity="100", unit="人"
    )
    village = services.target_set(
        user=users[STAFF], project=project, division=tree.village, quantity="40", unit="人"
    )
    assert village.parent == top
    with pytest.raises(ValidationError) as error:
        services.target_set(
            user=users[STAFF], project=project, division=tree.village2, quantity="10", unit="户"
        )
    assert "人" in _message(error.value, "unit") and "户" in _message(error.value, "unit")


@pytest.mark.parametrize(
    ("quantity", "unit", "field", "needle"),
    [("-5", "人", "quantity", "-5"), ("10", "斤", "unit", "斤"), ("abc", "人", "quantity", "abc")],
)
def test_bad_target_input_is_named(tree, users, quantity, unit, field, needle):
    project = ProjectFactory(division=tree.township)
    with pytest.raises(ValidationError) as error:
        services.target_set(
            user=users[STAFF], project=project, division=tree.township, quantity=quantity, unit=unit
        )
    assert needle in _message(error.value, field)
    assert Target.objects.count() == 0


def test_village_shares_cannot_exceed_the_township(tree, users):
    project, _top, (v1, _v2) = project_with_targets(tree, quantity="100")
    with pytest.raises(ValidationError) as error:
        services.target_set(
            user=users[STAFF], project=project, division=tree.village, quantity="60", unit="人"
        )
    message = _message(error.value, "quantity")
    assert "110.00" in message and "100.00" in message and "10.00" in message
    v1.refresh_from_db()
    assert v1.quantity == Decimal("50")


def test_split_must_add_up_and_shows_the_difference(tree, users):
    project = ProjectFactory(division=tree.township)
    top = TargetFactory(project=project, division=tree.township, quantity=Decimal("100"))
    with pytest.raises(ValidationError) as error:
        services.target_split(user=users[STAFF], target=top, parts={tree.village: "30", tree.village2: "50"})
    message = _message(error.value, "parts")
    assert "80.00" in message and "100.00" in message and "20.00" in message
    assert top.children.count() == 0
    children = services.target_split(
        user=users[STAFF], target=top, parts={tree.village: "30", tree.village2: "70"}
    )
    assert sorted(c.quantity for c in children) == [Decimal("30"), Decimal("70")]
    # A second split replaces the shares.
    services.target_split(user=users[STAFF], target=top, parts={tree.village: "100"})
    assert list(top.children.values_list("division__code", "quantity")) == [
        (tree.village.code, Decimal("100"))
    ]


def test_split_refuses_divisions_not_directly_below(tree, users):
    project = ProjectFactory(division=tree.township)
    top = TargetFactory(project=project, division=tree.township, quantity=Decimal("10"))
    with pytest.raises(ValidationError) as error:
        services.target_split(user=users[STAFF], target=top, parts={tree.village3: "10"})
    assert "南岗村" in _message(error.value, "parts")


def test_township_splits_its_share_of_a_county_project(tree, users):
    project = ProjectFactory(division=tree.county, lead_department=department_of(tree.township))
    county = TargetFactory(project=project, division=tree.county, quantity=Decimal("200"))
    mine = TargetFactory(project=project, division=tree.township, parent=county, quantity=Decimal("120"))
    TargetFactory(project=project, division=tree.township2, parent=county, quantity=Decimal("80"))
    with pytest.raises(PermissionDenied):  # the county's figures stay the county's
        services.target_set(
            user=users[STAFF], project=project, division=tree.township, quantity="150", unit="人"
        )
    services.target_split(user=users[STAFF], target=mine, parts={tree.village: "100", tree.village2: "20"})
    assert mine.children.count() == 2


@pytest.mark.parametrize("role", [CADRE, REVIEWER, AUDITOR])
def test_readers_and_cadres_cannot_set_targets(tree, users, role):
    project, top, _ = project_with_targets(tree)
    # The township's own target is outside a village cadre's scope (404); readers see it (403).
    refused = Http404 if role == CADRE else PermissionDenied
    with pytest.raises(refused):
        services.target_split(user=users[role], target=top, parts={tree.village: "100"})
    with pytest.raises(refused):
        services.target_set(
            user=users[role], project=project, division=tree.township, quantity="1", unit="人"
        )
    top.refresh_from_db()
    assert top.quantity == Decimal("100")


# --- progress --------------------------------------------------------------------------------


def test_cadre_records_progress_for_their_village_only(tree, users, today):
    _project, _top, (mine, other) = project_with_targets(tree)
    report = services.progress_record(
        user=users[CADRE], target=mine, month="2026-03", actual="20", today=today
    )
    assert report.month == datetime.date(2026, 3, 1) and report.completion_rate == Decimal("0.4")
    with pytest.raises(Http404):  # the other village's target is outside the cadre's scope
        services.progress_record(user=users[CADRE], target=other, month="2026-03", actual="20", today=today)
    assert ProgressReport.objects.count() == 1


def test_completion_may_exceed_one_hundred_percent(tree, users, today):
    _project, _top, (mine, _other) = project_with_targets(tree)
    report = services.progress_record(
        user=users[STAFF], target=mine, month="2026-06", actual="60", today=today
    )
    assert report.completion_rate == Decimal("1.2")


def test_lower_month_needs_a_correction_reason(tree, users, today):
    _project, _top, (mine, _other) = project_with_targets(tree)
    services.progress_record(user=users[STAFF], target=mine, month="2026-03", actual="30", today=today)
    with pytest.raises(ValidationError) as error:
        services.progress_record(user=users[STAFF], target=mine, month="2026-04", actual="25", today=today)
    message = _message(error.value, "actual")
    assert "25.00" in message and "30.00" in message and "2026-03" in message
    assert ProgressReport.objects.count() == 1
    report = services.progress_record(
        user=users[STAFF],
        target=mine,
        month="2026-04",
        actual="25",
        correction_reason="三月重复统计5人",
        today=today,
    )
    assert report.is_correction and report.correction_reason == "三月重复统计5人"


def test_an_earlier_month_cannot_exceed_a_later_one_without_reason(tree, users, today):
    _project, _top, (mine, _other) = project_with_targets(tree)
    services.progress_record(user=users[STAFF], target=mine, month="2026-05", actual="30", today=today)
    with pytest.raises(ValidationError) as error:
        services.progress_record(user=users[STAFF], target=mine, month="2026-02", actual="40", today=today)
    assert "2026-05" in _message(error.value, "actual")


def test_rerecording_a_month_lower_is_a_correction(tree, users, today):
    _project, _top, (mine, _other) = project_with_targets(tree)
    services.progress_record(user=users[STAFF], target=mine, month="2026-05", actual="30", today=today)
    with pytest.raises(ValidationError):
        services.progress_record(user=users[STAFF], target=mine, month="2026-05", actual="29", today=today)
    assert ProgressReport.objects.get().actual == Decimal("30")
    services.progress_record(user=users[STAFF], target=mine, month="2026-05", actual="31", today=today)
    assert ProgressReport.objects.get().actual == Decimal("31")


@pytest.mark.parametrize(
    ("month", "actual", "field", "needle"),
    [
        ("2026-08", "10", "month", "2026-08"),  # the future (today is 2026-07-02)
        ("2025-12", "10", "month", "2026"),  # outside the project's year
        ("2026/13", "10", "month", "2026/13"),
        ("2026-03", "-1", "actual", "-1"),
    ],
)
def test_bad_progress_input_is_named(tree, users, today, month, actual, field, needle):
    _project, _top, (mine, _other) = project_with_targets(tree)
    with pytest.raises(ValidationError) as error:
        services.progress_record(user=users[STAFF], target=mine, month=month, actual=actual, today=today)
    assert needle in _message(error.value, field)
    assert ProgressReport.objects.count() == 0


def test_progress_goes_on_the_shares_of_a_split_target(tree, users, today):
    _project, top, _children = project_with_targets(tree)
    with pytest.raises(ValidationError) as error:
        services.progress_record(user=users[STAFF], target=top, month="2026-03", actual="10", today=today)
    assert "target" in error.value.message_dict


@pytest.mark.parametrize("role", [REVIEWER, AUDITOR])
def test_county_roles_record_no_progress(tree, users, today, role):
    _project, _top, (mine, _other) = project_with_targets(tree)
    with pytest.raises(PermissionDenied):
        services.progress_record(user=users[role], target=mine, month="2026-03", actual="1", today=today)


# --- funds -----------------------------------------------------------------------------------


def _record(user, project, kind, amount, date=datetime.date(2026, 3, 10), source="central", today=None):
    return services.fund_movement_record(
        user=user, project=project, source=source, kind=kind, date=date, amount=amount, today=today
    )


def test_fund_order_is_enforced_with_amounts(tree, users, today):
    project = ProjectFactory(division=tree.township)
    staff = users[STAFF]
    services.fund_line_set(user=staff, project=project, source="central", planned="10000")
    _record(staff, project, "received", "8000", today=today)
    _record(staff, project, "allocated", "6000", today=today)
    with pytest.raises(ValidationError) as error:
        _record(staff, project, "spent", "6000.01", today=today)
    message = _message(error.value, "amount")
    assert "6,000.01" in message and "6,000.00" in message
    with pytest.raises(ValidationError) as error:
        _record(staff, project, "allocated", "2500", today=today)
    assert "8,500.00" in _message(error.value, "amount") and "8,000.00" in _message(error.value, "amount")
    assert FundMovement.objects.count() == 2


def test_fund_order_holds_at_every_date(tree, users, today):
    """Money allocated in March cannot lean on money received in April."""
    project = ProjectFactory(division=tree.township)
    staff = users[STAFF]
    _record(staff, project, "received", "1000", date=datetime.date(2026, 4, 1), today=today)
    with pytest.raises(ValidationError) as error:
        _record(staff, project, "allocated", "500", date=datetime.date(2026, 3, 1), today=today)
    assert "2026-03-01" in _message(error.value, "amount")


def test_updating_a_movement_rechecks_the_order(tree, users, today):
    project = ProjectFactory(division=tree.township)
    staff = users[STAFF]
    received = _record(staff, project, "received", "1000", today=today)
    _record(staff, project, "allocated", "800", today=today)
    with pytest.raises(ValidationError):
        services.fund_movement_update(user=staff, movement=received, amount="700", today=today)
    received.refresh_from_db()
    assert received.amount == Decimal("1000.00")
    services.fund_movement_update(user=staff, movement=received, amount="900", today=today)
    assert received.history.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "-100"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"date": datetime.date(2026, 7, 3)}, "date"),
        ({"date": datetime.date(2025, 12, 31)}, "date"),
        ({"source": "bank"}, "source"),
        ({"kind": "stolen"}, "kind"),
    ],
)
def test_bad_fund_input_is_named(tree, users, today, kwargs, field):
    project = ProjectFactory(division=tree.township)
    arguments = {
        "source": "central",
        "kind": "received",
        "date": datetime.date(2026, 3, 1),
        "amount": "100",
        **kwargs,
    }
    with pytest.raises(ValidationError) as error:
        services.fund_movement_record(user=users[STAFF], project=project, today=today, **arguments)
    assert field in error.value.message_dict
    assert FundMovement.objects.count() == 0 and FundLine.objects.count() == 0


@pytest.mark.parametrize("role", [CADRE, REVIEWER, AUDITOR])
def test_only_the_owner_records_funds(tree, users, today, role):
    project = ProjectFactory(division=tree.township)
    refused = Http404 if role == CADRE else PermissionDenied  # no target in the cadre's village
    with pytest.raises(refused):
        _record(users[role], project, "received", "100", today=today)
    with pytest.raises(refused):
        services.fund_line_set(user=users[role], project=project, source="central", planned="1")
    assert FundMovement.objects.count() == 0


# --- sites -----------------------------------------------------------------------------------


def test_sites_only_for_construction_projects(tree, users):
    project = ProjectFactory(division=tree.township, kind=Project.Kind.SUBSIDY)
    with pytest.raises(ValidationError) as error:
        services.site_create(
            user=users[STAFF],
            project=project,
            division=tree.village,
            name="点",
            location="村部",
            investment="1",
        )
    assert "project" in error.value.message_dict
    assert Site.objects.count() == 0


def test_site_dates_and_investment(tree, users):
    project = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION)
    base = {
        "user": users[STAFF],
        "project": project,
        "division": tree.village,
        "name": "幼儿园",
        "location": "村部",
    }
    with pytest.raises(ValidationError) as error:
        services.site_create(**base, investment="-1")
    assert "investment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.site_create(
            **base, investment="1", start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 1)
        )
    assert "2026-04-01" in _message(error.value, "end_date")
    assert Site.objects.count() == 0


def test_six_controls_and_acceptance(tree, users, today):
    project = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION)
    site = services.site_create(
        user=users[STAFF],
        project=project,
        division=tree.village,
        name="东庄幼儿园",
        location="村部",
        investment="300000",
    )
    leader = users[LEADER]
    with pytest.raises(ValidationError) as error:
        services.site_accept(user=leader, site=site, accepted_on=today, document=_doc(), today=today)
    assert "招投标" in _message(error.value, "accepted_on") or "Tendering" in _message(
        error.value, "accepted_on"
    )
    for control in ["legal_person", "tendering", "contract", "supervision", "reimbursement"]:
        services.site_control_record(
            user=users[STAFF],
            site=site,
            control=control,
            done_on=datetime.date(2026, 4, 1),
            document=_doc(),
            today=today,
        )
    with pytest.raises(PermissionDenied):  # staff prepare, leaders accept
        services.site_accept(user=users[STAFF], site=site, accepted_on=today, document=_doc(), today=today)
    services.site_accept(user=leader, site=site, accepted_on=today, document=_doc(), today=today)
    site.refresh_from_db()
    assert site.accepted_on == today and site.accepted_by == leader
    assert SiteControl.objects.filter(site=site).count() == 6


def test_acceptance_is_four_eyes(tree, users, today):
    project = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION)
    site = SiteFactory(project=project, division=tree.village, created_by=users[LEADER])
    with pytest.raises(ValidationError):
        services.site_accept(user=users[LEADER], site=site, accepted_on=today, document=_doc(), today=today)


def test_control_in_the_future_is_refused(tree, users, today):
    project = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION)
    site = SiteFactory(project=project, division=tree.village)
    with pytest.raises(ValidationError) as error:
        services.site_control_record(
            user=users[STAFF],
            site=site,
            control="tendering",
            done_on=datetime.date(2026, 12, 1),
            document=_doc(),
            today=today,
        )
    assert "2026-12-01" in _message(error.value, "done_on")
    assert SiteControl.objects.count() == 0


def test_progress_factory_is_valid(tree):
    _project, _top, (mine, _other) = project_with_targets(tree)
    ProgressFactory(target=mine).full_clean()


# --- outside the scope: 404, never 403 (issue 14) ---------------------------------------------


def _elsewhere(tree):
    """Another township's project with a target, a fund movement and a site."""
    project, top, (target,) = project_with_targets(
        tree, division=tree.township2, villages=("village3",), kind=Project.Kind.CONSTRUCTION
    )
    movement = FundMovementFactory(
        fund_line=FundLineFactory(project=project, source="central"), kind="received"
    )
    site = SiteFactory(project=project, division=tree.village3)
    return {"project": project, "top": top, "target": target, "movement": movement, "site": site}


OUT_OF_SCOPE_CALLS = {
    "project_create": lambda user, tree, o: services.project_create(
        user=user,
        **_create_kwargs(tree, division=tree.township2, lead_department=department_of(tree.township2)),
    ),
    "project_update": lambda user, tree, o: services.project_update(
        user=user, project=o["project"], name="x"
    ),
    "target_set": lambda user, tree, o: services.target_set(
        user=user, project=o["project"], division=tree.township2, quantity="5", unit="人"
    ),
    "target_split": lambda user, tree, o: services.target_split(
        user=user, target=o["top"], parts={tree.village3: "1"}
    ),
    "progress_record": lambda user, tree, o: services.progress_record(
        user=user, target=o["target"], month="2026-03", actual="1", today=datetime.date(2026, 6, 1)
    ),
    "fund_line_set": lambda user, tree, o: services.fund_line_set(
        user=user, project=o["project"], source="central", planned="1"
    ),
    "fund_movement_record": lambda user, tree, o: _record(
        user, o["project"], "received", "1", today=datetime.date(2026, 6, 1)
    ),
    "fund_movement_update": lambda user, tree, o: services.fund_movement_update(
        user=user, movement=o["movement"], note="x", today=datetime.date(2026, 6, 1)
    ),
    "site_create": lambda user, tree, o: services.site_create(
        user=user, project=o["project"], division=tree.village3, name="点", location="村部", investment="1"
    ),
    "site_update": lambda user, tree, o: services.site_update(user=user, site=o["site"], name="x"),
    "site_control_record": lambda user, tree, o: services.site_control_record(
        user=user,
        site=o["site"],
        control=SiteControl.Control.values[0],
        done_on=datetime.date(2026, 4, 1),
        document=_doc(),
        today=datetime.date(2026, 6, 1),
    ),
    "site_accept": lambda user, tree, o: services.site_accept(
        user=user,
        site=o["site"],
        accepted_on=datetime.date(2026, 6, 1),
        document=_doc(),
        today=datetime.date(2026, 6, 1),
    ),
}


@pytest.mark.parametrize("role", [STAFF, LEADER])
@pytest.mark.parametrize("call", sorted(OUT_OF_SCOPE_CALLS))
def test_another_townships_records_answer_404_not_403(tree, users, role, call):
    others = _elsewhere(tree)
    counts = [
        model.objects.count() for model in (Project, Target, ProgressReport, FundLine, FundMovement, Site)
    ]
    with pytest.raises(Http404):
        OUT_OF_SCOPE_CALLS[call](users[role], tree, others)
    assert counts == [
        model.objects.count() for model in (Project, Target, ProgressReport, FundLine, FundMovement, Site)
    ]
    others["project"].refresh_from_db()
    assert others["project"].name != "x"
