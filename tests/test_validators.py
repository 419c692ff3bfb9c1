"""Identifiers are normalised and validated the same way everywhere (table-driven)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.config import DEFAULT_PLATE_PATTERN
from dispatch.validators import (
    normalize_iccid,
    normalize_imei,
    normalize_phone,
    normalize_plate,
    normalize_terminal_id,
    parse_money,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("浙A12345", "浙A12345"),
    ("浙a 123 45", "浙A12345"),
    ("浙Ａ１２３４５", "浙A12345"),          # full-width letters and digits
    ("京A·B1234", "京AB1234"),
    ("粤B.7K3Q9", "粤B7K3Q9"),
    ("沪AD12345", "沪AD12345"),             # new-energy, small car
    ("沪AF0236X", None),                   # new-energy small cars end in four digits
    ("粤B12345D", "粤B12345D"),             # new-energy, large vehicle
    ("苏E1234学", "苏E1234学"),
    ("浙A1234", None),                      # too short
    ("浙A1234567", None),                   # too long
    ("AB12345", None),                      # no province
    ("浙I12345", None),                     # I is not used
    ("浙AO2345", None),                     # O is not used
    ("", None),
])
def test_plates(raw, expected):
    if expected is None:
        with pytest.raises(ValueError):
            normalize_plate(raw, DEFAULT_PLATE_PATTERN)
    else:
        assert normalize_plate(raw, DEFAULT_PLATE_PATTERN) == expected


def test_plate_pattern_is_a_setting():
    assert normalize_plate("ab-123-cd", r"[A-Z]{2}[0-9]{3}[A-Z]{2}") == "AB123CD"
    with pytest.raises(ValueError):
        normalize_plate("浙A12345", r"[A-Z]{2}[0-9]{3}[A-Z]{2}")


@pytest.mark.parametrize(("raw", "expected"), [
    ("490154203237518", "490154203237518"),
    ("49-015420-323751-8", "490154203237518"),
    ("４９０１５４２０３２３７５１８", "490154203237518"),
    ("490154203237517", None),      # wrong check digit
    ("49015420323751", None),       # 14 digits
    ("4901542032375180", None),     # 16 digits
    ("49015420323751X", None),
])
def test_imei(raw, expected):
    if expected is None:
        with pytest.raises(ValueError):
            normalize_imei(raw)
    else:
        assert normalize_imei(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("8986001234567890120", "8986001234567890120"),      # 19 digits
    ("89860 01234 56789 0120", "8986001234567890120"),
    ("89860012345678901234", None),                       # 20 digits, bad check digit
    ("89860012345678901238", "89860012345678901238"),     # 20 digits, good check digit
    ("8986001234567890121", None),                        # check digit
    ("7986001234567890121", None),                        # prefix
    ("898600123456789012", None),                         # 18 digits
])
def test_iccid(raw, expected):
    if expected is None:
        with pytest.raises(ValueError):
            normalize_iccid(raw)
    else:
        assert normalize_iccid(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("+86 138-0013-8000", "+8613800138000"),
    ("0571-87654321", "+8657187654321"),
    ("12345", None),
    ("not a phone", None),
    ("", None),
])
def test_phones(raw, expected):
    if expected is None:
        with pytest.raises(ValueError):
            normalize_phone(raw, "CN")
    else:
        assert normalize_phone(raw, "CN") == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("120", "120.00"), ("120.5", "120.50"), ("1,200.00", "1200.00"), (0, "0.00"),
    ("１２０", "120.00"), ("-1", None), ("1.234", None), ("NaN", None), ("abc", None),
    (True, None), ("99999999999", None),
])
def test_money(raw, expected):
    if expected is None:
        with pytest.raises(ValueError):
            parse_money(raw)
    else:
        assert str(parse_money(raw)) == expected


def test_terminal_ids():
    assert normalize_terminal_id(" hz-0001 2345 ") == "HZ00012345"
    with pytest.raises(ValueError):
        normalize_terminal_id("h!")


@given(st.text(max_size=40))
def test_plate_normaliser_never_crashes_and_output_matches_pattern(raw):
    try:
        plate = normalize_plate(raw, DEFAULT_PLATE_PATTERN)
    except ValueError:
        return
    assert normalize_plate(plate, DEFAULT_PLATE_PATTERN) == plate


@given(st.from_regex(r"[0-9]{14}", fullmatch=True))
def test_every_imei_body_has_exactly_one_check_digit(body):
    valid = [d for d in "0123456789" if _is_imei(body + d)]
    assert len(valid) == 1


def _is_imei(value):
    try:
        normalize_imei(value)
    except ValueError:
        return False
    return True
