"""Closing a completed order: the last step of its life cycle (SPEC §4: closed = callback done
and money reconciled), once customer care has had its say (R14: a repair order needs its
callback first) and its money is settled (SPEC §10: handed over, received, or on account)."""

from __future__ import annotations

from dispatch.auth.models import User
from dispatch.errors import Conflict
from workorders.care.callbacks import require_callback
from workorders.finance.settlement import missing_money
from workorders.lifecycle import check, transition
from workorders.models import WorkOrder


def close(order: WorkOrder, user: User) -> WorkOrder:
    """Close a completed order; refused (409) naming everything still missing: the callback
    (``callback_missing``, R14) and the money (``money_unsettled``)."""
    check(order, "close", user)
    missing: dict[str, str] = {}
    code = None
    try:
        require_callback(order)
    except Conflict as exc:
        missing["callback"], code = str(exc.message), exc.code
    money = missing_money(order)
    if money is not None:
        missing["money"], code = money, code or "money_unsettled"
    if missing:
        raise Conflict(" ".join(missing.values()), fields=missing, code=code)
    transition(order, "close", user)
    return order
