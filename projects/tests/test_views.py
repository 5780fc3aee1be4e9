"""Pages: rendering, HTMX forms, refusals shown under the field, query counts, the sign PDF."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from org.models import Role
from projects.models import FundMovement, ProgressReport, Project, SiteControl, Target
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
HTMX = {"HX-Request": "true"}


def _year():
    return timezone.localdate().year


def _project(tree, **kwargs):
    project, top, children = project_with_targets(tree, year=_year(), **kwargs)
    line = FundLineFactory(project=project, planned=Decimal("10000"))
    FundMovementFactory(
        fund_line=line, kind="received", amount=Decimal("8000"), date=datetime.date(_year(), 1, 5)
    )
    FundMovementFactory(
        fund_line=line, kind="allocated", amount=Decimal("6000"), date=datetime.date(_year(), 1, 6)
    )
    FundMovementFactory(
        fund_line=line, kind="spent", amount=Decimal("3000"), date=datetime.date(_year(), 1, 7)
    )
    ProgressFactory(target=children[0], month=datetime.date(_year(), 1, 1), actual=Decimal("10"))
    return project, top, children


def test_list_shows_projects_totals_and_rates(client, tree, users):
    _project(tree)
    client.force_login(users[STAFF])
    response = client.get(reverse("projects:project-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-total="projects">1<' in body
    assert "80.00%" in body and "75.00%" in body and "50.00%" in body  # 到位率, 拨付率, 支出率
    assert 'data-lagging="1"' in body  # 10 % done in late November


def test_list_filters_and_htmx_partial(client, tree, users):
    _project(tree, name="农村低保")
    ProjectFactory(division=tree.township, name="乡镇幼儿园", kind=Project.Kind.CONSTRUCTION, year=_year())
    client.force_login(users[STAFF])
    response = client.get(
        reverse("projects:project-list"),
        {"kind": "construction"},
        headers={**HTMX, "HX-Target": "project-results"},
    )
    body = response.content.decode()
    assert "<html" not in body and "乡镇幼儿园" in body and "农村低保" not in body
    body = client.get(reverse("projects:project-list"), {"lagging": "1"}).content.decode()
    assert "农村低保" in body and "乡镇幼儿园" not in body  # no targets: never lagging


def test_detail_page_has_chart_data_funds_and_targets(client, tree, users):
    project, _top, _children = _project(tree)
    client.force_login(users[STAFF])
    response = client.get(reverse("projects:project-detail", args=[project.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="progress-chart-data"' in body and "projects/project_detail.js" in body
    assert "<script>" not in body.replace('<script id="progress-chart-data" type="application/json">', "")
    assert "东庄村" in body and "西湖村" in body
    assert 'id="target-form"' in body and 'id="movement-form"' in body


def test_detail_funds_as_of_a_past_month(client, tree, users):
    project, _top, _children = _project(tree)
    line = project.fund_lines.get()
    FundMovementFactory(
        fund_line=line, kind="received", amount=Decimal("1000"), date=datetime.date(_year(), 3, 1)
    )
    client.force_login(users[STAFF])
    response = client.get(reverse("projects:project-detail", args=[project.pk]), {"as_of": f"{_year()}-02"})
    assert response.context["funds"]["total"]["received"] == Decimal("8000")
    response = client.get(reverse("projects:project-detail", args=[project.pk]))
    assert response.context["funds"]["total"]["received"] == Decimal("9000")


def test_auditor_sees_no_forms_or_buttons(client, tree, users):
    project, top, children = _project(tree)
    construction = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION, year=_year())
    site = SiteFactory(project=construction, division=tree.village)
    client.force_login(users[AUDITOR])
    for url in [
        reverse("projects:project-detail", args=[construction.pk]),
        reverse("projects:site-detail", args=[site.pk]),
        reverse("projects:project-list"),
        reverse("projects:project-detail", args=[project.pk]),
        reverse("projects:target-detail", args=[top.pk]),
        reverse("projects:target-detail", args=[children[0].pk]),
    ]:
        body = client.get(url).content.decode()
        assert "<form" not in body.split("<main")[1].split("</main>")[0].replace(
            '<form method="get"', ""
        ).replace('<form id="project-filters"', ""), url
        assert "New project" not in body and "新建" not in body
        assert "Register site" not in body and "登记建设点" not in body


def test_cadre_gets_the_progress_form_only_for_their_village(client, tree, users):
    _project_obj, top, (mine, other) = _project(tree)
    client.force_login(users[CADRE])
    assert (
        'id="progress-form"' in client.get(reverse("projects:target-detail", args=[mine.pk])).content.decode()
    )
    assert client.get(reverse("projects:target-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("projects:target-detail", args=[top.pk])).status_code == 404
    response = client.post(reverse("projects:target-add", args=[_project_obj.pk]), {})
    assert response.status_code in (403, 404)


def test_progress_form_refusal_is_shown_under_the_field(client, tree, users):
    _project_obj, _top, (mine, _other) = _project(tree)
    client.force_login(users[CADRE])
    url = reverse("projects:progress-add", args=[mine.pk])
    response = client.post(url, {"month": f"{_year()}-02", "actual": "5"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-error-for="actual"' in body and "10.00" in body
    assert ProgressReport.objects.count() == 1
    response = client.post(url, {"month": f"{_year()}-02", "actual": "12"}, headers=HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == reverse(
        "projects:target-detail", args=[mine.pk]
    )
    assert ProgressReport.objects.count() == 2


def test_progress_in_the_future_is_refused_on_the_page(client, tree, users):
    _project_obj, _top, (mine, _other) = _project(tree)
    client.force_login(users[STAFF])
    future = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).strftime("%Y-%m")
    response = client.post(
        reverse("projects:progress-add", args=[mine.pk]), {"month": future, "actual": "50"}, headers=HTMX
    )
    assert response.status_code == 200 and 'data-error-for="month"' in response.content.decode()
    assert ProgressReport.objects.count() == 1


def test_split_form_shows_the_difference(client, tree, users):
    project = ProjectFactory(division=tree.township, year=_year())
    top = Target.objects.create(project=project, division=tree.township, quantity=Decimal("100"), unit="人")
    client.force_login(users[STAFF])
    url = reverse("projects:target-split", args=[top.pk])
    data = {f"share_{tree.village.pk}": "30", f"share_{tree.village2.pk}": "50"}
    response = client.post(url, data, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "80.00" in body and "20.00" in body
    assert top.children.count() == 0
    data[f"share_{tree.village2.pk}"] = "70"
    assert client.post(url, data, headers=HTMX).status_code == 204
    assert top.children.count() == 2


def test_fund_movement_form_names_the_amounts(client, tree, users):
    project, _top, _children = _project(tree)
    client.force_login(users[STAFF])
    response = client.post(
        reverse("projects:fund-movement-add", args=[project.pk]),
        {"source": "central", "kind": "spent", "date": f"{_year()}-01-08", "amount": "3500"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "6,500.00" in body and "6,000.00" in body
    assert FundMovement.objects.count() == 3


def test_create_and_edit_project_pages(client, tree, users):
    client.force_login(users[STAFF])
    assert client.get(reverse("projects:project-create")).status_code == 200
    data = {
        "year": _year(),
        "code": "MS-9",
        "name": "敬老院改扩建",
        "kind": "construction",
        "category": "social_service",
        "division": tree.township.pk,
        "lead_department": department_of(tree.township).pk,
        "responsible_person": "王建国",
    }
    response = client.post(reverse("projects:project-create"), data, headers=HTMX)
    assert response.status_code == 204
    project = Project.objects.get(code="MS-9")
    response = client.post(reverse("projects:project-create"), data, headers=HTMX)
    assert response.status_code == 200 and "MS-9" in response.content.decode()
    response = client.post(
        reverse("projects:project-edit", args=[project.pk]), {**data, "name": "敬老院新建"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "敬老院新建"
    client.force_login(users[AUDITOR])
    assert client.get(reverse("projects:project-create")).status_code == 403
    assert client.get(reverse("projects:project-edit", args=[project.pk])).status_code == 403


def test_carry_forward_page_action(client, tree, users):
    ProjectFactory(division=tree.township, year=_year(), code="X1")
    client.force_login(users[STAFF])
    response = client.post(reverse("projects:project-carry-forward"), {"year": _year()})
    assert response.status_code == 302
    assert Project.objects.filter(year=_year() + 1, code="X1").exists()
    client.force_login(users[AUDITOR])
    assert client.post(reverse("projects:project-carry-forward"), {"year": _year()}).status_code == 403


def test_site_pages_controls_and_acceptance(client, tree, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION, year=_year())
    client.force_login(users[STAFF])
    response = client.post(
        reverse("projects:site-create", args=[project.pk]),
        {"division": tree.village.pk, "name": "东庄幼儿园", "location": "村部东", "investment": "300000"},
    )
    assert response.status_code == 302
    site = project.sites.get()
    url = reverse("projects:site-control-add", args=[site.pk])
    for control in ["legal_person", "tendering", "contract", "supervision", "reimbursement"]:
        document = SimpleUploadedFile("d.pdf", b"%PDF-1.4", content_type="application/pdf")
        response = client.post(
            url, {"control": control, "done_on": timezone.localdate(), "document": document}
        )
        assert response.status_code == 302, response.content.decode()
    body = client.get(reverse("projects:site-detail", args=[site.pk])).content.decode()
    assert 'id="accept-form"' not in body  # staff register, leaders accept
    client.force_login(users[LEADER])
    document = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(
        reverse("projects:site-accept", args=[site.pk]),
        {"accepted_on": timezone.localdate(), "document": document},
    )
    assert response.status_code == 302
    assert SiteControl.objects.filter(site=site).count() == 6


def test_site_sign_pdf_embeds_a_cjk_font(client, tree, users, tmp_path):
    project = ProjectFactory(division=tree.township, kind=Project.Kind.CONSTRUCTION, name="乡镇公办幼儿园")
    site = SiteFactory(project=project, division=tree.village, name="东庄幼儿园")
    client.force_login(users[AUDITOR])  # reading and downloading is open to the auditor
    response = client.get(reverse("projects:site-sign", args=[site.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "sign.pdf"
    path.write_bytes(response.content)
    assert shutil.which("pdffonts"), "poppler-utils is needed for this test"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, fonts
    # Every font is embedded: nothing is left to the reader's machine.
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in row[-5:-2] for row in rows), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "东庄幼儿园" in text and "监督电话" in text and "500,000.00" in text


def test_home_panel_lists_lagging_projects(client, tree, users):
    _project(tree, name="农村低保")
    client.force_login(users[STAFF])
    body = client.get(reverse("home")).content.decode()
    assert 'id="panel-lagging-projects"' in body and "农村低保" in body
    assert 'data-count="lagging-projects">1<' in body
