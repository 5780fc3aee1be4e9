"""Forms check shape and type; the services decide (roles, scope, dates, amounts)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, BootstrapForm
from partycare.models import AidApplication, Campaign, CareCase, PairingContact, TalkTrigger
from publicity.conf import notice_min_days


class CareCaseForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CareCase.Kind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    visitors = forms.CharField(label=_("Who went"), max_length=120)
    money_given = forms.DecimalField(
        label=_("Money given (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    goods = forms.CharField(label=_("Goods given"), max_length=120, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TriggerForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Event"), choices=TalkTrigger.Kind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AidForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AidApplication.Kind.choices)
    cause = forms.ChoiceField(label=_("Cause"), choices=AidApplication.Cause.choices)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, initial=200)
    amount_reason = forms.CharField(label=_("Reason if above the cap"), max_length=200, required=False)
    situation = forms.CharField(
        label=_("Situation"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CampaignForm(BootstrapForm):
    holiday = forms.ChoiceField(label=_("Holiday"), choices=Campaign.Holiday.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class NoticeForm(BootstrapForm):
    # No "posted from": the notice starts when it is posted (the server's clock), never typed.
    ends_on = forms.DateField(label=_("Posted until"), widget=DATE)
    title = forms.CharField(
        label=_("Title"), max_length=150, required=False, help_text=_("Leave empty for the usual title.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The one notice-days setting (publicity.conf), also held by the service and the database.
        self.fields["ends_on"].help_text = gettext(
            "The notice starts today when you post it; it must run at least %(days)d full days after today."
        ) % {"days": notice_min_days()}


class PayForm(BootstrapForm):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    reference = forms.CharField(label=_("Payment reference"), max_length=80, required=False)


class RejectForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PairingContactForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PairingContact.Kind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    money_given = forms.DecimalField(
        label=_("Money given (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


def year_param(value, default: int | None = None) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default or timezone.localdate().year
    return year if 2000 <= year <= 2100 else (default or datetime.date.today().year)
