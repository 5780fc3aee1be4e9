"""Forms check shape and type; the services decide. ``apply_service_error`` puts a service's
ValidationError on the form, under the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import (  # noqa: F401 (apply_service_error re-exported for the views)
    BootstrapMixin,
    DateInput,
    MonthInput,
    apply_service_error,
)
from org.models import Department, Division
from projects.models import FundMovement, FundSource, Project, SiteControl, Target


class ProjectForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "year",
            "code",
            "name",
            "kind",
            "category",
            "division",
            "lead_department",
            "responsible_person",
            "responsible_phone",
            "policy",
        ]
        widgets = {"policy": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, divisions=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions if divisions is not None else Division.objects.none()
        self.fields["lead_department"].queryset = (
            departments if departments is not None else Department.objects.none()
        )
        if self.instance.pk:
            for name in ("year", "division"):
                self.fields[name].disabled = True

    def validate_unique(self):
        pass  # the service checks the code with a message that names it


class TargetForm(BootstrapMixin, forms.Form):
    division = forms.ModelChoiceField(label=_("division"), queryset=Division.objects.none())
    quantity = forms.CharField(label=_("target quantity"), max_length=20)
    unit = forms.CharField(label=_("unit"), max_length=10, widget=forms.Select(choices=Target.Unit.choices))

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if divisions is not None:
            self.fields["division"].queryset = divisions


class SplitForm(BootstrapMixin, forms.Form):
    """One quantity field per division directly below the target."""

    def __init__(self, *args, divisions=(), initial_shares=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.divisions = list(divisions)
        initial_shares = initial_shares or {}
        for division in self.divisions:
            self.fields[f"share_{division.pk}"] = forms.CharField(
                label=division.name,
                required=False,
                max_length=20,
                initial=initial_shares.get(division.pk, ""),
            )

    def parts(self) -> list:
        return [
            (division, self.cleaned_data.get(f"share_{division.pk}") or "0")
            for division in self.divisions
            if self.cleaned_data.get(f"share_{division.pk}") not in (None, "")
        ]


class ProgressForm(BootstrapMixin, forms.Form):
    month = forms.DateField(label=_("month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput())
    actual = forms.CharField(label=_("cumulative actual"), max_length=20)
    correction_reason = forms.CharField(
        label=_("correction reason"),
        required=False,
        max_length=200,
        help_text=_("Only when the figure is lower than an earlier month's: say why."),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class FundLineForm(BootstrapMixin, forms.Form):
    source = forms.ChoiceField(label=_("fund source"), choices=FundSource.choices)
    planned = forms.CharField(label=_("planned"), max_length=20)


class FundMovementForm(BootstrapMixin, forms.Form):
    source = forms.ChoiceField(label=_("fund source"), choices=FundSource.choices)
    kind = forms.ChoiceField(label=_("movement"), choices=FundMovement.Kind.choices)
    date = forms.DateField(label=_("date"), widget=DateInput())
    amount = forms.CharField(label=_("amount (yuan)"), max_length=20)
    reference = forms.CharField(label=_("voucher number"), required=False, max_length=60)
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class SiteForm(BootstrapMixin, forms.Form):
    division = forms.ModelChoiceField(label=_("division"), queryset=Division.objects.none())
    name = forms.CharField(label=_("site name"), max_length=100)
    location = forms.CharField(label=_("location"), max_length=200)
    builder = forms.CharField(label=_("builder"), max_length=100, required=False)
    supervisor_unit = forms.CharField(label=_("supervision unit"), max_length=100, required=False)
    investment = forms.CharField(label=_("investment (yuan)"), max_length=20)
    start_date = forms.DateField(label=_("start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("planned completion date"), required=False, widget=DateInput())

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if divisions is not None:
            self.fields["division"].queryset = divisions


class SiteControlForm(BootstrapMixin, forms.Form):
    control = forms.ChoiceField(
        label=_("control"),
        choices=[c for c in SiteControl.Control.choices if c[0] != SiteControl.Control.ACCEPTANCE],
    )
    done_on = forms.DateField(label=_("date"), widget=DateInput())
    document = forms.FileField(label=_("document"))


class SiteAcceptForm(BootstrapMixin, forms.Form):
    accepted_on = forms.DateField(label=_("completion accepted on"), widget=DateInput())
    document = forms.FileField(label=_("acceptance report"))
