"""Identifiers are normalised and validated the same way everywhere (table-driven)."""

from datetime import date as _date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from stdnum import luhn

from dispatch.config import DEFAULT_PLATE_PATTERN
from dispatch.money import parse_money
from dispatch.validators import (
    normalize_iccid,
    normalize_imei,
    normalize_phone,
    normalize_plate,
    normalize_terminal_id,
    parse_date,
    parse_month,
)
from tests.test_plates import typed_plates


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



# --- property tests: arbitrary input never crashes; generated valid values are accepted -------



HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "１２３", "\u202e12345", "0" * 500,
                     "NaN", "Infinity", "-0", "1e999999", "٣٤٥", "浙Ａ·１２３４５"]),
)
#: Separators people type inside identifiers; the normalisers drop them.
SEPARATED = st.sampled_from(["", " ", "-", ".", "·", "  "])
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + ["150", "151", "152", "153", "155", "156",
                                                   "157", "158", "159"] + [f"18{d}" for d in range(10)]


def _with_separators(draw, value: str, separators=SEPARATED) -> str:
    return "".join(ch + draw(separators) for ch in value).strip()


def _full_width(value: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in value)


@st.composite
def imeis(draw):
    body = draw(st.from_regex(r"[0-9]{14}", fullmatch=True))
    return body + luhn.calc_check_digit(body)


@st.composite
def iccids(draw):
    body = "89" + draw(st.from_regex(r"[0-9]{16,17}", fullmatch=True))
    return body + luhn.calc_check_digit(body)


@st.composite
def mobiles(draw):
    return draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.from_regex(r"[0-9]{8}", fullmatch=True))


@given(imeis(), st.data())
def test_imeis_with_a_correct_check_digit_are_accepted_and_one_typo_refused(imei, data):
    assert normalize_imei(_with_separators(data.draw, imei)) == imei
    position = data.draw(st.integers(0, 14))
    typo = imei[:position] + str((int(imei[position]) + data.draw(st.integers(1, 9))) % 10) \
        + imei[position + 1:]
    with pytest.raises(ValueError):  # Luhn catches every single-digit error
        normalize_imei(typo)


@given(iccids())
def test_iccids_with_a_correct_check_digit_are_accepted(iccid):
    assert normalize_iccid(" ".join([iccid[:5], iccid[5:10], iccid[10:]])) == iccid


@given(mobiles(), st.data())
def test_mainland_mobiles_are_stored_in_e164(number, data):
    spaced = _with_separators(data.draw, number, st.sampled_from(["", " ", "-", "."]))
    typed = data.draw(st.sampled_from([number, f"+86 {number}", spaced, _full_width(number)]))
    assert normalize_phone(typed, "CN") == "+86" + number


@given(st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2))
def test_amounts_with_two_decimals_round_trip(amount):
    assert parse_money(str(amount)) == amount
    assert parse_money(f"{amount:,}") == amount


@given(st.dates(min_value=_date(1990, 1, 1), max_value=_date(2100, 12, 31)))
def test_dates_in_range_round_trip(day):
    assert parse_date(day.isoformat()) == day
    assert parse_month(day.isoformat()[:7]) == (day.year, day.month)


@given(st.dates().filter(lambda d: not _date(1990, 1, 1) <= d <= _date(2100, 12, 31)))
def test_dates_out_of_range_are_refused(day):
    with pytest.raises(ValueError):
        parse_date(day.isoformat())
    with pytest.raises(ValueError):
        parse_month(f"{day.year:04d}-{day.month:02d}")


NORMALISERS = {
    "plate": lambda raw: normalize_plate(raw, DEFAULT_PLATE_PATTERN),
    "imei": normalize_imei,
    "iccid": normalize_iccid,
    "terminal_id": normalize_terminal_id,
    "phone": lambda raw: normalize_phone(raw, "CN"),
    "money": lambda raw: str(parse_money(raw)),
    "date": lambda raw: parse_date(raw).isoformat(),
    "month": lambda raw: "{:04d}-{:02d}".format(*parse_month(raw)),
}


@pytest.mark.parametrize("kind", sorted(NORMALISERS))
@given(raw=HOSTILE_TEXT)
def test_arbitrary_text_is_normalised_or_refused_with_a_message(kind, raw):
    """Never another exception; what is accepted is canonical (normalising it again is a no-op)."""
    normalise = NORMALISERS[kind]
    try:
        value = normalise(raw)
    except ValueError as exc:
        assert str(exc)  # a message a user can act on (lazy strings render here)
        return
    assert normalise(value) == value


# --- the same through the services: accepted and normalised, or refused and nothing written ---

SERVICE_SETTINGS = settings(max_examples=40, deadline=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture])


def _through_service(create, model, field, data):
    """Call ``create(data)``: either it stores a row, or it raises ValidationFailed naming
    ``field`` and the session holds nothing new. Rolled back either way."""
    from dispatch.errors import ValidationFailed
    from dispatch.extensions import db

    before = db.session.scalar(select(func.count()).select_from(model))
    try:
        row = create(data)
    except ValidationFailed as exc:
        assert field in exc.fields, exc.fields
        assert not db.session.new and not db.session.dirty
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(model)) == before
        return None
    value = getattr(row, field)
    db.session.rollback()
    return value


@SERVICE_SETTINGS
@given(raw=HOSTILE_TEXT | typed_plates().map(lambda pair: pair[1]))
def test_vehicle_plates_through_the_service(app, raw):
    from dispatch.registry.models import Customer, Vehicle
    from dispatch.registry.services import create_vehicle

    customer = Customer(name="c", contact_name="c", phone="+8613800138000", address="a")
    stored = _through_service(lambda data: create_vehicle(customer, data), Vehicle, "plate",
                              {"plate": raw})
    if stored is not None:
        assert stored == normalize_plate(raw, DEFAULT_PLATE_PATTERN)


@SERVICE_SETTINGS
@given(imei=HOSTILE_TEXT | imeis(), iccid=HOSTILE_TEXT | iccids(),
       day=HOSTILE_TEXT | st.dates().map(_date.isoformat))
def test_devices_through_the_service(app, imei, iccid, day):
    from dispatch.registry.models import Sim, Terminal
    from dispatch.registry.services import create_sim, create_terminal

    stored = _through_service(create_terminal, Terminal, "imei",
                              {"terminal_id": "HZ0001", "model": "GT06N", "imei": imei})
    if stored is not None:
        assert stored == normalize_imei(imei)
    stored = _through_service(create_terminal, Terminal, "purchase_date",
                              {"terminal_id": "HZ0001", "model": "GT06N", "purchase_date": day})
    if stored is not None:
        assert stored == parse_date(day)
    stored = _through_service(create_sim, Sim, "iccid", {"iccid": iccid})
    if stored is not None:
        assert stored == normalize_iccid(iccid)


@SERVICE_SETTINGS
@given(phone=HOSTILE_TEXT | mobiles(), price=HOSTILE_TEXT | st.decimals(
    min_value=0, max_value=Decimal("9999999999.99"), places=2).map(str))
def test_phones_and_prices_through_the_services(app, phone, price):
    from dispatch.registry.models import Customer
    from dispatch.registry.services import create_customer
    from inventory.models import Part
    from inventory.parts import create_part

    agent = _agent()
    stored = _through_service(lambda data: create_customer(data, agent), Customer, "phone",
                              {"name": "c", "contact_name": "c", "address": "a", "phone": phone})
    if stored is not None:
        assert stored == normalize_phone(phone, "CN")
    stored = _through_service(create_part, Part, "price", {
        "sku": "X-1", "name": "x", "category": "other", "price": price})
    if stored is not None:
        assert stored == parse_money(price)


def _agent():
    from dispatch.auth.models import User
    from dispatch.auth.services import create_user
    from dispatch.extensions import db

    user = db.session.scalar(select(User).where(User.username == "agent-props"))
    if user is None:
        user = create_user("agent-props", "correct-horse-battery", ["agent"])
        db.session.commit()
    return user
