"""The portal's one clock: what time it is, and what day it is in the county.

Services that decide by the time (a notice's period, when it may close) ask ``now()`` and
``today()`` here, never a date typed by the user, so a rule such as "a notice runs at least N
full days from its posting" is measured by the server alone.

``travel(moment)`` moves this clock to another (aware) moment for the code run inside it. It is
for the demo builders, which build a year of history through the same rules, and for tests at
the boundary of a period; no page, API view, task or service may call it. It is a context
variable, so it is per thread / per task and never leaks into another request or process.
"""

import contextlib
import contextvars
import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone

_moment: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "clock_moment", default=None
)


def now() -> datetime.datetime:
    """The current moment (aware, UTC), or the moment ``travel`` set."""
    moment = _moment.get()
    return moment if moment is not None else timezone.now()


def local_zone() -> zoneinfo.ZoneInfo:
    """The county's time zone: settings.TIME_ZONE (Asia/Shanghai), whatever zone is active."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today() -> datetime.date:
    """The date in the county's time zone at ``now()``."""
    return local_day(now())


def local_day(moment: datetime.datetime) -> datetime.date:
    """The date of ``moment`` in the county's time zone."""
    return moment.astimezone(local_zone()).date()


def start_of_day(day: datetime.date) -> datetime.datetime:
    """00:00 of ``day`` in the county's time zone, as an aware moment."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


@contextlib.contextmanager
def travel(moment: datetime.datetime):
    """Run the block as if it were ``moment`` (an aware datetime; the clock stands still there).
    Demo builders and tests only."""
    if not isinstance(moment, datetime.datetime) or timezone.is_naive(moment):
        raise ValueError("clock.travel needs an aware datetime, e.g. clock.start_of_day(day).")
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)
