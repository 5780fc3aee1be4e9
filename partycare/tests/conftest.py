import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    # Assertions read the English messages; the pages' Chinese is tested in the browser.
    with translation.override("en"):
        yield
