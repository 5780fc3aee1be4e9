import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from common.masking import mask_bank_card, mask_id_number, mask_name, mask_phone
from core.demo import DEMO_REGION, chinese_name, demo_id_number
from core.idcard import check_char, make_id_number, parse_id_number

dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))


@given(birth=dates, sequence=st.integers(0, 499), sex=st.sampled_from("MF"))
def test_made_numbers_parse_back(birth, sequence, sex):
    number = make_id_number(region="341226", birth_date=birth, sequence=sequence, sex=sex)
    info = parse_id_number(number, today=datetime.date(2026, 11, 25))
    assert (info.birth_date, info.sex, info.region) == (birth, sex, "341226")


@given(birth=dates, sequence=st.integers(0, 499), position=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_error_is_caught(birth, sequence, position, delta):
    number = make_id_number(region="341226", birth_date=birth, sequence=sequence, sex="F")
    digit = (int(number[position]) + delta) % 10
    wrong = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse_id_number(wrong, today=datetime.date(2026, 11, 25))


def test_known_number_with_x():
    # The textbook example of GB 11643: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    info = parse_id_number("11010519491231002x")
    assert info.birth_date == datetime.date(1949, 12, 31) and info.sex == "F"


@pytest.mark.parametrize(
    "value, code",
    [
        ("3412261990010112", "id_length"),
        ("34122619900101123A", "id_characters"),
        ("341226199002301234", "id_birth_date"),
        ("341226209901011236", "id_birth_date"),
        ("341226199001011230", "id_checksum"),
    ],
)
def test_bad_numbers_say_why(value, code):
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(value, today=datetime.date(2026, 11, 25))
    assert excinfo.value.code == code
    assert value[:6] in excinfo.value.messages[0]


def test_demo_numbers_are_valid_and_fictional():
    rng = random.Random(1)
    numbers = {demo_id_number(rng, sequence=i) for i in range(2000)}
    assert all(n.startswith(DEMO_REGION) for n in numbers)
    for number in numbers:
        parse_id_number(number)
    assert 2 <= len(chinese_name(rng)) <= 3


def test_masking():
    assert mask_id_number("341226199001011234") == "3412**********1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修文") == "欧阳**"
    assert mask_name("王") == "王"
    assert mask_bank_card("6228480012345678901") == "6228***********8901"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_id_number("") == "" and mask_name(None) == ""
