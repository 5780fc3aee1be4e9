"""Bad input through the API (visits and the concern pipeline): each a clear message, nothing stored."""

import datetime
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

from fieldwork import services
from fieldwork.models import HomeVisit
from fieldwork.tests.builders import S, english_api, household, jpeg_bytes
from org.models import Department

# --- bad input through the API: each a clear message, nothing stored ---------------------------


def test_api_bad_visit_input(tree, cadre, settings):
    api = english_api(cadre)
    mine, outside = household(tree.village), household(tree.village2, number="002")

    def post(**extra):
        payload = {
            "client_id": str(uuid.uuid4()),
            "household": mine.pk,
            "visited_on": "2026-11-20",
            "purpose": "collect",
        }
        payload.update(extra)
        return api.post("/api/v1/home-visits/", payload, format="multipart")

    response = post(household=outside.pk)
    assert response.status_code == 400 and "not in your village" in response.content.decode()
    settings.FIELDWORK_PHOTO_MAX_BYTES = 200
    response = post(photos=[SimpleUploadedFile("big.jpg", jpeg_bytes((300, 300)))])
    assert response.status_code == 400 and "big.jpg" in response.content.decode()
    assert "the limit is" in response.content.decode()
    response = post(purpose="callback", callbacks="not json")
    assert response.status_code == 400
    assert not HomeVisit.objects.exists()


def test_api_bad_pipeline_input(tree, cadre, staff):
    concern = services.concern_collect(user=cadre, village=tree.village, category="health", description="远")
    api = english_api(staff)
    url = f"/api/v1/concerns/{concern.pk}/act/"
    department = Department.objects.get(division=tree.township)
    response = api.post(
        url, {"action": "feedback", "feedback_how": "visit", "is_satisfied": True}, format="json"
    )
    assert response.status_code == 400 and "resolution" in response.content.decode()
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    response = api.post(
        url, {"action": "dispatch", "departments": [department.pk], "deadline": yesterday}, format="json"
    )
    assert response.status_code == 400 and "in the past" in response.content.decode()
    response = api.post(
        url, {"action": "dispatch", "departments": [], "deadline": "2099-01-01"}, format="json"
    )
    assert response.status_code == 400 and "at least one department" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == S.ESCALATED and not concern.departments.exists()
