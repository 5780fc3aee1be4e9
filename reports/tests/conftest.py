import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    # Services' messages are matched in English; pages are requested in the portal's language.
    with translation.override("en"):
        yield
