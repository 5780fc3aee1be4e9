"""Writes of field work, one module per topic:

- ``checks``: what every write shares (recorders, dates, area)
- ``visits``: home visits (offline sync, photos, callback answers)
- ``concerns``: residents' concerns from collection to feedback

Callers import from ``fieldwork.services``; the names below are its public surface.
"""

from fieldwork.services.concerns import (
    ESCALATE_AFTER_DAYS,
    concern_collect,
    concern_dispatch,
    concern_feedback,
    concern_resolve,
    concern_triage,
    concern_whistle,
    concerns_flag_overdue,
    whistle_report,
)
from fieldwork.services.visits import (
    CALLBACK_ANSWERS,
    PHOTO_JPEG_QUALITY,
    PHOTO_MAX_BYTES,
    PHOTO_MAX_PIXELS,
    PHOTO_MAX_SIDE,
    PHOTOS_PER_VISIT,
    visit_record,
)

__all__ = [
    "CALLBACK_ANSWERS",
    "ESCALATE_AFTER_DAYS",
    "PHOTOS_PER_VISIT",
    "PHOTO_JPEG_QUALITY",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_PIXELS",
    "PHOTO_MAX_SIDE",
    "concern_collect",
    "concern_dispatch",
    "concern_feedback",
    "concern_resolve",
    "concern_triage",
    "concern_whistle",
    "concerns_flag_overdue",
    "visit_record",
    "whistle_report",
]
