"""Bulk document runs with progress: the month-end invoice pack and a technician's day sheets.

The month-end run first issues the invoices still owed for the month (orders completed
``on_account``, or with a fee and no payment before that rule), one transaction each, then
renders every invoice of the month — void ones marked void — into one PDF.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from sqlalchemy import select

from dispatch import storage
from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.jobs.runner import report_progress
from dispatch.timeutil import day_bounds, last_month, month_bounds
from dispatch.validators import parse_date, parse_month
from workorders.care.stats import build_monthly_report_pdf, monthly_stats
from workorders.documents import pdfs
from workorders.documents.jobs import invoice_data, sheet_data
from workorders.fees import amount_due
from workorders.finance.invoices import Invoice, issue_invoice, live_invoice
from workorders.lifecycle import FINISHED, IN_HAND
from workorders.models import WorkOrder

ISSUE_BATCH = 50


def _checked_month(month: str) -> str:
    """``month`` as ``YYYY-MM``; a field error (422) unless it is a month of 1990–2100."""
    errors = FieldErrors()
    year_month = errors.check("month", parse_month, month)
    errors.raise_if_any()
    return "{:04d}-{:02d}".format(*year_month)


def request_invoice_pack(month: str, user_id: int) -> Job:
    """Each request is a new run (a re-run after corrections is deliberate)."""
    month = _checked_month(month)
    return request_job("invoice_pack", f"invoice_pack:{month}:{uuid4().hex}", {"month": month},
                       user_id=user_id)


def request_day_sheets(technician_id: int, day: date, user_id: int) -> Job:
    return request_job("day_sheets", f"day_sheets:{technician_id}:{day}:{uuid4().hex}",
                       {"technician_id": technician_id, "date": day.isoformat()}, user_id=user_id)


def request_monthly_report(month: str, user_id: int | None, scheduled: bool = False) -> Job:
    """R17: last month's customer-care statistics as a PDF. The scheduled run has one key per
    month (so the periodic check requests it once); an on-demand run is always new."""
    month = _checked_month(month)
    key = f"monthly_report:{month}" + ("" if scheduled else f":{uuid4().hex}")
    return request_job("monthly_report", key, {"month": month}, user_id=user_id)


def schedule_monthly_report() -> None:
    """Called by every relay sweep: from the 1st, last month's report is requested once."""
    request_monthly_report(last_month(), None, scheduled=True)
    db.session.commit()


def build_monthly_report(job: Job) -> str:
    year, month = parse_month(job.params["month"])
    return storage.save("reports", build_monthly_report_pdf(monthly_stats(year, month)), ".pdf")


def invoices_owed(month: str) -> list[int]:
    """Orders completed in ``month`` with a fee collected on account and no live invoice."""
    start, end = month_bounds(*parse_month(month))
    candidates = db.session.scalars(select(WorkOrder).where(
        WorkOrder.completed_at >= start, WorkOrder.completed_at < end,
        WorkOrder.status.in_(FINISHED), WorkOrder.payment_method.in_(("on_account", "none"))))
    return [o.id for o in candidates if amount_due(o) > 0 and live_invoice(o.id) is None]


def build_invoice_pack(job: Job) -> str:
    month = job.params["month"]
    owed = invoices_owed(month)
    for index, order_id in enumerate(owed, start=1):
        issue_invoice(db.session.get_one(WorkOrder, order_id), job.created_by_id)
        if index % ISSUE_BATCH == 0 or index == len(owed):  # a batch is one transaction
            db.session.commit()
            report_progress(job, int(40 * index / len(owed)))
    start, end = month_bounds(*parse_month(month))
    invoices = list(db.session.scalars(select(Invoice).where(
        Invoice.issued_at >= start, Invoice.issued_at < end).order_by(Invoice.year, Invoice.seq)))
    stories = []
    reader = db.session.get(User, job.created_by_id) if job.created_by_id else None
    for index, invoice in enumerate(invoices, start=1):
        stories.append(pdfs.invoice_flowables(invoice_data(invoice, reader)))
        if index % 50 == 0:
            report_progress(job, 40 + int(50 * index / len(invoices)))
    if not stories:
        stories = [[pdfs.paragraph(f"{month}: —", "title")]]
    return storage.save("runs", pdfs.render(stories), ".pdf")


def build_day_sheets(job: Job) -> str:
    day = parse_date(job.params["date"])
    start, end = day_bounds(day)
    orders = list(db.session.scalars(select(WorkOrder).where(
        WorkOrder.technician_id == job.params["technician_id"],
        (WorkOrder.scheduled_for == day)
        | ((WorkOrder.completed_at >= start) & (WorkOrder.completed_at < end))
        | (WorkOrder.status.in_(IN_HAND) & WorkOrder.scheduled_for.is_(None)))
        .order_by(WorkOrder.route_position.nullslast(), WorkOrder.id)))
    stories = []
    for index, order in enumerate(orders, start=1):
        stories.append(pdfs.service_sheet_flowables(sheet_data(order)))
        report_progress(job, int(95 * index / len(orders)))
    if not stories:
        stories = [[pdfs.paragraph(f"{day}: —", "title")]]
    return storage.save("runs", pdfs.render(stories), ".pdf")

