"""Builders the field-work tests share: a household with its head, an enrolment, a callback
visit through the service, a JPEG, an API client that reads English."""

import datetime
import io
import uuid

from django.conf import settings as django_settings
from PIL import Image
from rest_framework.test import APIClient

from beneficiaries.models import Enrolment, Household
from beneficiaries.tests.factories import person
from fieldwork import services
from fieldwork.models import Concern

D = datetime.date
TODAY = D(2026, 11, 25)
JANUARY = D(2026, 1, 1)
S = Concern.Status


def household(village, number="001", head_name="张三"):
    h = Household.objects.create(village=village, number=number)
    head = person(village=village, name=head_name, household=h)
    h.head = head
    h.save(update_fields=["head"])
    return h


def enrol(project, member, *, status=Enrolment.Status.ACTIVE, active_from=JANUARY, exit_on=None):
    return Enrolment.objects.create(
        project=project,
        person=member,
        village=member.village,
        status=status,
        applied_on=D(2025, 12, 1),
        active_from=active_from,
        exit_on=exit_on,
        exit_reason="other" if exit_on else "",
    )


def visit(user, h, **extra):
    values = {
        "client_id": uuid.uuid4(),
        "household": h,
        "visited_on": TODAY,
        "purpose": "callback",
        "today": TODAY,
    }
    values.update(extra)
    return services.visit_record(user=user, **values)


def jpeg_bytes(size=(20, 20), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG", **save)
    return buffer.getvalue()


def english_api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    api.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # the portal ignores Accept-Language
    return api
