"""Closing a completed order: the last step of its life cycle (SPEC §4), once customer care
has had its say (R14: a repair order needs its callback first)."""

from __future__ import annotations

from dispatch.auth.models import User
from workorders.care.callbacks import require_callback
from workorders.lifecycle import check, transition
from workorders.models import WorkOrder


def close(order: WorkOrder, user: User) -> WorkOrder:
    """Close a completed order; refused (409 ``callback_missing``) while R14 is not met."""
    check(order, "close", user)
    require_callback(order)
    transition(order, "close", user)
    return order
