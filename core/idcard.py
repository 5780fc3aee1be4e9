"""Chinese resident identity numbers (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 checksum.

The number is the identity key of a person across the whole portal. ``validate_id_number``
gives a message that says what is wrong; ``parse_id_number`` derives birth date and sex.
"""

import datetime
import operator
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError(f"17 characters expected, not {len(first17)}")
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdInfo:
    number: str
    region: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


def normalize_id_number(value) -> str:
    return str(value or "").strip().upper().replace(" ", "")


def parse_id_number(value, *, today: datetime.date | None = None) -> IdInfo:
    """Validate and decompose an ID number; raises ValidationError saying why it is wrong."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            gettext("ID number “%(value)s” has %(length)d characters; it needs 18.")
            % {"value": number, "length": len(number)},
            code="id_length",
        )
    if not SHAPE.match(number):
        raise ValidationError(
            gettext("ID number “%(value)s” may hold only digits, with X allowed as the last character.")
            % {"value": number},
            code="id_characters",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            gettext("ID number “%(value)s” holds an impossible birth date %(date)s.")
            % {"value": number, "date": number[6:14]},
            code="id_birth_date",
        ) from None
    today = today or datetime.date.today()
    if birth > today or birth.year < 1890:
        raise ValidationError(
            gettext("ID number “%(value)s” holds a birth date %(date)s that cannot be right.")
            % {"value": number, "date": birth.isoformat()},
            code="id_birth_date",
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            gettext("ID number “%(value)s” fails its checksum: the last character should be %(expected)s.")
            % {"value": number, "expected": expected},
            code="id_checksum",
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return IdInfo(number=number, region=number[:6], birth_date=birth, sex=sex)


def make_id_number(*, region: str, birth_date: datetime.date, sequence: int, sex: str) -> str:
    """Build a valid number. ``sequence`` 0–499 gives the 3-digit order code; sex fixes its parity."""
    order = (sequence % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{order:03d}"
    return first17 + check_char(first17)
