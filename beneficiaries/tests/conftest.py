import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; another test may have left Chinese active."""
    with translation.override("en"):
        yield
