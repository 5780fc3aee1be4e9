"""Form helpers shared by the apps' pages. Forms check shape and type; services decide."""

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """<input type="date"> wants its value as YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else value


def apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: field messages under the field they name (or
    on the form when that field is not shown), plain messages on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class BootstrapMixin:
    """Bootstrap classes on every widget, so the fields fit a 375-px phone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault(
                    "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
                )

    def add_service_error(self, error: ValidationError) -> None:
        apply_service_error(self, error)


class BootstrapForm(BootstrapMixin, forms.Form):
    pass


DATE = DateInput()
