"""Settings of the Celery worker the worker-kill test starts: the portal's settings plus the
test-only pause inside the generation's transaction, and a short visibility timeout so that the
message of a killed worker is delivered again within seconds (production keeps an hour)."""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

REPORTS_TEST_PAUSE_SECONDS = float(os.environ.get("REPORTS_TEST_PAUSE_SECONDS", "0"))
REPORTS_TEST_PAUSE_MARKER = os.environ.get("REPORTS_TEST_PAUSE_MARKER", "")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": float(os.environ.get("REPORTS_TEST_VISIBILITY_TIMEOUT", "3600")),
}
