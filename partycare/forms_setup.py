"""Forms of the set-up pages (branches, enrolment, member edits, trainings, pairings). They check
shape and type, with choices limited to the user's area; the services decide the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Household
from org.models import Division, Role, User
from partycare.forms import DATE, BootstrapForm
from partycare.models import Branch, Pairing, PartyMember, Training

FLAG_FIELDS = PartyMember.FLAG_FIELDS


def _flag_fields() -> dict:
    return {
        name: forms.BooleanField(label=PartyMember._meta.get_field(name).verbose_name, required=False)
        for name in FLAG_FIELDS
    }


class BranchForm(BootstrapForm):
    division = forms.ModelChoiceField(label=_("Township or village"), queryset=Division.objects.none())
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Branch.Kind.choices)
    secretary = forms.CharField(label=_("Secretary"), max_length=40, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("ID number or name"), max_length=40, required=False)


class EnrolForm(BootstrapForm):
    """Either ``person`` (chosen from the registry) or a new person's ID number, name, village."""

    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    name = forms.CharField(label=_("Name"), max_length=40, required=False)
    village = forms.ModelChoiceField(label=_("Village"), queryset=Division.objects.none(), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    joined_on = forms.DateField(label=_("Joined the party on"), widget=DATE)
    full_member_on = forms.DateField(label=_("Full membership on"), widget=DATE, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in PartyMember.ACTIVE_STATUSES],
        initial=PartyMember.Status.FULL,
    )

    def __init__(self, *args, branches, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["village"].queryset = villages
        for name, field in _flag_fields().items():
            field.widget.attrs["class"] = "form-check-input"
            self.fields[name] = field


class MemberEditForm(BootstrapForm):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    joined_on = forms.DateField(label=_("Joined the party on"), widget=DATE)
    full_member_on = forms.DateField(label=_("Full membership on"), widget=DATE, required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        for name, field in _flag_fields().items():
            field.widget.attrs["class"] = "form-check-input"
            self.fields[name] = field


class MemberStatusForm(BootstrapForm):
    action = forms.ChoiceField(
        label=_("Change"),
        choices=[
            ("confirm", _("Confirm full membership")),
            ("transfer_out", _("Transfer out")),
            ("record_death", _("Record death")),
        ],
    )
    on = forms.DateField(label=_("On"), widget=DATE, initial=timezone.localdate)


class TrainingForm(BootstrapForm):
    held_on = forms.DateField(label=_("Held on"), widget=DATE, initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Kind"), choices=Training.Kind.choices)
    topic = forms.CharField(label=_("Topic"), max_length=120)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=PartyMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
        self.fields["attendees"].label_from_instance = lambda m: m.person.name
        self.fields["attendees"].widget.attrs = {"class": "form-check-input"}


class PairingForm(BootstrapForm):
    helper_kind = forms.ChoiceField(label=_("Helper is"), choices=Pairing.HelperKind.choices)
    helper_user = forms.ModelChoiceField(
        label=_("Helper (portal user)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("A cadre who uses the portal."),
    )
    helper_name = forms.CharField(
        label=_("Helper's name"),
        max_length=40,
        required=False,
        help_text=_("For a cadre who does not use the portal."),
    )
    helper_member = forms.ModelChoiceField(
        label=_("Helper (member)"), queryset=PartyMember.objects.none(), required=False
    )
    member = forms.ModelChoiceField(
        label=_("Member in need"), queryset=PartyMember.objects.none(), required=False
    )
    household = forms.ModelChoiceField(
        label=_("Household in need"), queryset=Household.objects.none(), required=False
    )
    started_on = forms.DateField(label=_("Paired since"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, users, members, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helper_user"].queryset = users
        self.fields["helper_user"].label_from_instance = lambda u: f"{u.display_name} · {Role(u.role).label}"
        self.fields["helper_member"].queryset = members
        self.fields["member"].queryset = members
        for name in ("helper_member", "member"):
            self.fields[name].label_from_instance = lambda m: m.person.name
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: (
            f"{h.number} {h.head.name}" if h.head_id else h.number
        )


class PairingEndForm(BootstrapForm):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE, initial=timezone.localdate)
