"""What goes wrong: the whole file refused (``ExcelRefused``), one cell or row wrong
(``RowError``), and the all-or-nothing failure that carries them (``RowErrors``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

from .cells import _display

MAX_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    row: int  # Excel row number, 1-based
    column: str  # column letter, "" for an error about the whole row
    header: str
    value: Any
    message: str  # the reason, translated

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "value": _display(self.value),
            "message": self.message,
        }

    def __str__(self) -> str:
        if self.column:
            return gettext("Row %(row)s, column %(column)s (%(header)s): %(message)s") % {
                "row": self.row,
                "column": self.column,
                "header": self.header,
                "message": self.message,
            }
        return gettext("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class ExcelRefused(ValidationError):
    """The file as a whole is refused (wrong type, too big, bad layout); nothing was parsed."""


class RowErrors(ValidationError):
    """Some rows are wrong; nothing may be imported. ``row_errors`` holds the first
    ``MAX_ERRORS`` of them, ``error_count`` how many there were in all."""

    def __init__(self, row_errors: list[RowError], error_count: int):
        self.row_errors = row_errors
        self.error_count = error_count
        super().__init__(
            ngettext(
                "%(count)s error in the file; nothing was imported. Correct it and upload the file again.",
                "%(count)s errors in the file; nothing was imported. Correct them and upload the file again.",
                error_count,
            )
            % {"count": error_count}
        )


def _refuse(message: str, **params):
    raise ExcelRefused(message % params if params else message, code="refused")
