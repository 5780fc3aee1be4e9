"""The move of field work out of partycare keeps every row: on a database holding demo visits
and concerns (with their photos, callbacks, events, whistle calls, department links and history
rows), migrating back to before the move and forward again leaves each row, its history and its
content type (with the permissions hanging on it) in place, under fieldwork's names. Rows made
by the old code before the move come through too."""

import random
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from common.models import Job
from fieldwork import demo, services
from fieldwork.models import HomeVisit, VisitPhoto
from fieldwork.tests.builders import TODAY, enrol, household
from org.models import Department, Role
from projects.tests.factories import ProjectFactory

BEFORE = [("partycare", "0008_pairing_helper_user")]
# table → columns compared row by row (the rest are covered by the row's id staying the same)
TABLES = {
    "homevisit": ("id", "client_id", "household_id", "visited_on", "purpose", "notes", "visitor_id"),
    "visitphoto": ("id", "visit_id", "image"),
    "visitcallback": ("id", "visit_id", "callback_id", "enrolment_id"),
    "concern": ("id", "village_id", "status", "description", "deadline", "visit_id", "created_by_id"),
    "concern_departments": ("id", "concern_id", "department_id"),
    "concernevent": ("id", "concern_id", "action", "from_status", "to_status", "by_id"),
    "whistlecall": ("id", "concern_id", "department_id", "called_at"),
    "historicalconcern": ("history_id", "id", "status", "history_type", "history_user_id"),
}
MODELS = (
    "homevisit",
    "visitphoto",
    "visitcallback",
    "concern",
    "historicalconcern",
    "whistlecall",
    "concernevent",
)


def _rows(app: str) -> dict:
    with connection.cursor() as cursor:
        rows = {}
        for table, columns in TABLES.items():
            cursor.execute(f"SELECT {', '.join(columns)} FROM {app}_{table} ORDER BY 1")
            rows[table] = cursor.fetchall()
    return rows


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def _content_types(app: str) -> dict:
    return dict(ContentType.objects.filter(app_label=app, model__in=MODELS).values_list("model", "pk"))


@pytest.fixture
def demo_data(tree, users):
    """Demo visits and concerns (the county's code, scaled down) plus a concern taken through
    the pipeline by the services, so it has events, a whistle call and history rows."""
    dibao = ProjectFactory(division=tree.township, code="DB")
    for n in range(12):
        h = household(tree.village if n % 2 else tree.village2, number=f"{n:03d}", head_name=f"周{n}")
        if n % 3 == 0:
            enrol(dibao, h.head)
    demo.seed_visits(size="small", rng=random.Random(3), today=TODAY, visits=40, concerns=20)
    cadre, staff = users[Role.VILLAGE_CADRE], users[Role.TOWNSHIP_STAFF]
    concern = services.concern_collect(
        user=cadre, village=tree.village, category="health", description="上门体检"
    )
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    department = Department.objects.get(division=tree.township)
    services.concern_whistle(user=staff, concern=concern, departments=[department])
    first = HomeVisit.objects.order_by("pk").first()
    VisitPhoto.objects.create(visit=first, image="visits/2026/11/demo.jpg")  # the demo has none
    Job.objects.create(
        kind="partycare.export_visits", status="done", created_by=staff, division=staff.division
    )
    # the beat entry the migrations made (a transactional test run before this one flushes
    # every table, that row included): as partycare 0004 and fieldwork 0003 leave it
    schedule, _created = CrontabSchedule.objects.get_or_create(
        minute="5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name="partycare: hourly overdue concerns",
        defaults={
            "task": "fieldwork.concerns_flag_overdue",
            "crontab": schedule,
            "enabled": True,
            "kwargs": "{}",
        },
    )


@pytest.mark.migration
@pytest.mark.django_db(transaction=True)
def test_moving_field_work_keeps_every_row_its_history_and_content_type(demo_data, users):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    moved = _rows("fieldwork")
    assert all(moved[table] for table in TABLES), {t: len(r) for t, r in moved.items()}
    content_types = _content_types("fieldwork")
    permissions = set(
        Permission.objects.filter(content_type__app_label="fieldwork").values_list("pk", "codename")
    )
    assert len(content_types) == len(MODELS) and permissions
    try:
        # Back to before the move: the same rows in the partycare tables, named partycare.
        MigrationExecutor(connection).migrate(BEFORE)
        assert _rows("partycare") == moved
        assert not {t for t in _tables() if t.startswith("fieldwork_")}
        assert _content_types("partycare") == content_types and not _content_types("fieldwork")
        assert PeriodicTask.objects.filter(task="partycare.concerns_flag_overdue").count() == 1
        assert Job.objects.filter(kind="partycare.export_visits").count() == 1

        # Rows written by the code of that time, through its models.
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        cadre = users[Role.VILLAGE_CADRE]
        visit = old.get_model("partycare", "HomeVisit").objects.create(
            client_id=uuid.uuid4(),
            household_id=demo_data_household(old),
            village_id=cadre.division_id,
            visited_on=TODAY,
            purpose="collect",
            visitor_id=cadre.pk,
        )
        old.get_model("partycare", "VisitPhoto").objects.create(visit=visit, image="visits/2026/11/old.jpg")
        concern = old.get_model("partycare", "Concern").objects.create(
            village_id=cadre.division_id,
            category="other",
            description="迁移前",
            visit=visit,
            created_by_id=cadre.pk,
        )
        old.get_model("partycare", "ConcernEvent").objects.create(
            concern=concern, action="collect", by_id=cadre.pk
        )
        history = old.get_model("partycare", "HistoricalConcern").objects.create(
            id=concern.pk,
            village_id=cadre.division_id,
            category="other",
            description="迁移前",
            created_by_id=cadre.pk,
            created_at=concern.created_at,
            history_date=concern.created_at,
            history_type="+",
            history_user_id=cadre.pk,
        )
        before_forward = _rows("partycare")

        # Forward again: every row, the old code's too, under fieldwork.
        MigrationExecutor(connection).migrate(latest)
        assert _rows("fieldwork") == before_forward
        assert not {t for t in _tables() if t.startswith("partycare_") and t.split("_", 1)[1] in TABLES}
        assert _content_types("fieldwork") == content_types and not _content_types("partycare")
        assert (
            set(Permission.objects.filter(content_type__app_label="fieldwork").values_list("pk", "codename"))
            == permissions
        )
        assert PeriodicTask.objects.filter(task="fieldwork.concerns_flag_overdue").count() == 1
        assert not PeriodicTask.objects.filter(task__startswith="partycare.concerns").exists()
        assert Job.objects.filter(kind="fieldwork.export_visits").count() == 1

        from fieldwork.models import Concern

        brought = Concern.objects.get(pk=concern.pk)
        assert brought.visit == HomeVisit.objects.get(pk=visit.pk)
        assert [e.action for e in brought.events.all()] == ["collect"]
        assert brought.history.get().history_id == history.history_id
        assert HomeVisit.objects.get(pk=visit.pk).photos.get().image.name == "visits/2026/11/old.jpg"
        # the sequences carry on after the moved rows
        assert (
            services.concern_collect(
                user=cadre, village=brought.village, category="other", description="迁移后"
            ).pk
            > concern.pk
        )
    finally:
        MigrationExecutor(connection).migrate(latest)


def demo_data_household(old_apps) -> int:
    return (
        old_apps.get_model("beneficiaries", "Household")
        .objects.order_by("pk")
        .values_list("pk", flat=True)[0]
    )
