"""A password complexity rule on top of Django's validators (MLPS level 3 habit)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class ComplexityValidator:
    """Require characters from at least ``min_classes`` of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def _classes(self, password: str) -> int:
        tests = (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        return sum(tests)

    def validate(self, password, user=None):
        if self._classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return ngettext(
            "Your password must mix at least %(count)d kind of characters: lower case, upper case, digits, symbols.",
            "Your password must mix at least %(count)d kinds of characters: lower case, upper case, digits, symbols.",
            self.min_classes,
        ) % {"count": self.min_classes}
