"""Celery tasks of beneficiaries: thin wrappers over services."""

from celery import shared_task

from core.tasks import PortalTask


@shared_task(base=PortalTask, name="beneficiaries.anomaly_check")
def anomaly_check_task() -> dict:
    """The nightly run over the whole portal (scheduled by a PeriodicTask created in migration
    0003). Idempotent: findings are keyed, so a second delivery only refreshes last_seen."""
    from beneficiaries.services import anomaly_check_run
    from org.scoping import Scope

    return anomaly_check_run(user=Scope.system("nightly anomaly checks"))
