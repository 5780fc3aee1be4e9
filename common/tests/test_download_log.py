from django.core.files.base import ContentFile
from django.urls import reverse

from common.models import Job
from org.models import AccessLog, Role


def test_every_job_download_is_logged(client, tree, users):
    job = Job(
        kind="test.echo",
        status=Job.Status.DONE,
        division=tree.village,
        created_by=users["admin"],
        result_name="花名册.xlsx",
        total=12,
    )
    job.result.save("r.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    auditor = users[Role.COUNTY_AUDITOR]
    client.force_login(auditor)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.what, log.rows, log.object_id) == (
        auditor,
        "download",
        "花名册.xlsx",
        12,
        str(job.pk),
    )
    # A refused download leaves no entry.
    client.force_login(users[Role.VILLAGE_CADRE])
    other = Job.objects.create(
        kind="test.echo", status=Job.Status.DONE, division=tree.other_village, created_by=users["admin"]
    )
    assert client.get(reverse("jobs:download", args=[other.pk])).status_code == 404
    assert AccessLog.objects.count() == 1
