"""Invoices (R8): gapless numbers per year, never deleted — a void keeps its number.

A number is taken from :func:`dispatch.sequences.next_value` inside the transaction that
creates the invoice, so concurrent issuers (web processes, RQ workers) can neither share a
number nor leave a gap. At most one live (not void) invoice per order, enforced by a partial
unique index.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch import settings
from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors
from dispatch.extensions import Model, db, in_values
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.money import money_text, round_money
from dispatch.sequences import next_value
from dispatch.text import clean_text
from dispatch.timeutil import UTCDateTime, local_day, utcnow
from workorders.fees import ZERO, amount_due
from workorders.lifecycle import FINISHED
from workorders.models import WorkOrder

INVOICE_STATUSES = ("issued", "paid", "void")


class Invoice(Model):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(in_values("status", INVOICE_STATUSES),
                        name="status_known"),
        CheckConstraint("total >= 0 AND tax >= 0 AND net >= 0", name="amounts_not_negative"),
        CheckConstraint("seq > 0", name="seq_positive"),
        Index("uq_invoices_year_seq", "year", "seq", unique=True),
        Index("uq_invoices_live_order", "order_id", unique=True,
              sqlite_where=text("status != 'void'"), postgresql_where=text("status != 'void'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    tax: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payment_method: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(8), default="issued")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(String(300))

    order: Mapped[WorkOrder] = relationship()


def live_invoice(order_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order_id,
                                                   Invoice.status != "void"))


def _split_tax(total: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Prices are tax-inclusive: ``total = net + tax`` with ``DISPATCH_TAX_RATE``."""
    rate = Decimal(str(current_app.config["DISPATCH_TAX_RATE"]))
    tax = round_money(total * rate / (1 + rate))
    return rate, total - tax, tax


def issue_invoice(order: WorkOrder, user_id: int | None) -> Invoice:
    """The order's live invoice, issued now (next gapless number) if it has none.

    The order row is locked first, so two issuers of the same order wait for each other.
    """
    db.session.execute(select(WorkOrder.id).where(WorkOrder.id == order.id).with_for_update())
    existing = live_invoice(order.id)
    if existing is not None:
        return existing
    fee = amount_due(order) if order.status in FINISHED else ZERO  # no quote for a refusal
    if fee <= 0:
        raise Conflict(_l("Only a completed order with a fee gets an invoice."))
    now = utcnow()
    year = local_day(now).year
    seq = next_value(f"invoice:{year}")
    rate, net, tax = _split_tax(fee)
    lines = [{"description": part.name, "sku": part.sku, "qty": part.qty,
              "unit_price": money_text(part.unit_price), "amount": money_text(part.amount)}
             for part in order.parts] if order.fee_override is None and not order.in_warranty \
        else [{"description": str(_l("Service fee (%(number)s)", number=order.number)),
               "sku": None, "qty": 1, "unit_price": money_text(fee), "amount": money_text(fee)}]
    invoice = Invoice(
        number=f"INV-{year}-{seq:06d}", year=year, seq=seq, order_id=order.id,
        customer_id=order.customer_id, technician_id=order.technician_id,
        currency=settings.currency(), lines=lines, net=net, tax_rate=rate, tax=tax, total=fee,
        payment_method=order.payment_method,
        status="paid" if order.payment_method == "cash" else "issued",
        paid_at=now if order.payment_method == "cash" else None, issued_at=now,
        issued_by_id=user_id)
    db.session.add(invoice)
    db.session.flush()
    return invoice


def void_invoice(invoice: Invoice, reason: Any, user: User) -> Invoice:
    """Void with a reason; the row and its number stay (a credit note, never a deletion)."""
    if invoice.status == "void":
        raise Conflict(_l("This invoice is already void."))
    errors = FieldErrors()
    why = errors.check("reason", clean_text, reason, max_len=300, required=True)
    errors.raise_if_any()
    invoice.status, invoice.void_reason = "void", why
    invoice.voided_at, invoice.voided_by_id = utcnow(), user.id
    db.session.flush()
    return invoice


def request_invoice_pdf(invoice: Invoice, user_id: int | None) -> Job:
    """Queue the invoice's PDF for its current status (a void invoice's is built again as VOID);
    the documents room builds it (job kind ``invoice_pdf``)."""
    return request_job("invoice_pdf", f"invoice_pdf:{invoice.id}:{invoice.status}",
                       {"invoice_id": invoice.id}, order_id=invoice.order_id, user_id=user_id)
