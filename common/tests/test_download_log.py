from django.core.files.base import ContentFile
from django.urls import reverse

from common.models import Job
from org.models import AccessLog, Role


def _done_job(*, user, division, rows=0, unmasked=False, name="花名册.xlsx"):
    job = Job(
        kind="test.echo",
        status=Job.Status.DONE,
        division=division,
        created_by=user,
        result_name=name,
        result_rows=rows,
        result_unmasked=unmasked,
    )
    job.result.save("r.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    return job


def test_every_job_download_is_logged_with_its_rows_and_requester(client, tree, users):
    auditor = users[Role.COUNTY_AUDITOR]
    job = _done_job(user=auditor, division=tree.county, rows=12)
    client.force_login(auditor)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.what, log.rows, log.object_id, log.requested_by) == (
        auditor,
        "download",
        "花名册.xlsx",
        12,
        str(job.pk),
        auditor,
    )
    # A refused download (another user's job, even inside the scope) leaves no entry.
    client.force_login(users[Role.COUNTY_REVIEWER])
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert AccessLog.objects.count() == 1


def test_an_unmasked_file_is_logged_as_an_unmasked_download(client, tree, users):
    auditor = users[Role.COUNTY_AUDITOR]
    job = _done_job(user=auditor, division=tree.county, rows=114, unmasked=True)
    client.force_login(auditor)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    log = AccessLog.objects.get()
    assert (log.action, log.rows, log.is_unmasked) == ("download_unmasked", 114, True)
    # The administrator may fetch it too: the log then names both who downloaded and who asked.
    client.force_login(users["admin"])
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    log = AccessLog.objects.get(user=users["admin"])
    assert (log.action, log.requested_by) == ("download_unmasked", auditor)


def test_the_log_admin_filters_unmasked_downloads(client, tree, users):
    auditor = users[Role.COUNTY_AUDITOR]
    client.force_login(auditor)
    for unmasked in (False, True):
        job = _done_job(user=auditor, division=tree.county, rows=3, unmasked=unmasked)
        client.get(reverse("jobs:download", args=[job.pk]))
    url = reverse("admin:org_accesslog_changelist")
    listed = client.get(url, {"action__exact": "download_unmasked"}).context["cl"].result_list
    assert [entry.action for entry in listed] == ["download_unmasked"]
    # The download log page of the reports filters the same way.
    page = client.get(reverse("reports:access-log"), {"action": "download_unmasked"})
    assert page.status_code == 200 and list(page.context["page"].object_list) == list(listed)
