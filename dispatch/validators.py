"""Normalisation and validation of identifiers and values shared by pages, API and jobs.

Each ``normalize_*`` returns the canonical form or raises :class:`ValueError` with a message
a user can act on.  Services wrap those into :class:`~dispatch.errors.ValidationFailed`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum import luhn

from dispatch.timeutil import local_moment

_SEPARATORS = re.compile(r"[\s.\-·•_]+")
#: The days any date may name (purchase dates, filters, reports): beyond them it is a typo.
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 12, 31)


def fold_identifier(raw: str) -> str:
    """NFKC-fold (full-width letters and digits become ASCII) and drop separators."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def key_or_folded(normalize: Callable[[str], str], raw: str) -> str:
    """``raw`` normalised, or only folded when it does not validate: a key to match imported
    rows against records before their errors are reported (never raises)."""
    try:
        return normalize(raw)
    except ValueError:
        return fold_identifier(raw)


def normalize_plate(raw: str, pattern: str) -> str:
    """Canonical plate: upper case, no spaces, dots or dashes; must match ``pattern``."""
    plate = fold_identifier(raw)
    if not plate:
        raise ValueError(_l("Enter the plate number."))
    if not re.fullmatch(pattern, plate):
        raise ValueError(_l("“%(plate)s” is not a valid plate number.", plate=plate))
    return plate


def normalize_imei(raw: str) -> str:
    """15 digits whose last one is the Luhn check digit."""
    imei = fold_identifier(raw)
    if not imei.isdigit() or len(imei) != 15:
        raise ValueError(_l("An IMEI has exactly 15 digits."))
    if not luhn.is_valid(imei):
        raise ValueError(_l("The IMEI check digit is wrong; check for a typing error."))
    return imei


def normalize_iccid(raw: str) -> str:
    """19 or 20 digits starting with 89 (telecom), last digit a Luhn check digit."""
    iccid = fold_identifier(raw)
    if not iccid.isdigit() or not 19 <= len(iccid) <= 20:
        raise ValueError(_l("An ICCID has 19 or 20 digits."))
    if not iccid.startswith("89"):
        raise ValueError(_l("An ICCID starts with 89."))
    if not luhn.is_valid(iccid):
        raise ValueError(_l("The ICCID check digit is wrong; check for a typing error."))
    return iccid


def normalize_terminal_id(raw: str) -> str:
    """The terminal ID as printed on the device: 4–32 letters and digits."""
    terminal_id = fold_identifier(raw)
    if not re.fullmatch(r"[A-Z0-9]{4,32}", terminal_id):
        raise ValueError(_l("A terminal ID has 4 to 32 letters and digits."))
    return terminal_id


def normalize_vin(raw: str) -> str:
    """17 characters, letters I, O and Q excluded (ISO 3779)."""
    vin = fold_identifier(raw)
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise ValueError(_l("A VIN has 17 letters and digits (no I, O or Q)."))
    return vin


def normalize_phone(raw: str, region: str) -> str:
    """A valid phone number in E.164 form (``+8613800138000``)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise ValueError(_l("Enter a phone number."))
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_l("“%(phone)s” is not a phone number.", phone=text)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_l("“%(phone)s” is not a valid phone number.", phone=text))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def normalize_email(raw: object) -> str:
    """An email address (trimmed, the domain in lower case); empty stays empty."""
    text = str(raw or "").strip()
    if not text:
        return ""
    if len(text) > 200 or not EMAIL.fullmatch(text):
        raise ValueError(_l("“%(email)s” is not an email address.", email=text[:60]))
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_clock(raw: object) -> time:
    """A wall-clock time ``HH:MM`` (a setting such as the end of the working day)."""
    try:
        return raw if isinstance(raw, time) else time.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a time as HH:MM.")) from exc


def _in_range(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(_l("The date is out of range."))


def parse_date(raw: object) -> date:
    """An ISO date (``YYYY-MM-DD``) between 1990 and 2100."""
    try:
        value = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a date as YYYY-MM-DD.")) from exc
    _in_range(value)
    return value


def parse_datetime(raw: object) -> datetime:
    """An ISO date and time (``YYYY-MM-DDTHH:MM``) between 1990 and 2100; without an offset it
    is wall-clock time in the configured zone."""
    try:
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a date and time (YYYY-MM-DDTHH:MM).")) from exc
    _in_range(value.date())
    return value if value.tzinfo is not None else local_moment(value.date(), value.time())


def parse_month(raw: object) -> tuple[int, int]:
    """A calendar month ``YYYY-MM`` between 1990 and 2100, as ``(year, month)``."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(raw or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(_l("Enter a month as YYYY-MM."))
    year, month = int(match[1]), int(match[2])
    _in_range(date(year, month, 1))
    return year, month


def validate_latlon(lat: object, lon: object) -> tuple[float, float] | None:
    """Both or neither; latitude −90…90, longitude −180…180."""
    if lat in (None, "") and lon in (None, ""):
        return None
    try:
        flat, flon = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(_l("Latitude and longitude must both be numbers.")) from exc
    if not (-90 <= flat <= 90 and -180 <= flon <= 180):
        raise ValueError(_l("Latitude must be within ±90 and longitude within ±180."))
    return flat, flon
