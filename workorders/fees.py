"""Fees by the rulebook (R1): installation free; in warranty free; out of warranty the
parts used at the parts price list; labour never charged.

The warranty runs ``DISPATCH_WARRANTY_MONTHS`` from the install date, or from the purchase date
when no install is on record; a terminal's own ``warranty_end`` wins when set. With neither
date on record the warranty is unknown (R1, R2): nothing is charged and the purchase date is
asked for — completing a repair needs it (``workorders/completion.py``).

What the customer must pay is :func:`amount_due`, the only place that knows a manager's
override beats the computed fee (:func:`due_from`, which order lists apply to raw rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.money import round_money
from dispatch.registry.models import Terminal
from dispatch.timeutil import local_day
from workorders.lifecycle import FINISHED
from workorders.models import WorkOrder

ZERO = Decimal("0.00")


@dataclass
class FeeLine:
    description: str
    sku: str | None
    qty: int
    unit_price: Decimal
    amount: Decimal


@dataclass
class FeeQuote:
    lines: list[FeeLine] = field(default_factory=list)
    total: Decimal = ZERO
    in_warranty: bool | None = None
    warranty_end: date | None = None
    basis: str = ""


def _terminal_for(order: WorkOrder) -> Terminal | None:
    """The terminal the fee is about: the one swapped out, else the one in the vehicle."""
    for swap in order.swaps:
        if swap.kind == "terminal" and swap.old_identifier:
            found = db.session.scalar(select(Terminal).where(
                Terminal.terminal_id == swap.old_identifier))
            if found is not None:
                return found
    installed = [t for t in order.vehicle.terminals if t.status == "installed"]
    if installed:
        return installed[0]
    if order.reported_terminal_id:
        return db.session.scalar(select(Terminal).where(
            Terminal.terminal_id == order.reported_terminal_id))
    return None


def warranty_end(order: WorkOrder) -> date | None:
    terminal = _terminal_for(order)
    months = relativedelta(months=current_app.config["DISPATCH_WARRANTY_MONTHS"])
    if terminal is not None and terminal.warranty_end is not None:
        return terminal.warranty_end
    if terminal is not None and terminal.install_date is not None:
        return terminal.install_date + months
    purchased = order.purchase_date or (terminal.purchase_date if terminal else None)
    return purchased + months if purchased else None


def quote(order: WorkOrder, today: date) -> FeeQuote:
    """The fee the server charges for ``order`` as it stands on ``today``."""
    lines = [FeeLine(part.name, part.sku, part.qty, part.unit_price, part.amount)
             for part in order.parts]
    if order.kind == "install":
        return FeeQuote(lines=_zeroed(lines), basis="install_free")
    end = warranty_end(order)
    if end is None:
        return FeeQuote(lines=_zeroed(lines), basis="warranty_unknown")
    if today <= end:
        return FeeQuote(lines=_zeroed(lines), in_warranty=True, warranty_end=end,
                        basis="in_warranty")
    total = sum((line.amount for line in lines), ZERO)
    return FeeQuote(lines=lines, total=round_money(total), in_warranty=False,
                    warranty_end=end, basis="parts_only")


def _zeroed(lines: list[FeeLine]) -> list[FeeLine]:
    return [FeeLine(line.description, line.sku, line.qty, line.unit_price, ZERO) for line in lines]


def due_from(override: Decimal | None, fee: Decimal | None) -> Decimal | None:
    """What is owed: a manager's override beats the fee (stored ``fee_total`` or a quote's
    total). Order lists apply it to raw ``(fee_override, fee_total)`` rows."""
    return override if override is not None else fee


def amount_due(order: WorkOrder, live: FeeQuote | None = None) -> Decimal:
    """What the customer must pay now: for a completed or closed order what completion stored
    (nothing when no fee was stored), before that today's quote (``live`` when the caller
    already has it); an override beats both."""
    if order.status in FINISHED:
        return due_from(order.fee_override, order.fee_total) or ZERO
    return due_from(order.fee_override, (live or quote(order, local_day())).total) or ZERO
