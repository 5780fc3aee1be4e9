"""Forms of the registry pages: shape and type only; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Person
from core.forms import DATE, BootstrapForm


class PersonForm(BootstrapForm):
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18)
    name = forms.CharField(label=_("Name"), max_length=40)
    village = forms.ModelChoiceField(label=_("Village"), queryset=None)
    household_number = forms.CharField(
        label=_("Household number"),
        max_length=30,
        required=False,
        help_text=_("The household book number; a new number creates the household."),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=[("", "—"), *Person.Relation.choices], required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    bank_card = forms.CharField(label=_("Bank card"), max_length=30, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text")
        self.fields["bank_card"].widget.attrs.update(autocomplete="off", inputmode="numeric")


class PersonEditForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=[("", "—"), *Person.Relation.choices], required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    bank_card = forms.CharField(
        label=_("New bank card"),
        max_length=30,
        required=False,
        help_text=_("Leave empty to keep the current card."),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_card"].widget.attrs.update(autocomplete="off", inputmode="numeric")

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        if not data["bank_card"]:
            del data["bank_card"]
        return data


class PersonStatusForm(BootstrapForm):
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices)
    status_on = forms.DateField(label=_("Since"), widget=DATE, initial=timezone.localdate, required=False)
