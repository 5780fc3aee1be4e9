"""Forms check shape and type; the services decide the rest (and are called by the views)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import clock
from org.models import Division
from publicity.models import Activity, InfoSubmission, Objection, PublicNotice, SurveyResponse
from publicity.services import notice_earliest_end, notice_period_error
from publicity.validators import validate_photo


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PhotoField(forms.ImageField):
    """An image checked by content (Pillow) and size; the extension proves nothing."""

    default_validators = [validate_photo]

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = "image/*"


class SubmissionForm(BootstrapMixin, forms.Form):
    department = forms.ModelChoiceField(label=_("Reporting unit"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=InfoSubmission.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    photo_before = PhotoField(
        label=_("Photo (before)"), help_text=_("For construction projects: before the works.")
    )
    photo_after = PhotoField(label=_("Photo (after)"))
    media_link = forms.URLField(label=_("Video or audio link"), required=False, assume_scheme="https")

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ReturnForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(
        label=_("Why it is returned"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ActivityForm(BootstrapMixin, forms.Form):
    division = forms.ModelChoiceField(label=_("Division"), queryset=None)
    department = forms.ModelChoiceField(label=_("Organising unit"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=120)
    organisers = forms.CharField(label=_("Organisers"), max_length=200, required=False)
    audience_estimate = forms.IntegerField(
        label=_("Audience (estimate)"), min_value=0, max_value=1_000_000, initial=0
    )
    materials_count = forms.IntegerField(
        label=_("Materials handed out"), min_value=0, max_value=1_000_000, initial=0
    )
    materials_description = forms.CharField(label=_("Materials"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, divisions, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions
        self.fields["department"].queryset = departments


class PhotoUploadForm(BootstrapMixin, forms.Form):
    image = PhotoField(label=_("Photo"), required=True)
    caption = forms.CharField(label=_("Caption"), max_length=120, required=False)


class NoticeForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PublicNotice.Kind.choices)
    division = forms.ModelChoiceField(label=_("Division"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    # No "posted from": the notice starts when it is posted (the server's clock), never typed.
    ends_on = forms.DateField(
        label=_("Posted until"),
        widget=DateInput(),
        help_text=_(
            "The last full day residents may object. The notice starts today when you post it; "
            "the day of posting does not count."
        ),
    )
    objection_address = forms.CharField(
        label=_("Where to send objections"),
        max_length=200,
        required=False,
        help_text=_("Office, address and hours; the livelihood office by default."),
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    table = forms.CharField(
        label=_("List"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=_(
            "Paste from Excel or type comma-separated, first line the headers. Columns headed "
            "姓名, 身份证号, 电话 or 银行卡号 are masked automatically."
        ),
    )

    def __init__(self, *args, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions
        if not self.is_bound:
            self.initial.setdefault("ends_on", notice_earliest_end(posted_on=clock.today()))

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        too_short = notice_period_error(starts_on=clock.today(), ends_on=ends_on)
        if too_short:
            raise forms.ValidationError(too_short)
        return ends_on


class CloseNoticeForm(BootstrapMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("0", _("No objection")), ("1", _("Objection upheld"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class WithdrawNoticeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why it is withdrawn"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class PublicObjectionForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Your name (optional)"), max_length=40, required=False)
    contact = forms.CharField(
        label=_("Phone or address"),
        max_length=60,
        required=False,
        help_text=_("So that the township can tell you the answer."),
    )
    text = forms.CharField(
        label=_("Your objection"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000, required=False
    )


class RecordObjectionForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(
        label=_("Received through"),
        choices=[c for c in Objection.Channel.choices if c[0] != Objection.Channel.ONLINE],
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    name = forms.CharField(label=_("Name"), max_length=40, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=60, required=False)
    text = forms.CharField(
        label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class AnswerObjectionForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Objection.Outcome.choices)
    answer = forms.CharField(
        label=_("Answer given"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class SupervisorForm(BootstrapMixin, forms.Form):
    division = forms.ModelChoiceField(label=_("Division"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=40)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    work_unit = forms.CharField(label=_("Work unit or identity"), max_length=100, required=False)
    appointed_on = forms.DateField(label=_("Appointed on"), widget=DateInput(), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions


class SupervisorVisitForm(BootstrapMixin, forms.Form):
    visited_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("What was visited"), max_length=150)
    opinion = forms.CharField(
        label=_("Opinions given"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    follow_up = forms.CharField(
        label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def township_divisions(divisions):
    return divisions.filter(level__in=[Division.Level.TOWNSHIP, Division.Level.VILLAGE])


class SurveyForm(BootstrapMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=None)
    division = forms.ModelChoiceField(label=_("Division"), queryset=None)
    title = forms.CharField(
        label=_("Title"), max_length=120, required=False, help_text=_("Left empty: year and project.")
    )
    awareness_question = forms.CharField(label=_("Awareness question"), max_length=200, required=False)
    satisfaction_question = forms.CharField(label=_("Satisfaction question"), max_length=200, required=False)

    def __init__(self, *args, projects, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["division"].queryset = divisions


class SurveyResponseForm(BootstrapMixin, forms.Form):
    division = forms.ModelChoiceField(label=_("Village"), queryset=None)
    method = forms.ChoiceField(label=_("How"), choices=SurveyResponse.Method.choices)
    responded_on = forms.DateField(label=_("Date"), widget=DateInput())
    respondent_name = forms.CharField(label=_("Respondent (optional)"), max_length=40, required=False)
    respondent_phone = forms.CharField(
        label=_("Respondent's phone (optional)"), max_length=30, required=False
    )
    is_aware = forms.TypedChoiceField(
        label=_("Knows the project"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=SurveyResponse.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = villages
        for name in ("is_aware", "satisfaction"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
