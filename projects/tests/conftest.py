import datetime

import pytest

TODAY = datetime.date(2026, 7, 2)  # 183rd day of 2026: the year is 50.14 % elapsed


@pytest.fixture
def today():
    return TODAY
