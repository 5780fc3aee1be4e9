"""Settings of the publicity app, each with a default so config/settings.py needs no change
(except the notice days, which the database constraint reads too: config/settings.py holds it).

Override any of them in settings (or from the environment there) when a county wants another value.
"""

from django.conf import settings


def photo_max_bytes() -> int:
    """Largest photo accepted, in bytes (default 10 MB)."""
    return getattr(settings, "PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def notice_min_days() -> int:
    """Shortest public-notice period, counted in calendar days including both ends: the one
    setting ``NOTICE_MIN_DAYS`` (config/settings.py says where else it is used)."""
    return settings.NOTICE_MIN_DAYS


def publicity_months() -> tuple[int, ...]:
    """The county's concentrated publicity months (宣传月)."""
    return tuple(getattr(settings, "PUBLICITY_MONTHS", (6, 11)))


def objection_rate_limit() -> tuple[int, int]:
    """(attempts, seconds): objections one client address may file per fixed window."""
    return tuple(getattr(settings, "OBJECTION_RATE_LIMIT", (5, 60)))
