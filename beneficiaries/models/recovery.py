"""Recovery items (追回): money paid out for days after a person's last day in the programme,
found when a death, move or exit is recorded later (beneficiaries.services.recoveries)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models.enrolment import MONEY, Enrolment
from beneficiaries.models.payments import Payment
from beneficiaries.models.registry import HISTORY_UNINDEXED, Person
from org.querysets import ScopedQuerySet


class Recovery(models.Model):
    """追回: money paid out for days after the last day a person was in the programme, found
    when a death, a move or an exit is recorded later than the days a batch already paid (an
    approved, sent or reconciled batch). One per payment. It stays on the person and on the
    township's list until recovered or waived: never netted against a later payment (a later
    batch pays as usual). ``covers_from``–``covers_to`` are the days whose money goes back;
    ``amount`` is the payment's amount minus what its span is still worth
    (beneficiaries.coverage), never negative."""

    class Status(models.TextChoices):
        OPEN = "open", _("to recover")
        RECOVERED = "recovered", _("recovered")
        WAIVED = "waived", _("waived")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="recoveries"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="recoveries"
    )
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="recovery"
    )
    covers_from = models.DateField(_("overpaid from"))
    covers_to = models.DateField(_("overpaid to"))
    last_day = models.DateField(_("last day in the programme"))
    reason = models.CharField(_("reason"), max_length=20, choices=Enrolment.ExitReason.choices)
    amount = models.DecimalField(_("amount to recover (yuan)"), **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(
        "org.User", verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    settled_by = models.ForeignKey(
        "org.User",
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    history = HistoricalRecords(no_db_index=[*HISTORY_UNINDEXED, "payment", "recorded_by", "settled_by"])

    SCOPE_PATH = "enrolment__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ["status", "-recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(covers_to__gte=models.F("covers_from")), name="recovery_covers_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", settled_at__isnull=True)
                | (~models.Q(status="open") & models.Q(settled_at__isnull=False) & ~models.Q(note="")),
                name="recovery_settled_with_date_and_note",
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.covers_from}–{self.covers_to} {self.amount}"
