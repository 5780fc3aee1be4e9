"""Background jobs: a registry of handlers, the services that enqueue and run them, the task.

An app registers a handler in its own ``jobs.py`` (imported at start-up by CommonConfig)::

    @register_job("projects.target_import", label=_("Import targets"), roles=[Role.TOWNSHIP_STAFF])
    def target_import(*, job, user, progress) -> JobOutcome:
        parsed = read_xlsx(job.upload, TARGET_SPEC)
        parsed.raise_for_errors()            # RowErrors → the job fails with the row table
        for done, row in enumerate(parsed.rows, 1):
            target_record(user=user, ...)    # services; ValidationError → failed, all rolled back
            progress(done, len(parsed.rows))
        return JobOutcome(message=_("%(count)s targets imported.") % {"count": len(parsed.rows)})

and a view starts it with ``job_enqueue(user=..., kind=..., params=..., upload=...)`` and
redirects to ``job.get_absolute_url()``.

The handler runs inside ONE transaction together with the job's "done": an import lands
completely or not at all. Progress goes to the cache (Redis), not to the job row, so other
processes see it while that transaction is still open.
"""

import datetime
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as KombuOperationalError

from common.models import Job
from core.excel import RowError
from core.tasks import TRANSIENT_ERRORS, PortalTask
from org.db_router import REPLICA, replica_configured, replica_reads
from org.roles import require_role
from org.scoping import division_in_scope, scope_prefix
from org.selectors import task_user

logger = logging.getLogger(__name__)

BROKER_ERRORS = (KombuOperationalError, *TRANSIENT_ERRORS, OSError)
PROGRESS_TIMEOUT = 24 * 3600
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes, unless a whole percent passed
MAX_STORED_ERRORS = 1000


# --- registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: Any
    roles: tuple
    handler: Callable
    #: for imports: the SheetSpec the uploaded file must follow (the import fuzz test uses it)
    spec: Any = None


@dataclass
class JobOutcome:
    """What a handler returns. ``file_bytes``: the result file as bytes, or the path of a file
    the handler wrote (it is moved into storage and deleted); ``filename``: what the user's
    download is called (Chinese is fine); ``errors``: non-fatal RowErrors or dicts to show.

    A handler that makes a file says what is in it, for the download log: ``rows``, the data
    rows the file holds (records, not headers or totals; for a PDF the records its tables
    list), and ``unmasked``, whether it holds whole ID or bank card numbers (the auditor's
    mode of an export, a bank file). ``rows`` left at None falls back to the progress count."""

    file_bytes: bytes | str | Path | None = None
    filename: str = ""
    message: str = ""
    errors: Sequence = field(default_factory=list)
    rows: int | None = None
    unmasked: bool = False


_REGISTRY: dict[str, JobKind] = {}  # filled at import time, identical in every process


def register_job(kind: str, *, label, roles: Iterable, spec=None):
    """Register ``handler(*, job, user, progress) -> JobOutcome`` under ``kind``. ``roles``:
    who may start it (checked when enqueued and again in the worker)."""
    roles = tuple(roles)
    if not roles:
        raise ValueError("register_job needs the roles that may start the job")

    def decorator(handler):
        existing = _REGISTRY.get(kind)
        if existing and existing.handler.__qualname__ != handler.__qualname__:
            raise ValueError(f"Job kind {kind!r} is registered twice")
        _REGISTRY[kind] = JobKind(kind=kind, label=label, roles=roles, handler=handler, spec=spec)
        return handler

    return decorator


def job_kind_get(kind: str) -> JobKind | None:
    return _REGISTRY.get(kind)


def job_kinds() -> list[JobKind]:
    return list(_REGISTRY.values())


def job_label(job: Job) -> str:
    job_kind = _REGISTRY.get(job.kind)
    return str(job_kind.label) if job_kind else job.kind


# --- progress ---------------------------------------------------------------------------------


def _progress_key(job_id) -> str:
    return f"job-progress:{job_id}"


class Progress:
    """``progress(done, total)`` for a handler: written to the cache at most every 0.5 s or
    whenever another whole percent is reached, never to the job row (which is locked in the
    handler's transaction). A cache failure never stops the job: progress is only shown."""

    def __init__(self, job_id, *, interval: float = PROGRESS_INTERVAL):
        self.key = _progress_key(job_id)
        self.interval = interval
        self.done = 0
        self.total = 0
        self._written_at = 0.0
        self._written_percent = -1

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(int(total), 0)
        self.done = min(max(int(done), 0), self.total) if self.total else max(int(done), 0)
        percent = self.done * 100 // self.total if self.total else 0
        now = time.monotonic()
        finished = self.total and self.done >= self.total
        if not finished and percent <= self._written_percent and now - self._written_at < self.interval:
            return
        self._written_at, self._written_percent = now, percent
        try:
            cache.set(self.key, {"done": self.done, "total": self.total}, PROGRESS_TIMEOUT)
        except Exception:  # progress is cosmetic; the import itself must not fail for it
            logger.warning("Could not write progress of job %s", self.key, exc_info=True)


def job_progress(job: Job) -> dict:
    """{"done", "total", "percent"} of a job: from the cache while it runs, from the row after.
    ``percent`` is None while the total is unknown."""
    done, total = job.processed, job.total
    if job.status == Job.Status.RUNNING:
        try:
            cached = cache.get(_progress_key(job.pk))
        except Exception:
            cached = None
        if cached:
            done, total = cached["done"], cached["total"]
    if job.status == Job.Status.DONE and not total:
        return {"done": done, "total": total, "percent": 100}
    percent = min(100, done * 100 // total) if total else None
    return {"done": done, "total": total, "percent": percent}


# --- selectors --------------------------------------------------------------------------------


def job_list(*, user, kind: str | None = None):
    """The jobs the user may see, newest first: their own, or all for the system administrator
    (Job.objects.visible_to, the one rule for pages, API and admin)."""
    jobs = Job.objects.visible_to(user).select_related("created_by", "division")
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs.order_by("-created_at")


def job_get(*, user, pk) -> Job:
    """The job, or Http404 when it does not exist or was asked for by someone else (the same
    answer for both: another user's job is not even confirmed to exist)."""
    return get_object_or_404(job_list(user=user), pk=pk)


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def job_enqueue(*, user, kind: str, params: dict | None = None, upload=None, division=None) -> Job:
    """Create a job and run it in a worker once this transaction commits.

    Who may call: the roles the kind was registered with, for a ``division`` inside their
    scope (default: their own division). Raises PermissionDenied otherwise, ValueError for an
    unknown kind (a programming error). ``params`` must be JSON (dates and Decimals become
    strings). ``upload``: a Django File/UploadedFile, stored under a neutral name.
    """
    job_kind = _REGISTRY.get(kind)
    if job_kind is None:
        raise ValueError(f"No job handler is registered for {kind!r}")
    require_role(user, *job_kind.roles)
    if scope_prefix(user) is None:
        raise PermissionDenied(gettext("You have no division to act in."))
    if division is None:
        division = user.division
    elif not division_in_scope(user, division):
        raise PermissionDenied(gettext("This division is outside your scope."))
    job = Job(
        kind=kind,
        params=params or {},
        created_by=user,
        division=division,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    if upload is not None:
        name = os.path.basename(getattr(upload, "name", "") or "upload")
        job.upload_name = name[:200]
        job.upload.save(name, upload, save=False)
    job.save()
    job_id = str(job.pk)
    transaction.on_commit(lambda: _send(job_id))
    return job


def _send(job_id: str) -> bool:
    """Hand the job to the broker. With the broker down the request still succeeds: the job
    waits as "created", and job_requeue_task sends it once the broker answers again."""
    try:
        job_run_task.delay(job_id)
    except BROKER_ERRORS:
        logger.warning("Broker unavailable: job %s waits to be requeued", job_id, exc_info=True)
        return False
    return True


@shared_task(base=PortalTask, name="common.job_requeue")
def job_requeue_task(*, older_than_seconds: int = 60) -> int:
    """Send again the jobs still waiting as "created" (their first send failed, or the message
    was lost). Harmless for a job already queued: job_run claims it under a row lock."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    sent = 0
    for job_id in Job.objects.filter(status=Job.Status.CREATED, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        sent += _send(str(job_id))
    return sent


JOB_FILES_DIR = "jobs"


def job_files_purge(*, older_than_days: int | None = None, now=None) -> dict:
    """Delete the files of jobs finished more than ``older_than_days`` ago (settings
    JOB_FILE_RETENTION_DAYS): exports carry whole ID and bank card numbers, and uploads are
    rosters of people, so they do not lie on the disk for ever. The job rows stay (who asked
    for what, when, with what result: the download log points at them); their page then says
    the file was removed. Files under jobs/ that no job points at (a worker killed between
    writing the file and committing) go too, once they are as old. Returns the counts."""
    days = settings.JOB_FILE_RETENTION_DAYS if older_than_days is None else older_than_days
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    removed = {"results": 0, "uploads": 0, "orphans": 0}
    old = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff).exclude(result="", upload="")
    for job in old.iterator(chunk_size=500):
        changed = []
        for name, key in (("result", "results"), ("upload", "uploads")):
            stored = getattr(job, name)
            if stored:
                stored.storage.delete(stored.name)
                changed.append(name)
                removed[key] += 1
        Job.objects.filter(pk=job.pk).update(**dict.fromkeys(changed, ""))
    removed["orphans"] = _purge_orphans(cutoff)
    return removed


def _purge_orphans(cutoff) -> int:
    from django.core.files.storage import default_storage

    referenced = set()
    for result, upload in Job.objects.values_list("result", "upload").iterator(chunk_size=2000):
        referenced.update(name for name in (result, upload) if name)
    removed = 0
    stack = [JOB_FILES_DIR]
    while stack:
        folder = stack.pop()
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        stack.extend(f"{folder}/{name}" for name in folders)
        for name in files:
            path = f"{folder}/{name}"
            if path in referenced:
                continue
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed


@shared_task(base=PortalTask, name="common.job_files_purge")
def job_files_purge_task() -> dict:
    """Nightly (django-celery-beat, migration common 0003)."""
    return job_files_purge()


def _claim(job_id) -> Job | None:
    """created → running under a row lock. None when there is nothing to do: the job is gone,
    finished, or locked by a worker that is running it right now (a second delivery)."""
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        # RUNNING here means the worker that ran it died (its lock went with its connection)
        # or a transient error is being retried: handlers are all-or-nothing, so run again.
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
        return job


def _error_dicts(errors) -> list[dict]:
    return [error.as_dict() if isinstance(error, RowError) else dict(error) for error in errors][
        :MAX_STORED_ERRORS
    ]


def _store_result(job: Job, outcome: JobOutcome) -> None:
    content = outcome.file_bytes
    if content is None:
        return
    filename = outcome.filename or "result.xlsx"
    if isinstance(content, bytes | bytearray):
        job.result.save(filename, ContentFile(bytes(content)), save=False)
    else:
        with open(content, "rb") as handle:
            job.result.save(filename, File(handle), save=False)
        os.unlink(content)
    job.result_name = filename[:200]


def _finish_failed(job_id, *, message: str, errors=(), error_count: int | None = None) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return
        stored = _error_dicts(errors)
        job.status = Job.Status.FAILED
        job.message = message
        job.errors = stored
        job.error_count = error_count if error_count is not None else len(stored)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "errors", "error_count", "finished_at"])
    _forget_progress(job_id)


def _forget_progress(job_id) -> None:
    try:
        cache.delete(_progress_key(job_id))
    except Exception:
        logger.warning("Could not clear progress of job %s", job_id, exc_info=True)


def _validation_message(error: ValidationError) -> str:
    return "\n".join(str(message) for message in error.messages)


def _reads_replica(job_kind: JobKind, job: Job) -> bool:
    """An export (a kind named ``<app>.export_<what>``) reads the replica once the replica holds
    the job's own row: a standby replays the primary in commit order, so whatever the user
    saved before asking for the export is there too. Imports, reports and files that record
    something read the primary."""
    if not replica_configured() or ".export_" not in job_kind.kind:
        return False
    try:
        return Job.objects.using(REPLICA).filter(pk=job.pk).exists()
    except DatabaseError:
        logger.warning("Replica unavailable: job %s reads the primary", job.pk, exc_info=True)
        return False


def job_run(*, job_id) -> str:
    """Run one job to its end; returns its status afterwards. Safe to call twice (the second
    call finds the job done, failed, or locked by the first and returns at once). Validation
    and permission errors fail the job with their message; transient errors propagate for the
    task to retry; anything else fails the job with a generic message and is logged."""
    job = _claim(job_id)
    if job is None:
        current = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return current or "missing"
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            job_kind = _REGISTRY.get(job.kind)
            if job_kind is None:
                raise ValidationError(
                    gettext("This kind of job is not known to the server: %(kind)s.") % {"kind": job.kind}
                )
            user = task_user(job.created_by_id)
            if user is None:
                raise ValidationError(gettext("The user who started this job is no longer active."))
            require_role(user, *job_kind.roles)
            if job.division_id is not None and not division_in_scope(user, job.division):
                raise PermissionDenied(gettext("The job's division is no longer in your scope."))
            progress = Progress(job.pk)
            with transaction.atomic():
                locked = Job.objects.select_for_update().get(pk=job.pk)
                if locked.status != Job.Status.RUNNING:
                    return locked.status
                with replica_reads(enabled=_reads_replica(job_kind, locked)):
                    outcome = job_kind.handler(job=locked, user=user, progress=progress) or JobOutcome()
                _store_result(locked, outcome)
                stored = _error_dicts(outcome.errors)
                locked.status = Job.Status.DONE
                locked.message = str(outcome.message or "")
                locked.errors = stored
                locked.error_count = len(stored)
                locked.total = max(progress.total, progress.done)
                locked.processed = progress.done
                if locked.result:
                    # What the download log reports: the handler's count, else the progress's.
                    rows = outcome.rows if outcome.rows is not None else locked.total
                    locked.result_rows = max(int(rows), 0)
                    locked.result_unmasked = bool(outcome.unmasked)
                locked.finished_at = timezone.now()
                locked.save()
            _forget_progress(job.pk)
            return Job.Status.DONE
        except ValidationError as error:
            _finish_failed(
                job_id,
                message=_validation_message(error),
                errors=getattr(error, "row_errors", ()),
                error_count=getattr(error, "error_count", None),
            )
        except (PermissionDenied, Http404, ObjectDoesNotExist) as error:
            _finish_failed(
                job_id, message=str(error) or gettext("You are not allowed to do this (any longer).")
            )
        except TRANSIENT_ERRORS:
            raise  # the task retries with backoff; the job stays "running" meanwhile
        except Exception:
            logger.exception("Job %s (%s) failed", job_id, job.kind)
            _finish_failed(
                job_id,
                message=gettext(
                    "An unexpected error stopped this job; nothing was saved. Please tell the system administrator (job %(id)s)."
                )
                % {"id": job_id},
            )
        return Job.Status.FAILED


class JobTask(PortalTask):
    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted on a transient error: the job must not stay "running" forever.
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id:
            try:
                _finish_failed(
                    job_id,
                    message=gettext(
                        "The database or the queue was unavailable for too long; nothing was saved. Try again later."
                    ),
                )
            except Exception:
                logger.exception("Could not mark job %s failed", job_id)
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(base=JobTask, name="common.job_run")
def job_run_task(job_id: str) -> str:
    """Run job ``job_id`` (a string UUID). Redelivery-safe; see :func:`job_run`."""
    return str(job_run(job_id=job_id))
