"""The anomaly checks at province scale (issue 17): every rule queries one county's villages and
finds exactly what the run over everything finds there; a county's run never writes another
county's findings; the nightly run fans out one task per county; a county, and the nightly run
as a whole, is never checked twice at once (real concurrent starts against PostgreSQL); the
broker's visibility timeout is longer than a county's run."""

import base64
import datetime
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from beneficiaries import anomalies, services
from beneficiaries.models import (
    AnomalyFinding,
    AnomalyRun,
    Enrolment,
    ExclusivePair,
    Household,
    Payment,
    Person,
    UserPerson,
)
from beneficiaries.tests.factories import active_enrolment, person, standard
from org.models import Role
from org.scoping import Scope
from org.tests.factories import UserFactory, village
from projects.tests.factories import ProjectFactory

MARCH = datetime.date(2026, 3, 1)
ROOT = Path(__file__).resolve().parents[2]


def _without_exclusion():
    """Drop the exclusion constraint inside the test's transaction (rolled back after it), so
    that a day can be covered twice as before migration 0008 (test_money_checks does the same)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE beneficiaries_payment DROP CONSTRAINT IF EXISTS payment_covers_no_day_twice"
        )


def _plant(*, township, villages, tag: str):
    """Data that every rule finds, in one county: returns the staff user of its township."""
    first, second = villages
    staff = UserFactory(username=f"staff{tag}", role=Role.TOWNSHIP_STAFF, division=township)
    project = ProjectFactory(division=township, name=f"低保{tag}", code=f"D{tag}")
    tekun = ProjectFactory(division=township, name=f"特困{tag}", code=f"T{tag}")
    ExclusivePair.objects.create(first=tekun, second=project, note="不得兼得")
    standard(project=project, amount="726.00")
    card = f"622848009999{tag}0001"
    active_enrolment(project=project, village=first, name="甲", card=card, active_from=MARCH)
    active_enrolment(project=project, village=second, name="乙", card=card, active_from=MARCH)  # shared card
    both = active_enrolment(
        project=project, village=first, name="丙", card=f"622848009999{tag}0002", active_from=MARCH
    )
    Enrolment.objects.create(  # exclusive programmes, and two villages
        project=tekun,
        person=both.person,
        village=second,
        status="active",
        applied_on=MARCH,
        active_from=MARCH,
    )
    home = Household.objects.create(village=first, number="9")
    UserPerson.objects.create(user=staff, person=person(village=first, name="干部", household=home))
    active_enrolment(  # a cadre's household
        project=project,
        village=first,
        name="干部之母",
        household=home,
        card=f"622848009999{tag}0003",
        active_from=MARCH,
    )
    gone = active_enrolment(
        project=project, village=first, name="丁", card=f"622848009999{tag}0004", active_from=MARCH
    )
    batch = services.batch_generate(user=staff, project=project, division=township, period_start=MARCH)
    line = batch.payments.get(enrolment__person__name="甲")
    services.payment_adjust(user=staff, payment=line, amount="99.00", reason="补差")  # above the standard
    Person.objects.filter(pk=gone.person_id).update(status="deceased", status_on=datetime.date(2026, 2, 20))
    twice = batch.payments.get(enrolment__person__name="丙")
    Payment.objects.create(  # covered twice
        batch=batch,
        enrolment=twice.enrolment,
        covers_from=MARCH + datetime.timedelta(days=3),
        covers_to=MARCH + datetime.timedelta(days=9),
        amount="10.00",
    )
    return staff


@pytest.fixture
def two_counties(tree):
    _without_exclusion()
    other_village2 = village(tree.other_township, "202", "邻二村")
    _plant(township=tree.township, villages=(tree.village, tree.village2), tag="1")
    _plant(township=tree.other_township, villages=(tree.other_village, other_village2), tag="2")
    # one person of each county enrolled in the other county too
    crossing = Enrolment.objects.filter(person__name="丁", village=tree.village).get()
    Enrolment.objects.create(
        project=ProjectFactory(division=tree.other_township, code="X2"),
        person=crossing.person,
        village=tree.other_village,
        status="active",
        applied_on=MARCH,
    )
    return tree


def _found(rule, prefix) -> set:
    return {
        (f.rule, f.key, f.village_id, f.detail, f.person_id, f.enrolment_id, f.payment_id, tuple(f.related))
        for f in anomalies.RULES[rule](prefix)
    }


@pytest.mark.parametrize("rule", AnomalyFinding.Rule.values)
def test_each_rule_per_county_finds_exactly_its_share_of_the_run_over_everything(two_counties, rule):
    tree = two_counties
    everything = _found(rule, "")
    mine, theirs = _found(rule, tree.county.code), _found(rule, tree.other_county.code)
    assert mine and theirs, "the planted data must give each county findings of every rule"
    assert mine | theirs == everything and not mine & theirs
    mine_villages = {found[2] for found in mine}
    assert mine_villages <= {tree.village.pk, tree.village2.pk, tree.village3.pk}
    # narrower areas too: a township is a prefix like any other
    assert _found(rule, tree.township.code) == mine


def test_a_county_run_writes_only_its_own_findings(two_counties, users):
    tree = two_counties
    services.anomaly_check_run(user=Scope.system("test: the other county first"), rules=None)
    theirs = AnomalyFinding.objects.filter(village__code__startswith=tree.other_county.code)
    before = {f.key: (f.last_seen, f.history.count()) for f in theirs}
    assert len(before) >= len(AnomalyFinding.Rule.values)
    AnomalyFinding.objects.filter(village__code__startswith=tree.county.code).delete()

    summary = services.anomaly_check_run(user=users[Role.COUNTY_REVIEWER])

    assert {f.key: (f.last_seen, f.history.count()) for f in theirs} == before
    mine = AnomalyFinding.objects.filter(village__code__startswith=tree.county.code)
    assert sum(counts["new"] for counts in summary.values()) == mine.count() > 0
    # the person enrolled in both counties: each county's finding names both villages
    (crossing,) = mine.filter(rule="two_villages", person__name="丁")
    assert tree.other_village.name in crossing.detail and crossing.village_id == tree.village.pk


def test_the_nightly_task_fans_out_one_message_per_county(tree):
    """Run as the worker runs it (not eagerly): a run is recorded and one anomaly_check_county
    message per county goes to the broker (the test's Redis), for the workers to share."""
    from beneficiaries.tasks import anomaly_check_task

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = set(client.lrange("celery", 0, -1))
    result = anomaly_check_task.run()
    sent = [raw for raw in client.lrange("celery", 0, -1) if raw not in before]
    try:
        run = AnomalyRun.objects.get()
        assert result == {"run": run.pk, "counties": 2} and run.counties == [
            tree.county.code,
            tree.other_county.code,
        ]
        messages = [json.loads(raw) for raw in sent]
        assert {m["headers"]["task"] for m in messages} == {"beneficiaries.anomaly_check_county"}
        bodies = [json.loads(base64.b64decode(m["body"])) for m in messages]
        assert sorted(args for args, _kwargs, _embed in bodies) == [
            [run.pk, tree.county.code],
            [run.pk, tree.other_county.code],
        ]
        # a second start while it runs is refused and sends nothing
        assert anomaly_check_task.run() == {"skipped": True}
        assert AnomalyRun.objects.count() == 1
    finally:
        for raw in sent:
            client.lrem("celery", 1, raw)


def test_the_nightly_run_in_process_checks_every_county_and_a_rerun_duplicates_nothing(two_counties):
    from beneficiaries.tasks import anomaly_check_task

    first = anomaly_check_task.apply().get()
    count = AnomalyFinding.objects.count()
    assert first[AnomalyFinding.Rule.TWO_VILLAGES]["new"] > 0
    second = anomaly_check_task.apply().get()
    assert AnomalyFinding.objects.count() == count
    assert all(counts["new"] == 0 for counts in second.values())
    assert list(AnomalyRun.objects.values_list("status", flat=True)) == ["done", "done"]


# --- never twice at once: real concurrent starts, each thread its own connection ----------------


def _in_thread(target, results, name):
    def body():
        try:
            results[name] = target()
        except Exception as error:  # the assertion below names it
            results[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_county_is_never_checked_twice_at_once(tree, users, monkeypatch):
    """While a county's part holds its lock, a second delivery of the same part (the broker's
    redelivery) is skipped and an on-demand run of that county is refused; the work is done once."""
    entered, release, calls = threading.Event(), threading.Event(), []

    def slow_rule(prefix=""):
        calls.append(prefix)
        entered.set()
        release.wait(20)
        return iter(())

    monkeypatch.setattr(anomalies, "RULES", {"slow": slow_rule})
    run = AnomalyRun.objects.create(task_id="night", started_at=timezone.now(), counties=[tree.county.code])
    results = {}
    first = _in_thread(
        lambda: services.anomaly_check_county(run_id=run.pk, county_code=tree.county.code), results, "first"
    )
    assert entered.wait(20)
    again = _in_thread(
        lambda: services.anomaly_check_county(run_id=run.pk, county_code=tree.county.code), results, "again"
    )
    again.join(20)
    on_demand = _in_thread(
        lambda: services.anomaly_check_run(user=users[Role.COUNTY_REVIEWER]), results, "on_demand"
    )
    on_demand.join(20)
    release.set()
    first.join(20)
    assert results["first"] == "done" and results["again"] == "skipped"
    assert isinstance(results["on_demand"], services.AnomalyRunBusy)
    assert calls == [tree.county.code]
    run.refresh_from_db()
    assert run.status == "done" and run.done == [tree.county.code]
    # delivered once more after the first committed: nothing is checked again
    assert services.anomaly_check_county(run_id=run.pk, county_code=tree.county.code) == "skipped"
    assert calls == [tree.county.code]


@pytest.mark.django_db(transaction=True)
def test_the_nightly_run_is_never_started_twice_at_once(tree):
    barrier, results = threading.Barrier(2), {}

    def start(task_id):
        barrier.wait(10)
        return services.anomaly_run_start(task_id=task_id)

    threads = [_in_thread(lambda t=t: start(t), results, t) for t in ("one", "two")]
    for thread in threads:
        thread.join(20)
    started = [r for r in results.values() if r is not None]
    assert len(started) == 1 and isinstance(started[0], AnomalyRun), results
    assert AnomalyRun.objects.filter(status="running").count() == 1
    winner = started[0]
    # the broker delivering the winner's message again gets its run back (to resend what is left)
    assert services.anomaly_run_start(task_id=winner.task_id).pk == winner.pk
    # a run whose workers died is set aside by the next night's start
    AnomalyRun.objects.filter(pk=winner.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=settings.ANOMALY_RUN_TIMEOUT + 1)
    )
    assert services.anomaly_run_start(task_id="three") is not None
    assert AnomalyRun.objects.get(pk=winner.pk).status == "abandoned"


# --- the broker -----------------------------------------------------------------------------------


def test_the_visibility_timeout_is_the_celery_apps_and_outlasts_a_run():
    from config.celery import app

    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT == 6 * 3600
    assert options["visibility_timeout"] >= settings.ANOMALY_RUN_TIMEOUT
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1


def test_the_visibility_timeout_comes_from_the_environment():
    code = "import django; django.setup(); from config.celery import app; print(app.conf.broker_transport_options['visibility_timeout'])"
    env = {**os.environ, "CELERY_VISIBILITY_TIMEOUT": "43200", "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip().splitlines()[-1] == "43200"
