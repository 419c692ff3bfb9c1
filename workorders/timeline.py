"""How an order's history entries read, in the reader's language.

Entries keep a short note in a fixed form (``terminal: A → B``, ``before #3``, ``fee 461.00``,
``120.00: reason``); this turns its words into labels when shown, so stored history reads in
Chinese too.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from dispatch.labels import label
from dispatch.money import format_money

_DEVICE = re.compile(r"^(terminal|sim): (.*)$", re.S)
_PHOTO = re.compile(r"^(before|after) (#\d+)$")
_FEE = re.compile(r"^fee (-?\d+(?:\.\d+)?)$")
_OVERRIDE = re.compile(r"^(-?\d+(?:\.\d+)?): (.*)$", re.S)


def _money(text: str) -> str:
    try:
        return format_money(Decimal(text))
    except InvalidOperation:
        return text


def event_note(action: str, note: str | None) -> str:
    """The note of a history entry with its fixed words translated."""
    if not note:
        return ""
    if action == "swap" and (match := _DEVICE.match(note)):
        return f"{label(match.group(1))}: {match.group(2)}"
    if action == "photo" and (match := _PHOTO.match(note)):
        return f"{label(match.group(1))} {match.group(2)}"
    if action == "complete" and (match := _FEE.match(note)):
        return _("fee %(amount)s", amount=_money(match.group(1)))
    if action == "fee_override" and (match := _OVERRIDE.match(note)):
        return _("fee set to %(amount)s: %(reason)s", amount=_money(match.group(1)),
                 reason=match.group(2))
    return note
