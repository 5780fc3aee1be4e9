"""Background jobs (imports, exports, reports) with their status, progress and result file."""

import os
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.querysets import ScopedQuerySet
from org.scoping import Scope

SAFE_EXTENSIONS = {".xlsx", ".xls", ".csv", ".pdf", ".zip", ".txt", ".json"}


def _extension(filename: str) -> str:
    extension = os.path.splitext(filename or "")[1].lower()
    return extension if extension in SAFE_EXTENSIONS else ".bin"


def job_upload_path(job, filename: str) -> str:
    # The stored name never carries the user's file name: that is kept in upload_name.
    return f"jobs/{timezone.now():%Y/%m}/{job.pk}/upload{_extension(filename)}"


def job_result_path(job, filename: str) -> str:
    return f"jobs/{timezone.now():%Y/%m}/{job.pk}/result{_extension(filename)}"


class JobQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The jobs the user asked for; every job for the system administrator. Nobody else,
        whatever their role or scope: a job's file may hold what only its requester may read
        (an auditor's export carries whole ID and bank card numbers). The one rule for the job
        pages, the API and the admin (common.jobs.job_list goes through it)."""
        if isinstance(user, Scope):
            if user.is_system:
                return self.all()
            user = user.user
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(created_by=user)


class Job(models.Model):
    """One run of a registered job handler (common.jobs.register_job)."""

    class Status(models.TextChoices):
        CREATED = "created", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.DONE, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=80)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    upload = models.FileField(_("uploaded file"), upload_to=job_upload_path, max_length=200, blank=True)
    upload_name = models.CharField(_("uploaded file name"), max_length=200, blank=True)
    result = models.FileField(_("result file"), upload_to=job_result_path, max_length=200, blank=True)
    result_name = models.CharField(_("result file name"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    errors = models.JSONField(_("row errors"), default=list, blank=True, encoder=DjangoJSONEncoder)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    result_rows = models.PositiveIntegerField(
        _("rows in the result file"),
        default=0,
        help_text=_(
            "The data rows the result file holds: one per record (person, payment, project …), "
            "without headers and totals. For a PDF, the records it lists (the rows of its tables)."
        ),
    )
    result_unmasked = models.BooleanField(
        _("unmasked personal data"),
        default=False,
        help_text=_("Whether the result file holds whole ID or bank card numbers."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="jobs"
    )
    division = models.ForeignKey(
        "org.Division",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jobs",
        help_text=_("The scope the job acts in; empty only for the system administrator's jobs."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The creator's language: messages are written in it."),
    )

    SCOPE_PATH = "division"
    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_creator_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed__lte=models.F("total")) | Q(total=0),
                name="job_processed_not_above_total",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.pk}"

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
