"""The read replica (DATABASE_REPLICA_URL): GET pages and exports read it, writes and the reads
right after a write stay on the primary (org.db_router, org.middleware.ReplicaReadMiddleware,
common.jobs). Without it nothing changes.

The replica here is what settings make of DATABASE_REPLICA_URL in tests: a second connection to
the test database (TEST MIRROR), so every query says by its connection where the router sent it.
It is a separate connection, so the tests commit (transaction=True)."""

import copy
import json
import os
import subprocess
import time

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.jobs import job_run
from common.models import Job
from org.db_router import REPLICA, replica_reads
from org.middleware import READ_PRIMARY_COOKIE
from org.models import Division, Role
from projects.models import Project
from projects.tests.factories import ProjectFactory
from tests.processes import PYTHON, ROOT

BOTH = [DEFAULT_DB_ALIAS, REPLICA]


@pytest.fixture(scope="class")
def replica_alias(django_db_setup, django_db_blocker):
    """DATABASES["replica"] as settings build it from DATABASE_REPLICA_URL, set up the way the
    test runner sets up a TEST MIRROR: the test database's name. Class-scoped so that it exists
    before pytest-django checks the test's databases."""
    alias = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    alias["TEST"] = {**alias["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    configured = [connections.settings, django_settings.DATABASES]
    for databases in configured:
        databases[REPLICA] = alias
    yield
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    for databases in configured:
        databases.pop(REPLICA, None)


class Captured:
    """Queries on the primary and on the replica while it is open."""

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in BOTH}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def sql(self, alias) -> list[str]:
        return [query["sql"] for query in self.contexts[alias].captured_queries]

    def writes(self, alias) -> list[str]:
        return [sql for sql in self.sql(alias) if sql.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


@pytest.mark.usefixtures("replica_alias")
@pytest.mark.django_db(transaction=True, databases=BOTH)
class TestWithReplica:
    def test_a_list_page_reads_the_replica_and_nothing_on_the_primary(self, client, tree, users):
        ProjectFactory(division=tree.township, year=2026)
        client.force_login(users[Role.TOWNSHIP_STAFF])
        with Captured() as captured:
            response = client.get(reverse("projects:project-list"), {"year": 2026})
        assert response.status_code == 200
        # the session, the user, the scope and the list itself
        assert len(captured.sql(REPLICA)) >= 3
        assert any("projects_project" in sql for sql in captured.sql(REPLICA))
        assert captured.sql(DEFAULT_DB_ALIAS) == []
        assert READ_PRIMARY_COOKIE not in response.cookies

    def test_after_a_post_the_next_get_reads_the_primary_until_the_pin_ends(self, client, tree, users):
        ProjectFactory(division=tree.township, year=2026)
        client.force_login(users[Role.TOWNSHIP_STAFF])
        with Captured() as captured:
            response = client.post(reverse("projects:project-carry-forward"), {"year": 2026})
        assert response.status_code == 302
        assert Project.objects.filter(year=2027).count() == 1
        assert captured.sql(REPLICA) == []
        assert captured.writes(DEFAULT_DB_ALIAS)
        pin = response.cookies[READ_PRIMARY_COOKIE]
        assert pin["max-age"] == django_settings.DATABASE_REPLICA_PIN_SECONDS
        assert int(pin.value) > time.time()

        # The page the officer is sent to shows what was saved: read on the primary.
        with Captured() as captured:
            response = client.get(response["Location"])
        assert response.status_code == 200
        assert captured.sql(REPLICA) == []
        assert any("projects_project" in sql for sql in captured.sql(DEFAULT_DB_ALIAS))

        # Once the pin has run out, the replica again.
        client.cookies[READ_PRIMARY_COOKIE] = str(int(time.time()) - 1)
        with Captured() as captured:
            client.get(reverse("projects:project-list"), {"year": 2027})
        assert captured.sql(DEFAULT_DB_ALIAS) == []
        assert captured.sql(REPLICA)

    def test_a_write_in_the_replica_context_pins_the_rest_of_it_to_the_primary(self, tree):
        with replica_reads() as reads:
            assert router.db_for_read(Division) == REPLICA
            division = Division.objects.get(pk=tree.village.pk)
            assert division._state.db == REPLICA
            with Captured() as captured:
                division.name = "东庄社区"
                division.save()  # loaded from the replica, saved on the primary
                assert router.db_for_read(Division) == DEFAULT_DB_ALIAS
                Division.objects.get(pk=tree.village.pk)
            assert reads.wrote
        assert captured.sql(REPLICA) == []
        assert captured.writes(DEFAULT_DB_ALIAS)
        assert len(captured.sql(DEFAULT_DB_ALIAS)) >= 2  # the UPDATE and the read after it

    def test_writes_and_locks_never_go_to_the_replica(self, tree):
        with replica_reads(), Captured() as captured:
            assert router.db_for_write(Division) == DEFAULT_DB_ALIAS
            with transaction.atomic():
                list(Division.objects.select_for_update().filter(pk=tree.village.pk))
            Division.objects.filter(pk=tree.village.pk).update(name="东庄")
            Division.objects.get_or_create(code=tree.village.code, defaults={"name": "x"})
        assert captured.writes(REPLICA) == []
        assert captured.sql(REPLICA) == []

    def test_a_transaction_opened_in_the_context_reads_the_primary(self, tree):
        with replica_reads():
            with transaction.atomic():
                assert router.db_for_read(Division) == DEFAULT_DB_ALIAS
            assert router.db_for_read(Division) == REPLICA

    def test_outside_the_context_reads_the_primary(self, tree):
        # Celery tasks, the shell, management commands: no replica unless asked for.
        assert router.db_for_read(Division) == DEFAULT_DB_ALIAS
        with replica_reads(enabled=False):
            assert router.db_for_read(Division) == DEFAULT_DB_ALIAS
        assert not router.allow_migrate(REPLICA, "org")
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "org")

    def test_an_export_job_reads_the_replica_an_import_does_not(self, tree, users):
        ProjectFactory(division=tree.township, year=2026)
        staff = users[Role.TOWNSHIP_STAFF]
        export = Job.objects.create(
            kind="projects.export_table", params={"year": 2026}, created_by=staff, division=tree.township
        )
        with Captured() as captured:
            assert job_run(job_id=export.pk) == Job.Status.DONE
        assert any("projects_project" in sql for sql in captured.sql(REPLICA))
        assert not any("projects_project" in sql for sql in captured.sql(DEFAULT_DB_ALIAS))
        assert captured.writes(REPLICA) == []
        export.refresh_from_db()
        assert export.result_rows == 1

        report = Job.objects.create(
            kind="reports.scorecard_compute", params={"scheme_id": 0}, created_by=staff
        )
        with Captured() as captured:
            job_run(job_id=report.pk)
        assert captured.sql(REPLICA) == []

    def test_an_export_reads_the_primary_while_the_replica_lacks_its_job(self, tree, users):
        ProjectFactory(division=tree.township, year=2026)
        # Not committed yet: the replica's connection cannot see the job, as a lagging standby.
        with transaction.atomic():
            export = Job.objects.create(
                kind="projects.export_table",
                params={"year": 2026},
                created_by=users[Role.TOWNSHIP_STAFF],
                division=tree.township,
            )
            with Captured() as captured:
                assert job_run(job_id=export.pk) == Job.Status.DONE
        assert not any("projects_project" in sql for sql in captured.sql(REPLICA))
        assert any("projects_project" in sql for sql in captured.sql(DEFAULT_DB_ALIAS))


@pytest.mark.django_db
def test_without_a_replica_the_router_leaves_everything_to_django(client, tree, users):
    assert REPLICA not in django_settings.DATABASES
    with replica_reads() as reads:
        assert reads is None
        assert router.db_for_read(Division) == DEFAULT_DB_ALIAS
    for method in ("db_for_read", "db_for_write"):
        assert getattr(router.routers[0], method)(Division) is None
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.post(reverse("projects:project-carry-forward"), {"year": 2026})
    assert READ_PRIMARY_COOKIE not in response.cookies


def _settings_with(**environment) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'aliases': sorted(settings.DATABASES), 'replica': settings.DATABASES.get('replica'), "
        "'default': settings.DATABASES['default'], 'routers': settings.DATABASE_ROUTERS, "
        "'pin': settings.DATABASE_REPLICA_PIN_SECONDS}, default=str))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_REPLICA")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environment)
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_settings_build_the_replica_alias_from_the_environment():
    read = _settings_with(
        DATABASE_URL="postgres://portal@10.0.0.1:5432/portal",
        DATABASE_REPLICA_URL="postgres://reader@10.0.0.2:5432/portal",
        DATABASE_REPLICA_PIN_SECONDS="3",
        DB_CONN_MAX_AGE="60",
    )
    replica, default = read["replica"], read["default"]
    assert read["aliases"] == ["default", "replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("10.0.0.2", "reader", "portal")
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "ATOMIC_REQUESTS"):
        assert replica[key] == default[key]
    assert replica["CONN_MAX_AGE"] == 60
    assert replica["TEST"] == {"MIRROR": "default"}
    assert read["routers"] == ["org.db_router.PrimaryReplicaRouter"]
    assert read["pin"] == 3

    assert _settings_with(DATABASE_URL="postgres://portal@10.0.0.1:5432/portal")["aliases"] == ["default"]
