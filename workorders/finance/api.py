"""Finance API (SPEC §8, R8): reconciliation, cash handovers, adjustments, locked days and the
invoice register (search, void, transfer received, exports). Money travels as strings."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import url_for

from dispatch.exports import export_response
from dispatch.extensions import db
from dispatch.money import money_text
from dispatch.timeutil import local_day
from dispatch.web.api import api_requires, current_api_user
from dispatch.web.schemas import (
    MONEY_DOC,
    MONEY_IN_DOC,
    SIGNED_MONEY_IN_DOC,
    day_field,
    id_field,
    paginate,
)
from workorders.fees import amount_due
from workorders.finance import collections, exports, receivables, settlement
from workorders.finance.invoices import INVOICE_STATUSES, Invoice
from workorders.finance.models import CashHandover, Receivable
from workorders.finance.reconciliation import reconcile

bp = APIBlueprint("finance_api", __name__, url_prefix="/api/v1", tag="Finance")


class ReconciliationQuery(Schema):
    date = day_field(required=True)
    technician_id = id_field()
    format = String(load_default="json", validate=OneOf(("json", "csv", "xlsx")))


class ReconciliationItem(Schema):
    technician_id = Integer()
    technician = String()
    collected = String(metadata=MONEY_DOC)
    adjustments = String(metadata=MONEY_DOC)
    transfers = String(metadata=MONEY_DOC)
    invoiced = String(metadata=MONEY_DOC)
    handed_over = String(metadata=MONEY_DOC)
    difference = String(metadata=MONEY_DOC)


class ReconciliationOut(Schema):
    date = Date()
    locked = Boolean()
    items = List(Nested(ReconciliationItem))
    totals = Nested(ReconciliationItem)


class HandoverIn(Schema):
    technician_id = id_field(required=True)
    amount = String(required=True, validate=Length(max=20), metadata=MONEY_IN_DOC)
    note = String(load_default="", validate=Length(max=300))


class HandoverOut(Schema):
    id = Integer()
    technician_id = Integer()
    amount = String(metadata=MONEY_DOC)
    note = String()
    at = DateTime()
    day = Date()
    receipt_id = Integer(allow_none=True)
    receipt_url = String(allow_none=True)


class AdjustmentIn(Schema):
    technician_id = id_field(required=True)
    amount = String(required=True, validate=Length(max=20), metadata=SIGNED_MONEY_IN_DOC)
    reason = String(required=True, validate=Length(max=300))


class AdjustmentOut(Schema):
    id = Integer()
    technician_id = Integer()
    amount = String(metadata=MONEY_DOC)
    reason = String()
    day = Date()


class LockIn(Schema):
    date = day_field(required=True)


class LockOut(Schema):
    day = Date()
    locked_at = DateTime()


class RegisterQuery(Schema):
    number = String(validate=Length(max=20))
    date_from = day_field()
    date_to = day_field()
    customer = String(validate=Length(max=100))
    customer_id = id_field()
    technician_id = id_field()
    status = String(validate=OneOf(INVOICE_STATUSES))
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))
    format = String(load_default="json", validate=OneOf(("json", "csv", "xlsx")))


class InvoiceOut(Schema):
    id = Integer()
    number = String()
    order_id = Integer()
    customer_id = Integer()
    technician_id = Integer(allow_none=True)
    payment_method = String(allow_none=True)
    status = String()
    net = String(metadata=MONEY_DOC)
    tax = String(metadata=MONEY_DOC)
    total = String(metadata=MONEY_DOC)
    issued_at = DateTime()
    paid_at = DateTime(allow_none=True)
    voided_at = DateTime(allow_none=True)
    void_reason = String(allow_none=True)
    pdf_job_id = Integer(allow_none=True)


class InvoicePage(Schema):
    items = List(Nested(InvoiceOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class VoidIn(Schema):
    reason = String(required=True, validate=Length(max=300))


def _row(row) -> dict:
    return {"technician_id": row.technician_id, "technician": row.technician,
            **{name: money_text(getattr(row, name)) for name in (
                "collected", "adjustments", "transfers", "invoiced", "handed_over", "difference")}}


@bp.get("/finance/reconciliation")
@api_requires("finance.view")
@bp.input(ReconciliationQuery, location="query", arg_name="args")
@bp.output(ReconciliationOut)
def reconciliation(args):
    """Per technician for the day: collected (cash + adjustments), invoiced (not void), handed
    over, and difference = collected − handed over. ``format=csv|xlsx`` downloads it."""
    totals = reconcile(args["date"], args.get("technician_id"))
    if args["format"] != "json":
        header, rows = exports.reconciliation_rows(totals)
        return export_response(f"reconciliation-{args['date']}", header, rows, args["format"])
    sums = {name: money_text(totals.total(name)) for name in (
        "collected", "adjustments", "transfers", "invoiced", "handed_over", "difference")}
    return {"date": args["date"], "locked": collections.is_locked(args["date"]),
            "items": [_row(r) for r in totals.rows], "totals": sums}


def _handover(handover: CashHandover) -> dict:
    job = collections.receipt_job(handover)
    return {"id": handover.id, "technician_id": handover.technician_id,
            "amount": money_text(handover.amount), "note": handover.note, "at": handover.at,
            "day": handover.day, "receipt_id": job.id if job else None,
            "receipt_url": url_for("documents_api.download", job_id=job.id) if job else None}


@bp.post("/finance/handovers")
@api_requires("finance.write")
@bp.input(HandoverIn, arg_name="body")
@bp.output(HandoverOut, status_code=201)
def create_handover(body):
    """Cash a technician hands in today; a receipt PDF is built for the technician."""
    handover = collections.record_handover(body, current_api_user())
    db.session.commit()
    return _handover(handover), 201


@bp.post("/finance/adjustments")
@api_requires("finance.write")
@bp.input(AdjustmentIn, arg_name="body")
@bp.output(AdjustmentOut, status_code=201)
def create_adjustment(body):
    """A signed correction of a technician's cash, booked today with a reason."""
    adjustment = collections.record_adjustment(body, current_api_user())
    db.session.commit()
    return {"id": adjustment.id, "technician_id": adjustment.technician_id,
            "amount": money_text(adjustment.amount), "reason": adjustment.reason,
            "day": adjustment.day}, 201


@bp.post("/finance/locked-days")
@api_requires("finance.write")
@bp.input(LockIn, arg_name="body")
@bp.output(LockOut, status_code=201)
def lock_day(body):
    """Lock a reconciled day: its money records refuse every change from now on (409)."""
    locked = collections.lock_day(body["date"], current_api_user())
    db.session.commit()
    return locked, 201


def _invoice(invoice: Invoice) -> dict:
    job = collections.invoice_pdf_job(invoice)
    return {**{c: getattr(invoice, c) for c in (
        "id", "number", "order_id", "customer_id", "technician_id", "payment_method", "status",
        "issued_at", "paid_at", "voided_at", "void_reason")},
        "net": money_text(invoice.net), "tax": money_text(invoice.tax), "total": money_text(invoice.total),
        "pdf_job_id": job.id if job else None}


@bp.get("/finance/invoices")
@api_requires("finance.view")
@bp.input(RegisterQuery, location="query", arg_name="args")
@bp.output(InvoicePage)
def invoice_register(args):
    """The invoice register, newest first; ``format=csv|xlsx`` downloads every match with a
    total of the invoices that are not void."""
    user = current_api_user()
    query = exports.register_query(args, user)
    if args["format"] != "json":
        header, rows = exports.register_rows(list(db.session.scalars(query)), user)
        return export_response("invoices", header, rows, args["format"])
    page = paginate(query, args)
    return {**page, "items": [_invoice(i) for i in page["items"]]}


@bp.post("/finance/invoices/<int:invoice_id>/void")
@api_requires("finance.write")
@bp.input(VoidIn, arg_name="body")
@bp.output(InvoiceOut)
def void_invoice(invoice_id: int, body):
    """Void with a reason (a credit note; the number stays); the PDF is rebuilt showing VOID."""
    invoice = collections.void(invoice_id, body["reason"], current_api_user())
    db.session.commit()
    return _invoice(invoice)


@bp.post("/workorders/<int:order_id>/invoice")
@api_requires("finance.write")
@bp.output(InvoiceOut, status_code=201)
def issue_invoice(order_id: int):
    """Issue the invoice of a completed order with a fee that has none yet (on account)."""
    invoice = collections.issue_now(order_id, current_api_user())
    db.session.commit()
    return _invoice(invoice), 201


@bp.post("/finance/invoices/<int:invoice_id>/received")
@api_requires("finance.write")
@bp.output(InvoiceOut)
def mark_received(invoice_id: int):
    """The customer's transfer arrived: the invoice is paid."""
    invoice = collections.mark_received(invoice_id, current_api_user())
    db.session.commit()
    return _invoice(invoice)


class ReceivableQuery(Schema):
    open = Boolean(load_default=False, metadata={"description": "only those not settled yet"})


class ReceivableOut(Schema):
    id = Integer()
    order_id = Integer()
    order_number = String()
    customer_id = Integer()
    amount = String(metadata=MONEY_DOC)
    opened_at = DateTime()
    day = Date()
    age_days = Integer()
    settled_at = DateTime(allow_none=True)
    settled_how = String(allow_none=True)


class ReceivableList(Schema):
    items = List(Nested(ReceivableOut))


class SettleIn(Schema):
    method = String(required=True, validate=Length(max=20),
                    metadata={"description": "how the customer paid: transfer or cash"})


class WaitingItem(Schema):
    order_id = Integer()
    order_number = String()
    technician_id = Integer(allow_none=True)
    payment_method = String(allow_none=True)
    fee = String(metadata=MONEY_DOC)
    completed_at = DateTime(allow_none=True)
    missing = String()


class WaitingList(Schema):
    items = List(Nested(WaitingItem))


def _receivable(receivable: Receivable, age_days: int) -> dict:
    return {**{c: getattr(receivable, c) for c in (
        "id", "order_id", "customer_id", "opened_at", "day", "settled_at", "settled_how")},
        "order_number": receivable.order.number, "amount": money_text(receivable.amount),
        "age_days": age_days}


@bp.get("/finance/receivables")
@api_requires("finance.view")
@bp.input(ReceivableQuery, location="query", arg_name="args")
@bp.output(ReceivableList)
def receivable_list(args):
    """What customers owe for orders completed on account, oldest first, with their age."""
    return {"items": [_receivable(a.receivable, a.age_days)
                      for a in receivables.receivables(open_only=args["open"])]}


@bp.post("/finance/receivables/<int:receivable_id>/settle")
@api_requires("finance.write")
@bp.input(SettleIn, arg_name="body")
@bp.output(ReceivableOut)
def settle_receivable(receivable_id: int, body):
    """The customer paid (a transfer received, or cash later): the receivable and the order's
    invoice are settled."""
    receivable = receivables.settle(receivable_id, body, current_api_user())
    db.session.commit()
    return _receivable(receivable, (local_day(receivable.settled_at) - receivable.day).days)


@bp.get("/finance/waiting-for-money")
@api_requires("finance.view")
@bp.output(WaitingList)
def waiting_for_money():
    """Completed orders that cannot close yet because their money is not settled, and why."""
    return {"items": [{"order_id": o.id, "order_number": o.number,
                       "technician_id": o.technician_id, "payment_method": o.payment_method,
                       "fee": money_text(amount_due(o)), "completed_at": o.completed_at,
                       "missing": why} for o, why in settlement.waiting_for_money()]}
