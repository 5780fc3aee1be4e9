"""Form helpers shared by the apps' pages. Forms check shape and type; services decide."""

from django import forms

DATE = forms.DateInput(attrs={"type": "date"})


class BootstrapForm(forms.Form):
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

    def add_service_error(self, error) -> None:
        """A service's ValidationError onto the form: field messages on their fields (or on the
        form when the field is not shown), plain messages on the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)
