"""The admin matrix: every registered admin model × every role × in scope / out of scope / a
record another user of the same scope made, on every admin URL of the object (change, delete,
history, a history version, and any other the admin adds), GET and POST.

Table-driven like test_scope_matrix.py. The model list is ``admin.site._registry``: a newly
registered model is walked automatically, and test_world_has_rows_for_every_admin fails until
the world below holds rows of it inside and outside the scope.

Expected, for the portal's own (scoped) admins:
- outside the scope: 404 on every object URL, for every method (never the "does not exist"
  redirect, never the page);
- inside: every admin role reads the change page, the history and its versions;
- a POST by a role that may not write (the auditor always; a role not in the admin's
  ``write_roles``; everybody on a ``read_only`` admin) answers 403 and the row is unchanged;
- a revert through the history (simple-history's version form with ``_save``) answers 403 and
  changes nothing for everyone but the superuser, and for the superuser too on read-only admins.
The admins other libraries register (axes, celery beat, API tokens, groups) are the
superuser's alone. The village cadre is not staff: the admin sends them to the login page.

The world is built once per module (it takes seconds) inside a transaction rolled back at the
end; each test runs in a savepoint of it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, quote
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.test import RequestFactory
from django.urls import URLPattern, reverse

from org.admin_base import ScopedModelAdmin
from org.models import Role, User
from org.roles import ADMIN_ROLES, READ_ONLY

ROLES = [*Role, "admin"]
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
SCOPED = [
    (model, model_admin) for model, model_admin in REGISTRY if isinstance(model_admin, ScopedModelAdmin)
]
LIBRARY = [(model, model_admin) for model, model_admin in REGISTRY if (model, model_admin) not in SCOPED]
# Models every user with a scope reads whole (county-wide configuration): no "outside" row.
EVERYONE_READS = {"partycare.AidStandard"}
# Object URLs every admin has; anything else an admin adds (a user's password page) is a write.
READ_URLS = {"change", "history", "simple_history"}


@dataclass
class World:
    tree: object
    users: dict
    staff2: User  # another township staff member of the same township


def _tree_and_users():
    from conftest import Tree
    from org.tests.factories import DepartmentFactory, UserFactory, city, county, province, township, village

    c = county("341226", "民安县")
    t = township(c, "101", "城关镇")
    v = village(t, "201", "东庄村")
    v2 = village(t, "202", "西湖村")
    t2 = township(c, "102", "陡沟镇")
    v3 = village(t2, "201", "南岗村")
    oc = county("341227", "邻县")
    ot = township(oc, "101", "邻镇")
    ov = village(ot, "201", "邻村")
    for division in (t, t2, ot):
        DepartmentFactory(division=division, name="民政所")
    tree = Tree(c, t, v, v2, t2, v3, oc, ot, ov)
    users = {
        Role.TOWNSHIP_STAFF: UserFactory(username="staff", role=Role.TOWNSHIP_STAFF, division=t),
        Role.TOWNSHIP_LEADER: UserFactory(username="leader", role=Role.TOWNSHIP_LEADER, division=t),
        Role.VILLAGE_CADRE: UserFactory(username="cadre", role=Role.VILLAGE_CADRE, division=v),
        Role.COUNTY_REVIEWER: UserFactory(username="reviewer", role=Role.COUNTY_REVIEWER, division=c),
        Role.COUNTY_AUDITOR: UserFactory(username="auditor", role=Role.COUNTY_AUDITOR, division=c),
        "admin": UserFactory(username="admin", role="", division=None, is_staff=True, is_superuser=True),
    }
    # issue 17: above the county (安徽省 34, 阜阳市 3412: both counties are below them), reading only
    anhui = province("34", "安徽省")
    fuyang = city(anhui, "12", "阜阳市")
    for role, division in (
        (Role.CITY_REVIEWER, fuyang),
        (Role.CITY_AUDITOR, fuyang),
        (Role.PROVINCE_REVIEWER, anhui),
        (Role.PROVINCE_AUDITOR, anhui),
    ):
        users[role] = UserFactory(username=role.value, role=role, division=division)
    # users outside every officer's scope but the county's: another county's staff
    UserFactory(username="staff_other", role=Role.TOWNSHIP_STAFF, division=ot)
    staff2 = UserFactory(username="staff2", full_name="同镇另一人", role=Role.TOWNSHIP_STAFF, division=t)
    return tree, users, staff2


def _png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="photo.png")


def _extras(tree, users):
    """Rows of the admin models the every-URL cases do not make, inside and outside."""
    from beneficiaries.models import (
        AnomalyFinding,
        ExclusivePair,
        Payment,
        PaymentClearance,
        Person,
        UserPerson,
    )
    from org.models import AccessLog
    from partycare.models import (
        AidStandard,
        Branch,
        BranchRating,
        Commitment,
        MemberRating,
        PartyMember,
        PioneerItem,
    )
    from projects.models import Project, Site, SiteControl
    from publicity.models import Activity, ActivityPhoto, QuotaReminder
    from reports.models import ManualScore, ScorecardItem, ScorecardScheme
    from reports.tests.factories import scheme

    admin_user = users["admin"]
    # Jobs are their requester's alone: each role's own export, and one of another county's staff.
    from common.models import Job

    for role in (*Role, "admin"):
        owner = users[role]
        Job.objects.create(kind="test.export", status="done", created_by=owner, division=owner.division)
    other_staff = User.objects.get(username="staff_other")
    Job.objects.create(
        kind="test.export", status="done", created_by=other_staff, division=other_staff.division
    )
    AidStandard.objects.create(year=2026, kind="one_off", minimum=100, standard=200, cap=500)
    # a county scorecard configuration: the county's, not a township's
    scheme(tree.county, level="township", items=[("完成率", "completion", "100")])
    for township, village in ((tree.township, tree.village), (tree.other_township, tree.other_village)):
        user = (
            users[Role.TOWNSHIP_STAFF]
            if township == tree.township
            else User.objects.get(username="staff_other")
        )
        AccessLog.objects.create(user=user, action="download", what="名册", division=village)
        site = Site.objects.filter(division__code__startswith=township.code).first()
        SiteControl.objects.create(
            site=site,
            control="tendering",
            done_on=datetime.date(2026, 1, 1),
            document=ContentFile(b"%PDF-1.4", name="doc.pdf"),
            recorded_by=admin_user,
        )
        first, second = Project.objects.filter(division=township)[:2]
        ExclusivePair.objects.create(first=first, second=second, note="互斥")
        person = Person.objects.filter(village=village).first()
        PaymentClearance.objects.create(
            payment=Payment.objects.filter(enrolment__village=village).first(),
            finding=AnomalyFinding.objects.filter(village=village).first(),
            reason="核实无误",
            cleared_by=user,
        )
        login = User.objects.create(username=f"person_{village.code}", role="")
        UserPerson.objects.create(user=login, person=person)
        department = township.departments.get()
        QuotaReminder.objects.create(division=township, department=department, year=2026, month=3)
        activity = Activity.objects.filter(division=village).first()
        ActivityPhoto.objects.create(activity=activity, image=_png(), caption="现场", uploaded_by=admin_user)
        branch = Branch.objects.filter(division=village).first()
        member = PartyMember.objects.filter(branch=branch).first()
        PioneerItem.objects.create(
            division=township, year=2026, section="base", name="学习", points_per_unit=1, max_points=10
        )
        BranchRating.objects.create(branch=branch, year=2026, rating="good")
        MemberRating.objects.create(member=member, year=2026, rating="excellent")
        Commitment.objects.create(branch=branch, member=member, year=2026, text="为民办实事")
        item = ScorecardItem.objects.filter(
            scheme__in=ScorecardScheme.objects.filter(division=township)
        ).first()
        ManualScore.objects.create(
            item=item, unit_key=f"division:{village.pk}", unit_name=village.name, percent=Decimal("80")
        )


def _report_accepted(tree, users):
    """The inside monthly report taken through the whole workflow by the services, so that its
    history holds a draft version an admin revert could roll it back to."""
    from reports.models import MonthlyReport
    from reports.services import monthly_report_summary_set, monthly_report_transition

    report = MonthlyReport.objects.get(township=tree.township)
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    monthly_report_summary_set(user=staff, report_id=report.pk, summary="本月完成情况良好")
    monthly_report_transition(user=staff, report_id=report.pk, name="request_approval")
    monthly_report_transition(user=leader, report_id=report.pk, name="submit")
    monthly_report_transition(user=users[Role.COUNTY_REVIEWER], report_id=report.pk, name="accept")


def _user_fields(model):
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is User and not f.primary_key
    ]


def _made_by_another_user(tree, staff2):
    """For each admin model with a user column (created by, prepared by …), one row inside the
    township whose user columns all name staff2: a record another user of the same scope made."""
    marked = {}
    for model, _model_admin in SCOPED:
        fields = _user_fields(model)
        if not fields:
            continue
        rows = model._default_manager.visible_to(staff2).order_by("-pk")
        row = rows.first()
        if row is None:
            continue
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=row.pk).update(**dict.fromkeys(fields, staff2))
        except IntegrityError:
            continue  # frozen by the database (a posted notice): its own poster stays
        marked[model._meta.label] = row.pk
    return marked


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from tests.url_cases import build_cases

    with django_db_blocker.unblock(), transaction.atomic():
        tree, users, staff2 = _tree_and_users()
        build_cases(tree, users)
        _extras(tree, users)
        _report_accepted(tree, users)
        world = World(tree, users, staff2)
        world.marked = _made_by_another_user(tree, staff2)
        yield world
        transaction.set_rollback(True)


# --- helpers ---------------------------------------------------------------------------------


def _row(model, pk):
    return model._base_manager.filter(pk=pk).values().first()


def _object_urls(model_admin, pk, version=None):
    """Every named admin URL of one object: {name suffix: url}. The version page needs a
    version id; without one it gets a number no version has (still 404 outside the scope)."""
    opts = model_admin.model._meta
    prefix = f"{opts.app_label}_{opts.model_name}_"
    urls = {}
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name or not pattern.name.startswith(prefix):
            continue
        suffix = pattern.name[len(prefix) :]
        if suffix in ("changelist", "add", "autocomplete"):
            continue
        if suffix == "simple_history":
            urls[suffix] = reverse(f"admin:{pattern.name}", args=[quote(pk), version or 999999])
        else:
            urls[suffix] = reverse(f"admin:{pattern.name}", args=[quote(pk)])
    return urls


def _value(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _form_data(model_admin, obj, superuser, *, change=True):
    """What a browser would post: the admin form's current values, one text field altered, and
    empty management forms for the inlines — a valid change had the gate let it through."""
    request = RequestFactory().get("/")
    request.user = superuser
    fields = flatten_fieldsets(model_admin.get_fieldsets(request, obj))
    form = model_admin.get_form(request, obj, change=change, fields=fields)(instance=obj)
    data = {}
    altered = False
    for name, field in form.fields.items():
        if getattr(field, "disabled", False) or name in ("password",):
            continue
        value = form[name].value()
        if hasattr(field, "upload_to") or field.widget.needs_multipart_form:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = _value(value)
        if not altered and type(field).__name__ == "CharField" and not getattr(field, "choices", None):
            data[name] = (data[name] or "") + "改"
            altered = True
    for inline in model_admin.get_inline_instances(request, obj):
        prefix = inline.get_formset(request, obj).get_default_prefix()
        data.update(
            {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0"}
        )
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    return data


def _writer(model_admin, role):
    if model_admin.read_only:
        return False
    if role == "admin":
        return True
    return role in model_admin.write_roles and role not in READ_ONLY


def _is_login_redirect(response):
    return response.status_code == 302 and "login" in response["Location"]


def _rows_for(model, user, marked_pk):
    """(inside rows, outside rows) for the user: the first row inside, the row another user of
    the same scope made (when there is one in this scope), the first row outside."""
    visible = model._default_manager.visible_to(user)
    inside_pks = list(visible.order_by("pk").values_list("pk", flat=True)[:1])
    if marked_pk is not None and visible.filter(pk=marked_pk).exists() and marked_pk not in inside_pks:
        inside_pks.append(marked_pk)
    outside = list(
        model._base_manager.exclude(pk__in=visible.values("pk")).order_by("pk").values_list("pk", flat=True)
    )
    outside_pks = outside[:1]
    return inside_pks, outside_pks


def _versions(model, pk):
    if not hasattr(model._meta, "simple_history_manager_attribute"):
        return []
    history = getattr(model, model._meta.simple_history_manager_attribute)
    return list(
        history.filter(**{model._meta.pk.attname: pk})
        .order_by("history_id")
        .values_list("history_id", flat=True)
    )


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_world_has_rows_for_every_admin(world):
    """A newly registered model fails here until _extras (or url_cases) makes rows of it."""
    missing = []
    for model, _model_admin in SCOPED:
        label = model._meta.label
        for role in (Role.TOWNSHIP_STAFF, Role.COUNTY_AUDITOR):
            inside, outside = _rows_for(model, world.users[role], world.marked.get(label))
            if not inside:
                missing.append(f"{label}: nothing inside the scope of {role}")
            if not outside and label not in EVERYONE_READS:
                missing.append(f"{label}: nothing outside the scope of {role}")
    assert not missing, "\n".join(missing)
    assert world.marked, "no row made by another user of the same scope"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", [m for m, _a in SCOPED], ids=lambda m: m._meta.label)
def test_scoped_admin(client, world, model, role):
    model_admin = admin.site._registry[model]
    user = world.users[role]
    superuser = world.users["admin"]
    client.force_login(user)
    opts = model._meta
    label = opts.label
    writer = _writer(model_admin, role)
    may_revert = role == "admin" and not model_admin.read_only
    inside, outside = _rows_for(model, user, world.marked.get(label))
    failures = []

    def check(what, response, expected):
        ok = expected(response) if callable(expected) else response.status_code in expected
        if not ok:
            failures.append(f"{what}: {response.status_code}")

    def unchanged(what, pk, before):
        if _row(model, pk) != before:
            failures.append(f"{what}: the row changed")

    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    if role == Role.VILLAGE_CADRE:
        # not staff: every admin URL is the login page, and a POST changes nothing
        for url in [changelist, add]:
            check(f"GET {url}", client.get(url), _is_login_redirect)
        for pk in inside + outside:
            before = _row(model, pk)
            for name, url in _object_urls(model_admin, pk, (_versions(model, pk) or [None])[0]).items():
                check(f"GET {name} {pk}", client.get(url), _is_login_redirect)
                check(
                    f"POST {name} {pk}", client.post(url, {"_save": "1", "post": "yes"}), _is_login_redirect
                )
            unchanged(f"POST {pk}", pk, before)
        assert not failures, "\n".join(failures)
        return

    assert role in ADMIN_ROLES or role == "admin"
    response = client.get(changelist)
    check("GET changelist", response, {200})
    body = response.content.decode()
    for pk in outside:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(pk)])
        if change in body:
            failures.append(f"changelist links to {pk}, outside the scope")
    check("GET add", client.get(add), {200, 403} if writer else {403})
    if not writer:
        count = model._base_manager.count()
        check("POST add", client.post(add, {"_save": "1"}), {403})
        if model._base_manager.count() != count:
            failures.append("POST add: a row was added")

    for pk in outside:
        before = _row(model, pk)
        obj = model._base_manager.get(pk=pk)
        versions = _versions(model, pk)
        payload = _form_data(model_admin, obj, superuser)
        for name, url in _object_urls(model_admin, pk, versions[0] if versions else None).items():
            response = client.get(url)
            check(f"GET {name} outside {pk}", response, {404})
            if str(obj) and str(obj) in response.content.decode() and len(str(obj)) > 2:
                failures.append(f"GET {name} outside {pk}: the page names the object")
            check(
                f"POST {name} outside {pk}", client.post(url, {**payload, "_save": "1", "post": "yes"}), {404}
            )
        unchanged(f"outside {pk}", pk, before)

    for pk in inside:
        before = _row(model, pk)
        obj = model._base_manager.get(pk=pk)
        versions = _versions(model, pk)
        urls = _object_urls(model_admin, pk, versions[0] if versions else None)
        kind = "made by another user" if pk == world.marked.get(label) else "inside"
        for name, url in urls.items():
            if (name == "simple_history" and not versions) or (kind != "inside" and name != "change"):
                continue  # the other user's record: its change page is enough to show it is read
            expected = {200} if name in READ_URLS or writer else {403}
            check(f"GET {name} {kind} {pk}", client.get(url), expected)
        if not writer:
            payload = _form_data(model_admin, obj, superuser)
            check(f"POST change {kind} {pk}", client.post(urls["change"], {**payload, "_save": "1"}), {403})
            check(f"POST delete {kind} {pk}", client.post(urls["delete"], {"post": "yes"}), {403})
            client.post(
                changelist,
                {"action": "delete_selected", "_selected_action": [str(pk)], "index": "0", "post": "yes"},
            )
            for name in set(urls) - READ_URLS - {"change", "delete"}:
                check(f"POST {name} {kind} {pk}", client.post(urls[name], {}), {403})
            unchanged(f"POST as {role} on {kind} {pk}", pk, before)
        if versions and not may_revert:
            old = history_instance(model, versions[0])
            payload = {**_form_data(model_admin, old, superuser, change=False), "_save": "1"}
            check(f"POST revert {kind} {pk}", client.post(urls["simple_history"], payload), {403})
            check(
                f"POST revert (bare) {kind} {pk}", client.post(urls["simple_history"], {"_save": "1"}), {403}
            )
            unchanged(f"revert as {role} on {kind} {pk}", pk, before)
    assert not failures, "\n".join(failures)


def history_instance(model, version_id):
    history = getattr(model, model._meta.simple_history_manager_attribute)
    return history.get(history_id=version_id).instance


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", [m for m, _a in LIBRARY], ids=lambda m: m._meta.label)
def test_library_admin_is_the_superusers_alone(client, world, model, role):
    """Login attempts, schedules, API tokens, groups: a portal role neither reads nor changes
    them (axes' attempts name other users' logins across every scope)."""
    model_admin = admin.site._registry[model]
    opts = model._meta
    client.force_login(world.users[role])
    pk = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
    urls = [
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        *_object_urls(model_admin, pk if pk is not None else 1).values(),
    ]
    if role == "admin":
        assert client.get(urls[0]).status_code == 200
        return
    before = _row(model, pk) if pk is not None else None
    count = model._base_manager.count()
    for url in urls:
        for response in (client.get(url), client.post(url, {"_save": "1", "post": "yes"})):
            if role == Role.VILLAGE_CADRE:
                assert _is_login_redirect(response), url
            else:
                assert response.status_code == 403, (url, response.status_code)
    assert model._base_manager.count() == count
    if pk is not None:
        assert _row(model, pk) == before
    if role != Role.VILLAGE_CADRE:
        index = client.get(reverse("admin:index")).content.decode()
        assert f"/admin/{opts.app_label}/{opts.model_name}/" not in index


# --- the defects as reported ---------------------------------------------------------------------


def _report(world):
    from reports.models import MonthlyReport

    return MonthlyReport.objects.get(township=world.tree.township)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COUNTY_AUDITOR, Role.TOWNSHIP_STAFF, Role.COUNTY_REVIEWER, "admin"])
def test_nobody_rolls_an_accepted_report_back_through_the_history(client, world, role):
    report = _report(world)
    assert report.status == "accepted"
    first = report.history.order_by("history_id").first()
    assert first.status == "draft"
    before = _row(type(report), report.pk)
    client.force_login(world.users[role])
    url = reverse("admin:reports_monthlyreport_simple_history", args=[report.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"_save": "1"}).status_code == 403
    assert _row(type(report), report.pk) == before


@pytest.mark.django_db
def test_superuser_reverts_configuration_through_the_history(client, world):
    department = world.tree.township.departments.get()
    department.name = "民政办"
    department.save()
    first = department.history.order_by("history_id").first()
    client.force_login(world.users["admin"])
    url = reverse("admin:org_department_simple_history", args=[department.pk, first.history_id])
    data = {
        **_form_data(admin.site._registry[type(department)], first.instance, world.users["admin"]),
        "_save": "1",
    }
    data["name"] = first.name
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    department.refresh_from_db()
    assert department.name == "民政所"


@pytest.mark.django_db
def test_user_history_keeps_to_the_scope_and_never_shows_a_password(client, world):
    county_user = world.users[Role.COUNTY_REVIEWER]
    cadre = world.users[Role.VILLAGE_CADRE]
    for target in (county_user, cadre):
        target.phone = "13800000000"
        target.save()
    client.force_login(world.users[Role.TOWNSHIP_STAFF])
    version = county_user.history.order_by("history_id").first().history_id
    assert client.get(f"/admin/org/user/{county_user.pk}/history/").status_code == 404
    assert client.get(f"/admin/org/user/{county_user.pk}/history/{version}/").status_code == 404
    assert client.get(f"/admin/org/user/{county_user.pk}/change/").status_code == 404
    assert client.get(f"/admin/org/user/{county_user.pk}/password/").status_code == 404
    algorithm, *_rest, digest = cadre.password.split("$")
    version = cadre.history.order_by("history_id").first().history_id
    for who in (Role.TOWNSHIP_STAFF, "admin"):
        client.force_login(world.users[who])
        pages = [f"/admin/org/user/{cadre.pk}/history/", f"/admin/org/user/{cadre.pk}/history/{version}/"]
        if who != "admin":
            pages.append(f"/admin/org/user/{cadre.pk}/change/")
        for url in pages:
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == 200, url
            assert algorithm not in body and digest[:6] not in body, url


@pytest.mark.django_db
def test_county_scheme_history_is_404_for_a_township(client, world):
    from reports.models import ScorecardScheme

    county_scheme = ScorecardScheme.objects.get(division=world.tree.county)
    version = county_scheme.history.first().history_id
    client.force_login(world.users[Role.TOWNSHIP_STAFF])
    for url in (
        f"/admin/reports/scorecardscheme/{county_scheme.pk}/history/",
        f"/admin/reports/scorecardscheme/{county_scheme.pk}/history/{version}/",
        f"/admin/reports/scorecardscheme/{county_scheme.pk}/change/",
        f"/admin/reports/scorecardscheme/{county_scheme.pk}/delete/",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(world.users[Role.COUNTY_REVIEWER])
    assert (
        client.get(f"/admin/reports/scorecardscheme/{county_scheme.pk}/history/{version}/").status_code == 200
    )
