"""Money: one rounding rule, one display format, one plain form, one parser.

Amounts are :class:`~decimal.Decimal` to the cent (``Numeric(12, 2)`` in the database).

**Rounding is half up** (四舍五入): a half cent goes away from zero (0.005 → 0.01,
−0.005 → −0.01). It is the rule Chinese invoices (发票), tax amounts and accountants use, and
what customers check a receipt against by hand; banker's rounding (half to even, Python's
default) would make 2.345 → 2.34 and disagree with them. Every amount is rounded here and only
here (a test fails on ``.quantize``, ``ROUND_`` or ``:.2f`` elsewhere).

- :func:`format_money` is for people (pages, PDFs, the tablet): Babel's currency format for the
  locale, e.g. ``¥1,234.50`` in Chinese and ``CN¥1,234.50`` in English.
- :func:`money_text` is the plain form of the API, CSV files and form fields: ``"1234.50"``.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import overload

from babel.numbers import format_currency
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from dispatch import settings

CENT = Decimal("0.01")
#: The one rounding rule (see the module's docstring).
ROUNDING = ROUND_HALF_UP
#: The largest amount a ``Numeric(12, 2)`` column holds.
LIMIT = Decimal("9999999999.99")
#: The locale of money shown outside a request (jobs building PDFs) with no default configured.
FALLBACK_LOCALE = "en"

Amount = Decimal | int | float | str


def round_money(value: Amount) -> Decimal:
    """``value`` to the cent, half up (away from zero); a float is read as it prints."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = amount.quantize(CENT, rounding=ROUNDING)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # no "-0.00"


def format_money(value: Amount | None, currency: str | None = None,
                 locale: str | None = None) -> str:
    """``value`` for people: rounded, then laid out by Babel for ``locale`` (the request's,
    else the default locale) in ``currency`` (``DISPATCH_CURRENCY``); ``""`` for None."""
    if value is None:
        return ""
    return format_currency(round_money(value), currency or settings.currency(),
                           locale=locale or _locale())


def _locale() -> str:
    if has_request_context():
        return str(get_locale() or FALLBACK_LOCALE)
    return current_app.config.get("BABEL_DEFAULT_LOCALE") or FALLBACK_LOCALE


@overload
def money_text(value: None) -> None: ...
@overload
def money_text(value: Amount) -> str: ...
def money_text(value: Amount | None) -> str | None:
    """The plain form (API, CSV, form fields): two decimals, no grouping, ``"1234.50"``."""
    return None if value is None else format(round_money(value), "f")


def parse_money(raw: object, *, allow_zero: bool = True) -> Decimal:
    """A non-negative amount typed by someone, with at most two decimals (full-width digits
    and thousands separators accepted), as a rounded :class:`Decimal`."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(_l("Enter an amount."))
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_l("“%(amount)s” is not an amount.", amount=text)) from exc
    if not amount.is_finite():
        raise ValueError(_l("“%(amount)s” is not an amount.", amount=text))
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(_l("An amount has at most two decimals."))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError(_l("The amount must be positive."))
    if amount > LIMIT:
        raise ValueError(_l("The amount is too large."))
    return round_money(amount)
