"""The visit list as Excel: a scoped background job, escaped, with flat queries."""

import io

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from common.jobs import job_enqueue, job_run
from common.models import Job
from fieldwork import selectors
from fieldwork.exports import EXPORT_VISITS, write_visits
from fieldwork.tests.builders import household, visit

# --- Excel export (a job) ---------------------------------------------------------------------


def _sheet(job) -> list[list]:
    with job.result.open("rb") as handle:
        book = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    return book.get_sheet_by_index(0).to_python()


def test_visit_export_is_a_scoped_escaped_job(client, family, tree, cadre, staff):
    visit(
        cadre,
        family["household"],
        notes='=HYPERLINK("http://x")',
        callbacks=[{"enrolment": family["head"], "reached": True}],
    )
    visit(staff, household(tree.village2, number="077", head_name="钱七"), purpose="collect", notes="西湖村")
    assert [v.callback_count for v in selectors.visit_list(user=cadre)] == [1]  # shown on "My visits"
    client.force_login(cadre)
    page = client.get(reverse("fieldwork:my-visits"))
    assert reverse("fieldwork:visit-export").encode() in page.content
    response = client.post(reverse("fieldwork:visit-export"), {"year": "2026"})
    job = Job.objects.get(kind=EXPORT_VISITS)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.params == {"year": 2026, "village": None} and job.created_by == cadre
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_name == "入户走访台账2026.xlsx", job.message
    rows = _sheet(job)
    assert len(rows) == 2  # the header and the cadre's own village: not 西湖村
    assert rows[1][7].startswith("'=HYPERLINK")  # formula injection escaped
    assert rows[1][4] == "张三" and rows[1][10] == "农村低保·张三"
    # the township sees both villages
    with transaction.atomic():
        township = job_enqueue(user=staff, kind=EXPORT_VISITS, params={"year": 2026})
    job_run(job_id=township.pk)
    township.refresh_from_db()
    assert len(_sheet(township)) == 3


def test_visit_export_queries_do_not_grow_with_rows(tmp_path, family, tree, cadre):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            write_visits(tmp_path / "v.xlsx", user=cadre, year=2026)
        return len(captured)

    visit(cadre, family["household"], callbacks=[{"enrolment": family["head"], "reached": True}])
    small = queries()
    for n in range(6):
        visit(
            cadre,
            family["household"],
            callbacks=[{"enrolment": family["wife"], "reached": False}],
            concerns=[{"category": "other", "description": str(n)}],
        )
    # count, visits (one chunk), their callbacks
    assert queries() == small == 3
