"""The base of every Celery task of the portal.

Tasks take ids and plain values, never model instances. They run in the portal's language
and time zone, retry only transient errors (database or broker connection, I/O) with
exponential backoff, and let validation errors fail the job with their message.
"""

import celery
import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone, translation

TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class PortalTask(celery.Task):
    abstract = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            timezone.activate(settings.TIME_ZONE)
            try:
                return super().__call__(*args, **kwargs)
            finally:
                timezone.deactivate()
