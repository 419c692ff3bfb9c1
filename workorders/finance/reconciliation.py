"""Daily reconciliation (R8, SPEC §8): per technician and day, what was collected, invoiced
and handed over, and the difference (collected − handed over: cash still with the technician).

``collected`` is the cash collected on site plus the day's adjustments; transfers go to the
company's account, never through the technician's hands, and are followed in the register.
``invoiced`` is the total of the day's invoices that are not void.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select

from dispatch.extensions import db
from dispatch.money import round_money
from dispatch.technicians.models import Technician
from dispatch.timeutil import day_bounds
from workorders.fees import amount_due
from workorders.finance.collections import today
from workorders.finance.invoices import Invoice
from workorders.finance.models import Adjustment, CashHandover, Collection
from workorders.lifecycle import FINISHED
from workorders.models import WorkOrder

ZERO = Decimal("0.00")


@dataclass
class Row:
    """One technician's day."""

    technician_id: int
    technician: str
    collected: Decimal = ZERO
    adjustments: Decimal = ZERO
    transfers: Decimal = ZERO
    invoiced: Decimal = ZERO
    handed_over: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        return self.collected - self.handed_over


@dataclass
class Totals:
    rows: list[Row] = field(default_factory=list)

    def total(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), ZERO)


def _sums(column, technician_column, *where) -> dict[int, Decimal]:
    query = select(technician_column, func.sum(column)).where(*where).group_by(technician_column)
    return {tid: round_money(total) for tid, total in db.session.execute(query) if tid is not None}


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {t.id: t.name for t in db.session.scalars(select(Technician).where(Technician.id.in_(ids)))}


def reconcile(day: date, technician_id: int | None = None) -> Totals:
    """The day's rows, one per technician with any money on that day (or the one asked for)."""
    cash = _sums(Collection.amount, Collection.technician_id, Collection.day == day,
                 Collection.payment_method == "cash")
    transfers = _sums(Collection.amount, Collection.technician_id, Collection.day == day,
                      Collection.payment_method == "transfer")
    adjustments = _sums(Adjustment.amount, Adjustment.technician_id, Adjustment.day == day)
    handed = _sums(CashHandover.amount, CashHandover.technician_id, CashHandover.day == day)
    invoiced: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for invoice in _invoices_of_day(day):
        if invoice.technician_id is not None:
            invoiced[invoice.technician_id] += invoice.total
    ids = set(cash) | set(transfers) | set(adjustments) | set(handed) | set(invoiced)
    if technician_id is not None:
        ids = {technician_id}
    names = _names(ids)
    rows = [Row(tid, names.get(tid, str(tid)), collected=cash.get(tid, ZERO) + adjustments.get(tid, ZERO),
                adjustments=adjustments.get(tid, ZERO), transfers=transfers.get(tid, ZERO),
                invoiced=invoiced.get(tid, ZERO), handed_over=handed.get(tid, ZERO))
            for tid in ids if tid in names]
    return Totals(sorted(rows, key=lambda r: r.technician))


def _invoices_of_day(day: date) -> list[Invoice]:
    """Live invoices issued on ``day`` (local time)."""
    start, end = day_bounds(day)
    return list(db.session.scalars(select(Invoice).where(
        Invoice.status != "void", Invoice.issued_at >= start, Invoice.issued_at < end)))


@dataclass
class Ageing:
    technician_id: int
    technician: str
    outstanding: Decimal
    oldest_day: date
    days: int


def _cash_events() -> tuple[dict[int, list[tuple[date, Decimal]]], dict[int, Decimal]]:
    """Per technician: collections (cash and adjustments) by day, and everything handed in."""
    incoming: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for tid, day, amount in db.session.execute(select(
            Collection.technician_id, Collection.day, Collection.amount)
            .where(Collection.payment_method == "cash")):
        incoming[tid][day] += amount
    for tid, day, amount in db.session.execute(select(
            Adjustment.technician_id, Adjustment.day, Adjustment.amount)):
        incoming[tid][day] += amount
    handed = _sums(CashHandover.amount, CashHandover.technician_id)
    return {tid: sorted(days.items()) for tid, days in incoming.items()}, handed


def ageing() -> list[Ageing]:
    """Cash not yet handed in per technician, with the oldest day not covered (handovers pay
    off the oldest collections first)."""
    incoming, handed = _cash_events()
    names = _names(set(incoming))
    now, out = today(), []
    for tid, days in incoming.items():
        paid, outstanding = handed.get(tid, ZERO), sum((a for _, a in days), ZERO) - handed.get(tid, ZERO)
        if outstanding <= 0:
            continue
        running = ZERO
        for day, amount in days:
            running += amount
            if running > paid:
                out.append(Ageing(tid, names.get(tid, str(tid)), outstanding, day, (now - day).days))
                break
    return sorted(out, key=lambda a: a.oldest_day)


def outstanding_by_technician() -> list[tuple[int, str, Decimal]]:
    """(technician id, name, cash not yet handed in), largest first: three sums in the database
    (cash collected and adjustments, less handovers), for the manager's overview."""
    owed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for tid, total in _sums(Collection.amount, Collection.technician_id,
                            Collection.payment_method == "cash").items():
        owed[tid] += total
    for tid, total in _sums(Adjustment.amount, Adjustment.technician_id).items():
        owed[tid] += total
    for tid, total in _sums(CashHandover.amount, CashHandover.technician_id).items():
        owed[tid] -= total
    names = _names({tid for tid, amount in owed.items() if amount > 0})
    return sorted(((tid, names.get(tid, str(tid)), amount) for tid, amount in owed.items()
                   if amount > 0), key=lambda row: -row[2])


def uninvoiced_orders(day: date) -> list[WorkOrder]:
    """Orders completed on ``day`` with a fee but no live invoice."""
    live = exists().where(Invoice.order_id == WorkOrder.id, Invoice.status != "void")
    start, end = day_bounds(day)
    orders = db.session.scalars(select(WorkOrder).where(
        WorkOrder.status.in_(FINISHED), WorkOrder.completed_at >= start,
        WorkOrder.completed_at < end, ~live).order_by(WorkOrder.id))
    return [o for o in orders if amount_due(o) > 0]


def invoices_without_collection(day: date) -> list[Invoice]:
    """Live invoices issued on ``day`` whose order has no recorded collection."""
    collected = set(db.session.scalars(select(Collection.order_id)))
    return [i for i in _invoices_of_day(day) if i.order_id not in collected]


def daily_series(days: int = 30) -> list[tuple[date, Decimal, Decimal]]:
    """(day, cash collected that day, cash outstanding at the end of it) for the last ``days``."""
    end = today()
    start = end - timedelta(days=days - 1)
    incoming, _ = _cash_events()
    collected: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for entries in incoming.values():
        for day, amount in entries:
            collected[day] += amount
    handed_by_day: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for day, amount in db.session.execute(select(CashHandover.day, CashHandover.amount)):
        handed_by_day[day] += amount
    balance = sum((a for d, a in collected.items() if d < start), ZERO) - sum(
        (a for d, a in handed_by_day.items() if d < start), ZERO)
    series = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        balance += collected.get(day, ZERO) - handed_by_day.get(day, ZERO)
        series.append((day, collected.get(day, ZERO), balance))
    return series
