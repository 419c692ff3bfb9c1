"""Finance services (R8): collections on completion, cash handovers, adjustments, locked days,
and the money changes of the invoice register (void, transfer received).

A locked day refuses every money change whose day it is (409); corrections are booked as
adjustments in an open day. Days are calendar days in ``DISPATCH_TIMEZONE``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch import settings
from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, NotFound
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.money import format_money, parse_money
from dispatch.technicians.models import Technician
from dispatch.text import clean_text
from dispatch.timeutil import local_day, utcnow
from dispatch.validators import parse_date
from workorders.fees import amount_due
from workorders.finance.invoices import Invoice, issue_invoice, request_invoice_pdf, void_invoice
from workorders.finance.models import Adjustment, CashHandover, Collection, LockedDay, Receivable
from workorders.models import WorkOrder


def day_of(moment: datetime) -> date:
    """The calendar day of ``moment`` in the configured time zone."""
    return local_day(moment)


def today() -> date:
    return day_of(utcnow())


def is_locked(day: date) -> bool:
    return db.session.get(LockedDay, day) is not None


def require_open(day: date) -> None:
    """Refuse (409) a money change on a locked day."""
    if is_locked(day):
        raise Conflict(_l("%(day)s is locked: book a correction as an adjustment in an open day.",
                          day=day.isoformat()), fields={"day": day.isoformat()}, code="day_locked")


def lock_day(raw_day: Any, user: User) -> LockedDay:
    """Lock a day that has ended; locking twice is a conflict."""
    errors = FieldErrors()
    day = errors.check("date", parse_date, raw_day)
    errors.raise_if_any()
    if day >= today():
        raise Conflict(_l("Only a day that has ended can be locked."), fields={"date": str(day)})
    if is_locked(day):
        raise Conflict(_l("This day is already locked."), fields={"date": str(day)})
    locked = LockedDay(day=day, locked_by_id=user.id)
    db.session.add(locked)
    db.session.flush()
    return locked


def record_collection(order: WorkOrder) -> Collection | None:
    """In the completion's transaction: what the technician collected (cash or transfer), or
    the receivable of an order completed on account. A completion with a fee on a locked day
    is refused."""
    now, fee = utcnow(), amount_due(order)
    if fee > 0:
        require_open(day_of(now))
    if order.payment_method == "on_account" and fee > 0:
        db.session.add(Receivable(order_id=order.id, customer_id=order.customer_id, amount=fee,
                                  opened_at=now, day=day_of(now)))
        db.session.flush()
    amount = order.amount_collected
    if order.payment_method not in ("cash", "transfer") or not amount or amount <= 0:
        return None
    collection = Collection(order_id=order.id, technician_id=order.technician_id, amount=amount,
                            payment_method=order.payment_method, at=now, day=day_of(now))
    db.session.add(collection)
    db.session.flush()
    return collection


def on_account_allowed(credit_class: str) -> bool:
    return credit_class in settings.on_account_classes()


def check_payment(method: str, amount: Decimal, fee: Decimal, errors: FieldErrors,
                  credit_class: str) -> None:
    """The payment taken at completion must match what is owed (SPEC §10): cash or transfer
    collect exactly the fee; ``on_account`` collects nothing and is only for the credit classes
    ``DISPATCH_ON_ACCOUNT_CLASSES`` allows; ``none`` collects nothing and is only (and always)
    the choice when the fee is zero."""
    if fee == 0:
        if method != "none":
            errors.add("payment_method", _l("The fee is zero: choose none."))
        if amount != 0:
            errors.add("amount_collected", _l("Nothing is collected when the fee is zero."))
        return
    if method == "none":
        errors.add("payment_method", _l("A fee of %(fee)s is due: none is only for a zero fee.",
                                        fee=format_money(fee)))
    elif method == "on_account":
        allowed = settings.on_account_classes()
        if credit_class not in allowed:
            errors.add("payment_method", _l(
                "On account is only for credit classes %(allowed)s; this customer is class "
                "%(cls)s: collect the fee.", allowed=", ".join(allowed) or "—", cls=credit_class))
        if amount != 0:
            errors.add("amount_collected", _l("Nothing is collected on account."))
    elif amount != fee:
        errors.add("amount_collected", _l("Collect exactly the fee: %(fee)s.", fee=format_money(fee)))


def settle_completion(order: WorkOrder, user_id: int | None) -> Invoice | None:
    """In the completion's transaction: record what was collected and, when money was taken
    on site, issue the invoice and queue its PDF. Orders completed with a fee but no payment
    are invoiced later by finance (``issue_now``, or the month-end run)."""
    record_collection(order)
    fee = amount_due(order)
    if fee <= 0 or order.payment_method not in ("cash", "transfer"):
        return None
    invoice = issue_invoice(order, user_id)
    request_invoice_pdf(invoice, user_id)
    return invoice


def _technician(raw: Any, errors: FieldErrors) -> Technician | None:
    try:
        technician = db.session.get(Technician, int(raw))
    except (TypeError, ValueError):
        technician = None
    if technician is None:
        errors.add("technician_id", _l("No such technician."))
    return technician


def record_handover(data: dict[str, Any], user: User) -> CashHandover:
    """Cash handed in by a technician today; queues the technician's receipt PDF."""
    errors = FieldErrors()
    technician = _technician(data.get("technician_id"), errors)
    amount = errors.check("amount", parse_money, data.get("amount"), allow_zero=False)
    note = errors.check("note", clean_text, data.get("note"), max_len=300) or ""
    errors.raise_if_any()
    now = utcnow()
    require_open(day_of(now))
    handover = CashHandover(technician_id=technician.id, amount=amount, note=note,  # type: ignore[union-attr]
                            at=now, day=day_of(now), received_by_id=user.id)
    db.session.add(handover)
    db.session.flush()
    request_job("handover_receipt", f"handover_receipt:{handover.id}",
                {"handover_id": handover.id}, user_id=user.id)
    return handover


def receipt_job(handover: CashHandover) -> Job | None:
    return db.session.scalar(select(Job).where(
        Job.dedupe_key == f"handover_receipt:{handover.id}"))


def invoice_pdf_job(invoice: Invoice) -> Job | None:
    """The invoice's newest PDF (a void invoice's shows VOID)."""
    return db.session.scalar(select(Job).where(Job.dedupe_key.like(f"invoice_pdf:{invoice.id}:%"))
                             .order_by(Job.id.desc()).limit(1))


def handovers_of(day: date) -> list[CashHandover]:
    return list(db.session.scalars(select(CashHandover).where(CashHandover.day == day)
                                   .order_by(CashHandover.id)))


def _signed_money(raw: Any) -> Decimal:
    text = str(raw if raw is not None else "").strip()
    negative = text.startswith("-")
    value = parse_money(text.lstrip("-") if negative else raw, allow_zero=False)
    return -value if negative else value


def record_adjustment(data: dict[str, Any], user: User) -> Adjustment:
    """A signed correction of a technician's cash, booked today (which must be open)."""
    errors = FieldErrors()
    technician = _technician(data.get("technician_id"), errors)
    amount = errors.check("amount", _signed_money, data.get("amount"))
    reason = errors.check("reason", clean_text, data.get("reason"), max_len=300, required=True)
    errors.raise_if_any()
    now = utcnow()
    require_open(day_of(now))
    adjustment = Adjustment(technician_id=technician.id, amount=amount, reason=reason,  # type: ignore[union-attr]
                            at=now, day=day_of(now), created_by_id=user.id)
    db.session.add(adjustment)
    db.session.flush()
    return adjustment


def get_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(_l("No such invoice."))
    return invoice


def void(invoice_id: int, reason: Any, user: User) -> Invoice:
    """Void (credit note) unless the invoice's day is locked; the PDF is built again as VOID."""
    invoice = get_invoice(invoice_id)
    require_open(day_of(invoice.issued_at))
    void_invoice(invoice, reason, user)
    request_invoice_pdf(invoice, user.id)
    return invoice


def issue_now(order_id: int, user: User) -> Invoice:
    """Finance issues the invoice of a completed order that has none (e.g. on account)."""
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(_l("No such work order."))
    require_open(today())
    invoice = issue_invoice(order, user.id)
    request_invoice_pdf(invoice, user.id)
    return invoice


def mark_received(invoice_id: int, user: User) -> Invoice:
    """A transfer arrived: the invoice is paid now."""
    invoice = get_invoice(invoice_id)
    if invoice.status != "issued":
        raise Conflict(_l("Only an issued (unpaid) invoice can be marked as received."),
                       fields={"status": invoice.status})
    require_open(day_of(invoice.issued_at))
    require_open(today())
    invoice.status, invoice.paid_at = "paid", utcnow()
    receivable = db.session.scalar(select(Receivable).where(
        Receivable.order_id == invoice.order_id, Receivable.settled_at.is_(None)))
    if receivable is not None:
        receivable.settled_at, receivable.settled_how = invoice.paid_at, "transfer"
        receivable.settled_by_id = user.id
    db.session.flush()
    return invoice
