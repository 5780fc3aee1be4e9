"""Factories for the publicity app: valid graphs hanging off the shared ``tree`` fixture."""

import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import clock
from org.tests.factories import DepartmentFactory, UserFactory
from publicity.models import Activity, InfoSubmission, Objection, PublicNotice, Supervisor
from publicity.services import notice_earliest_end


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def photo_upload(name="photo.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type=content_type)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InfoSubmission

    department = factory.SubFactory(DepartmentFactory)
    division = factory.LazyAttribute(lambda o: o.department.division)
    kind = InfoSubmission.Kind.WORK_NEWS
    title = factory.Sequence(lambda n: f"民生工作动态{n}")
    body = "本月完成入户宣传。"
    status = InfoSubmission.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = Activity.Kind.SQUARE
    title = factory.Sequence(lambda n: f"广场宣传{n}")
    held_on = factory.LazyFunction(timezone.localdate)
    place = "镇文化广场"
    audience_estimate = 200
    materials_count = 300
    created_by = factory.SubFactory(UserFactory)


class NoticeFactory(factory.django.DjangoModelFactory):
    """A notice posted yesterday at 09:00 (core.clock), open NOTICE_MIN_DAYS full days, with
    one masked row. Pass ``starts_on`` for another posting day: ``posted_at`` follows it, as
    notice_publish would have set both."""

    class Meta:
        model = PublicNotice

    kind = PublicNotice.Kind.ENROLMENT
    title = factory.Sequence(lambda n: f"低保对象公示{n}")
    starts_on = factory.LazyFunction(lambda: clock.today() - datetime.timedelta(days=1))
    posted_at = factory.LazyAttribute(lambda o: clock.start_of_day(o.starts_on) + datetime.timedelta(hours=9))
    ends_on = factory.LazyAttribute(lambda o: notice_earliest_end(posted_on=o.starts_on))
    objection_address = "城关镇民生办(镇政府二楼)"
    columns = factory.LazyFunction(
        lambda: [{"key": "name", "header": "姓名"}, {"key": "id", "header": "身份证号"}]
    )
    rows = factory.LazyFunction(lambda: [["张*", "3412**********1234"]])
    posted_by = factory.SubFactory(UserFactory)


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objection

    channel = Objection.Channel.ONLINE
    contact = "13800001111"
    text = "名单中有人家中有小轿车。"


class SupervisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supervisor

    name = factory.Sequence(lambda n: f"监督员{n}")
    phone = "13900002222"
