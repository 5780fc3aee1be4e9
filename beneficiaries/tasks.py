"""Celery tasks of beneficiaries: thin wrappers over services."""

import uuid

from celery import group, shared_task

from core.tasks import PortalTask


@shared_task(base=PortalTask, bind=True, name="beneficiaries.anomaly_check")
def anomaly_check_task(self) -> dict:
    """The nightly run over the whole portal (scheduled by the PeriodicTask of migration 0003):
    starts an AnomalyRun and fans out one anomaly_check_county_task per county, which the
    workers run in parallel. A second start while a run is running is refused (logged; the
    anomaly page shows "running since"); a redelivery of this message sends again only the
    counties its run has not checked yet. Run in-process (``apply()``, eager mode) the counties
    are checked right here, one after the other, and the run's counts per rule are returned."""
    from beneficiaries.services import anomaly_run_start

    run = anomaly_run_start(task_id=self.request.id or str(uuid.uuid4()))
    if run is None:
        return {"skipped": True}
    pending = [code for code in run.counties if code not in run.done]
    if self.request.is_eager:
        for code in pending:
            anomaly_check_county_task.apply(args=(run.pk, code), throw=True)
        run.refresh_from_db()
        return run.summary
    group(anomaly_check_county_task.s(run.pk, code) for code in pending).apply_async()
    return {"run": run.pk, "counties": len(pending)}


@shared_task(base=PortalTask, name="beneficiaries.anomaly_check_county")
def anomaly_check_county_task(run_id: int, county_code: str) -> str:
    """One county of a nightly run, in its own transaction under the county's advisory lock:
    "done", or "skipped" (the county is being checked by another delivery, or was already)."""
    from beneficiaries.services import anomaly_check_county

    return anomaly_check_county(run_id=run_id, county_code=county_code)
