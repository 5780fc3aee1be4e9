from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.money import money, parse_money, percent_display, rate, wan


def test_money_rounds_half_up():
    assert money(Decimal("2.345")) == Decimal("2.35")
    assert money(Decimal("-2.345")) == Decimal("-2.35")
    assert money("0.005") == Decimal("0.01")
    with pytest.raises(TypeError):
        money(0.1)


def test_parse_money_refuses_more_than_two_decimals():
    assert parse_money("1,234.50") == Decimal("1234.50")
    assert parse_money("12.300") == Decimal("12.30")  # trailing zeros are not precision
    with pytest.raises(ValidationError) as excinfo:
        parse_money("12.345", field="spent")
    assert "spent" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        parse_money("abc")
    with pytest.raises(ValidationError):
        parse_money("NaN")


def test_rates_are_defined_over_zero():
    assert rate(Decimal("539.3"), Decimal("611.3")) == Decimal("0.8822")
    assert rate(5, 0) is None and rate(None, 5) is None
    assert percent_display(None) == "—"
    assert percent_display(Decimal("1.0031")) == "100.31%"
    assert wan(Decimal("7178000")) == Decimal("717.80")


@given(
    st.decimals(min_value=0, max_value=10**9, places=2), st.decimals(min_value=0, max_value=10**9, places=2)
)
def test_rate_never_raises(numerator, denominator):
    result = rate(numerator, denominator)
    assert result is None or result >= 0
