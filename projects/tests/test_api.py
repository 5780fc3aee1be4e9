"""API wiring: create/read/update through the services, filters, errors naming fields, schema."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import Role
from projects.models import FundMovement, ProgressReport, Project, Site, Target
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    ProjectFactory,
    SiteFactory,
    department_of,
    project_with_targets,
)

pytestmark = pytest.mark.django_db
STAFF, LEADER, CADRE, AUDITOR = (
    Role.TOWNSHIP_STAFF,
    Role.TOWNSHIP_LEADER,
    Role.VILLAGE_CADRE,
    Role.COUNTY_AUDITOR,
)


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _year():
    return timezone.localdate().year


def test_project_create_read_update(tree, users):
    api = _api(users[STAFF])
    payload = {
        "year": _year(),
        "code": "MS-1",
        "name": "农村低保",
        "kind": "subsidy",
        "category": "social_service",
        "division": tree.township.pk,
        "lead_department": department_of(tree.township).pk,
        "responsible_person": "李明",
    }
    response = api.post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["completion_rate"] is None and response.json()["received_rate"] is None
    response = api.post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 400 and "MS-1" in str(response.json()["code"])
    response = api.patch(f"/api/v1/projects/{pk}/", {"name": "农村最低生活保障", "year": 1999}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "农村最低生活保障"
    assert Project.objects.get(pk=pk).year == _year()  # the year is read-only on update


def test_project_filters(tree, users):
    project, _top, _children = project_with_targets(tree, year=_year(), kind="construction")
    ProjectFactory(division=tree.township, year=_year() - 1)
    api = _api(users[STAFF])
    rows = api.get("/api/v1/projects/", {"year": _year()}).json()["results"]
    assert [row["id"] for row in rows] == [project.pk]
    assert [r["id"] for r in api.get("/api/v1/projects/", {"kind": "construction"}).json()["results"]] == [
        project.pk
    ]
    assert [r["id"] for r in api.get("/api/v1/projects/", {"lagging": "true"}).json()["results"]] == [
        project.pk
    ]
    assert api.get("/api/v1/projects/", {"division": tree.township2.pk}).json()["results"] == []


def test_target_create_split_and_errors(tree, users):
    project = ProjectFactory(division=tree.township, year=_year())
    api = _api(users[STAFF])
    response = api.post(
        "/api/v1/targets/",
        {"project": project.pk, "division": tree.township.pk, "quantity": "100", "unit": "斤"},
        format="json",
    )
    assert response.status_code == 400 and "斤" in str(response.json()["unit"])
    response = api.post(
        "/api/v1/targets/",
        {"project": project.pk, "division": tree.township.pk, "quantity": "-3", "unit": "人"},
        format="json",
    )
    assert response.status_code == 400 and "quantity" in response.json()
    response = api.post(
        "/api/v1/targets/",
        {"project": project.pk, "division": tree.township.pk, "quantity": "100", "unit": "人"},
        format="json",
    )
    assert response.status_code == 201
    top = response.json()["id"]
    parts = [
        {"division": tree.village.pk, "quantity": "60"},
        {"division": tree.village2.pk, "quantity": "30"},
    ]
    response = api.post(f"/api/v1/targets/{top}/split/", {"parts": parts}, format="json")
    assert response.status_code == 400 and "10.00" in str(response.json()["parts"])
    assert Target.objects.count() == 1
    parts[1]["quantity"] = "40"
    response = api.post(f"/api/v1/targets/{top}/split/", {"parts": parts}, format="json")
    assert response.status_code == 200 and len(response.json()) == 2


def test_progress_by_cadre_and_correction(tree, users):
    _project, _top, (mine, other) = project_with_targets(tree, year=_year())
    api = _api(users[CADRE])
    response = api.post(
        "/api/v1/progress/", {"target": mine.pk, "month": f"{_year()}-01", "actual": "30"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["completion_rate"] == "0.6000" and response.json()["month"] == f"{_year()}-01"
    response = api.post(
        "/api/v1/progress/", {"target": mine.pk, "month": f"{_year()}-02", "actual": "20"}, format="json"
    )
    assert response.status_code == 400 and "30.00" in str(response.json()["actual"])
    response = api.post(
        "/api/v1/progress/",
        {"target": mine.pk, "month": f"{_year()}-02", "actual": "20", "correction_reason": "一月多报10人"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["is_correction"] is True
    # Another village's target is "does not exist" for the cadre.
    response = api.post(
        "/api/v1/progress/", {"target": other.pk, "month": f"{_year()}-01", "actual": "1"}, format="json"
    )
    assert response.status_code == 400 and "target" in response.json()
    assert ProgressReport.objects.count() == 2
    report = ProgressReport.objects.get(month__month=1)
    response = api.patch(f"/api/v1/progress/{report.pk}/", {"actual": "31"}, format="json")
    assert response.status_code == 400  # January above February without a reason


def test_progress_in_the_future_via_api(tree, users):
    _project, _top, (mine, _other) = project_with_targets(tree, year=_year())
    future = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).strftime("%Y-%m")
    response = _api(users[STAFF]).post(
        "/api/v1/progress/", {"target": mine.pk, "month": future, "actual": "1"}, format="json"
    )
    assert response.status_code == 400 and future in str(response.json()["month"])


def test_fund_lines_and_movements(tree, users):
    project = ProjectFactory(division=tree.township, year=_year())
    api = _api(users[STAFF])
    response = api.post(
        "/api/v1/fund-lines/", {"project": project.pk, "source": "central", "planned": "1000"}, format="json"
    )
    assert response.status_code == 201
    day = f"{_year()}-01-10"
    move = {"project": project.pk, "source": "central", "kind": "received", "date": day, "amount": "800"}
    response = api.post("/api/v1/fund-movements/", move, format="json")
    assert response.status_code == 201, response.json()
    response = api.post(
        "/api/v1/fund-movements/", {**move, "kind": "allocated", "amount": "900"}, format="json"
    )
    assert response.status_code == 400 and "900.00" in str(response.json()["amount"])
    response = api.post("/api/v1/fund-movements/", {**move, "amount": "-1"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    assert FundMovement.objects.count() == 1
    pk = FundMovement.objects.get().pk
    response = api.patch(f"/api/v1/fund-movements/{pk}/", {"amount": "850"}, format="json")
    assert response.status_code == 200 and response.json()["amount"] == "850.00"
    rows = api.get("/api/v1/fund-movements/", {"project": project.pk, "kind": "received"}).json()["results"]
    assert [row["id"] for row in rows] == [pk]
    detail = api.get(f"/api/v1/projects/{project.pk}/").json()
    assert detail["planned_total"] == "1000.00" and detail["received_rate"] == "0.8500"


def test_sites_and_controls(tree, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory(division=tree.township, year=_year(), kind="construction")
    api = _api(users[STAFF])
    response = api.post(
        "/api/v1/sites/",
        {
            "project": project.pk,
            "division": tree.village.pk,
            "name": "东庄幼儿园",
            "location": "村部",
            "investment": "1000",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    document = SimpleUploadedFile("t.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = api.post(
        f"/api/v1/sites/{pk}/controls/",
        {"control": "tendering", "done_on": str(timezone.localdate()), "document": document},
        format="multipart",
    )
    assert response.status_code == 200 and [c["control"] for c in response.json()["controls"]] == [
        "tendering"
    ]
    document = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = _api(users[LEADER]).post(
        f"/api/v1/sites/{pk}/controls/",
        {"control": "acceptance", "done_on": str(timezone.localdate()), "document": document},
        format="multipart",
    )
    assert response.status_code == 400 and "accepted_on" in response.json()
    response = api.patch(f"/api/v1/sites/{pk}/", {"investment": "-5"}, format="json")
    assert response.status_code == 400
    assert Site.objects.get(pk=pk).investment == Decimal("1000")


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/api/v1/projects/", {"name": "x"}),
        ("/api/v1/targets/", {"quantity": "1"}),
        ("/api/v1/progress/", {"actual": "1"}),
        ("/api/v1/fund-lines/", {"planned": "1"}),
        ("/api/v1/fund-movements/", {"amount": "1"}),
        ("/api/v1/sites/", {"name": "x"}),
    ],
)
def test_auditor_writes_nothing(tree, users, url, payload):
    project, top, (mine, _other) = project_with_targets(tree, year=_year(), kind="construction")
    line = FundLineFactory(project=project)
    FundMovementFactory(fund_line=line, date=datetime.date(_year(), 1, 2))
    SiteFactory(project=project, division=tree.village)
    ProgressFactory(target=mine, month=datetime.date(_year(), 1, 1))
    api = _api(users[AUDITOR])
    assert api.post(url, {**payload, "project": project.pk}, format="json").status_code == 403
    first = api.get(url).json()["results"][0]["id"]
    assert api.patch(f"{url}{first}/", payload, format="json").status_code == 403
    assert api.put(f"{url}{first}/", payload, format="json").status_code == 403
    assert api.delete(f"{url}{first}/").status_code in (403, 405)
    assert project.name == Project.objects.get(pk=project.pk).name
    top.refresh_from_db()
    assert top.quantity == Decimal("100")


def test_nothing_is_deleted_through_the_api(tree, users):
    project = ProjectFactory(division=tree.township)
    assert _api(users[STAFF]).delete(f"/api/v1/projects/{project.pk}/").status_code == 405
    assert Project.objects.filter(pk=project.pk).exists()


def test_schema_lists_the_endpoints_without_warnings(client, users, tmp_path):
    import json

    from django.core.management import call_command

    out = tmp_path / "schema.json"
    # --fail-on-warn turns every drf-spectacular warning (untyped field, unresolved path) into an error.
    call_command(
        "spectacular", "--fail-on-warn", "--validate", "--format", "openapi-json", "--file", str(out)
    )
    paths = json.loads(out.read_text())["paths"]
    for path in [
        "/api/v1/projects/",
        "/api/v1/targets/{id}/split/",
        "/api/v1/progress/",
        "/api/v1/fund-lines/",
        "/api/v1/fund-movements/",
        "/api/v1/sites/{id}/controls/",
    ]:
        assert path in paths, path
    assert "delete" not in paths["/api/v1/projects/{id}/"]
    assert client.get("/api/schema/").status_code == 403  # only for logged-in users
    client.force_login(users["admin"])
    assert client.get("/api/schema/").status_code == 200
