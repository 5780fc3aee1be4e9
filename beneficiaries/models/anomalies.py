"""The anomaly checks' findings (虚报冒领) and the clearances that let a held batch line
through (findings stop money)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models.enrolment import Enrolment
from beneficiaries.models.payments import Payment
from beneficiaries.models.registry import Person
from org.models import Division
from org.querysets import ScopedQuerySet


class AnomalyFinding(models.Model):
    """One result of the anomaly checks (虚报冒领). ``key`` is stable per finding, so a rerun
    finds the row again instead of adding another; ``related`` holds the person ids involved."""

    class Rule(models.TextChoices):
        TWO_VILLAGES = "two_villages", _("same ID enrolled in two villages")
        PAID_AFTER_EXIT = "paid_after_exit", _("paid for days after death, moving out or exit")
        ABOVE_STANDARD = "above_standard", _("amount above the standard for the days covered")
        SHARED_CARD = "shared_card", _("one bank card for people of different households")
        EXCLUSIVE = "exclusive", _("enrolled in mutually exclusive projects")
        CADRE_RELATIVE = "cadre_relative", _("a cadre's own household among the beneficiaries")
        COVERED_TWICE = "covered_twice", _("two live payments cover the same day")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        EXPLAINED = "explained", _("explained")
        CONFIRMED = "confirmed", _("confirmed")

    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    key = models.CharField(_("key"), max_length=120, unique=True)
    village = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    related = models.JSONField(_("persons involved"), default=list, blank=True)
    detail = models.CharField(_("detail"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        "org.User",
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_seen = models.DateTimeField(_("first found"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last found"))
    history = HistoricalRecords()

    SCOPE_PATH = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        ordering = ["status", "-last_seen", "pk"]
        indexes = [models.Index(fields=["status", "rule"])]

    def __str__(self):
        return f"{self.get_rule_display()}: {self.detail}"


# Recovery items (追回) live in their own module (this one is at the 800-line limit of
# tests/test_layout.py); imported here so ``beneficiaries.models.Recovery`` is the name.


class PaymentClearance(models.Model):
    """A batch line let through despite an open anomaly finding that concerns it, with the
    reason, by someone other than the batch's preparer (issue 15, "findings stop money").

    A record, never edited: the admin shows it read-only, the history keeps who wrote it. One
    per line and finding; a finding found later holds the line again until it too is cleared."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="clearances"
    )
    finding = models.ForeignKey(
        AnomalyFinding, verbose_name=_("anomaly"), on_delete=models.CASCADE, related_name="clearances"
    )
    reason = models.CharField(_("reason"), max_length=500)
    cleared_by = models.ForeignKey(
        "org.User", verbose_name=_("cleared by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_at = models.DateTimeField(_("cleared at"), auto_now_add=True)
    history = HistoricalRecords(no_db_index=["payment", "finding", "cleared_by"])

    SCOPE_PATH = "payment__enrolment__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cleared payment line")
        verbose_name_plural = _("cleared payment lines")
        ordering = ["-cleared_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "finding"],
                name="payment_clearance_once_per_finding",
                violation_error_message=_("This line is already cleared for this finding."),
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="payment_clearance_has_reason"),
        ]

    def __str__(self):
        return f"{self.payment_id} / {self.finding_id}"


class AnomalyRun(models.Model):
    """One nightly run of the anomaly checks over the whole portal, fanned out as one task per
    county (issue 17). At most one is running at a time: the partial unique constraint refuses
    a second "running" row, whichever process inserts it. ``task_id`` is the Celery delivery
    that started it, so a redelivered start message finds its run and does nothing. A run whose
    counties did not all finish within settings.ANOMALY_RUN_TIMEOUT is set aside as abandoned by
    the next start (its workers died); each county's work is further held by an advisory lock
    (beneficiaries.services.anomalies.county_lock), so even then no county is checked twice at
    once. Operational state, not personal data: no history."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        ABANDONED = "abandoned", _("abandoned")

    task_id = models.CharField(_("task"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counties = models.JSONField(_("counties to check"), default=list)
    done = models.JSONField(_("counties checked"), default=list)
    summary = models.JSONField(_("found per rule"), default=dict)

    class Meta:
        verbose_name = _("anomaly check run")
        verbose_name_plural = _("anomaly check runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="anomaly_run_one_running_at_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"
