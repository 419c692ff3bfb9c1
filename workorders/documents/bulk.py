"""Bulk document runs with progress: the month-end invoice pack and a technician's day sheets.

The month-end run first issues the invoices still owed for the month (orders completed
``on_account``, or with a fee and no payment before that rule), in transactions of
``ISSUE_BATCH``, then renders every invoice of the month — void ones marked void — into one PDF.
More than ``PACK_PART`` invoices are rendered in parts, each an outbox job of its own
(``invoice_pack_part``) that any worker may take, requested in the transaction of the last of
its invoices (so other workers render parts while the rest is issued; invoices of the month
issued meanwhile by someone else go into the last part): the run works through its parts too,
waits for those another worker is on (or takes them over when that worker died), retries a
failed part once, then joins the parts' pages into the one PDF. A part already done is never
rendered again (a rerun after a crash reuses it).
"""

from __future__ import annotations

import io
import time
from datetime import date, datetime
from uuid import uuid4

from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dispatch import storage
from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.jobs.runner import report_progress, run_job
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
#: Invoices per part of a month-end run (a part is one PDF rendered by one worker).
PACK_PART = 100
#: Seconds between looks at parts another worker is rendering.
PART_POLL = 0.2


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
    start, end = month_bounds(*parse_month(month))
    owed = invoices_owed(month)
    # A rerun (after a crash) keeps the parts its first run requested, and adds the rest.
    parts = list(db.session.scalars(select(Job).where(
        Job.dedupe_key.like(f"invoice_pack_part:{job.id}:%")).order_by(Job.id)))
    pending = _uncovered(_month_invoices(start, end), parts)
    whole = not parts and len(pending) + len(owed) <= PACK_PART
    for index, order_id in enumerate(owed, start=1):
        pending.append(issue_invoice(db.session.get_one(WorkOrder, order_id), job.created_by_id).id)
        if index % ISSUE_BATCH == 0 or index == len(owed):  # a batch is one transaction
            if not whole:  # full parts go with their invoices: rendered while the rest is issued
                _cut_parts(job, parts, pending)
            db.session.commit()
            report_progress(job, int(40 * index / len(owed)))
    if whole:
        reader = db.session.get(User, job.created_by_id) if job.created_by_id else None
        stories = _invoice_stories(_month_invoices(start, end), reader) \
            or [[pdfs.paragraph(f"{month}: —", "title")]]
        return storage.save("runs", pdfs.render(stories), ".pdf")
    # The last part, with any invoice of the month someone else issued meanwhile.
    _cut_parts(job, parts, _uncovered(_month_invoices(start, end), parts), final=True)
    part_ids = [part.id for part in parts]
    db.session.commit()
    paths = _render_parts(job.id, part_ids)
    writer = PdfWriter()
    for path in paths:
        writer.append(io.BytesIO(storage.load(path)))
    out = io.BytesIO()
    writer.write(out)
    return storage.save("runs", out.getvalue(), ".pdf")


def _month_invoices(start: datetime, end: datetime) -> list[int]:
    return list(db.session.scalars(select(Invoice.id).where(
        Invoice.issued_at >= start, Invoice.issued_at < end).order_by(Invoice.year, Invoice.seq)))


def _uncovered(invoice_ids: list[int], parts: list[Job]) -> list[int]:
    covered = {invoice_id for part in parts for invoice_id in part.params["invoice_ids"]}
    return [invoice_id for invoice_id in invoice_ids if invoice_id not in covered]


def _cut_parts(job: Job, parts: list[Job], pending: list[int], final: bool = False) -> None:
    """Request a part for each full ``PACK_PART`` of ``pending`` (and the remainder when
    ``final``), in the caller's transaction; relayed to the workers when it commits."""
    while len(pending) >= PACK_PART or (final and pending):
        chunk, pending[:] = pending[:PACK_PART], pending[PACK_PART:]
        parts.append(request_job("invoice_pack_part", f"invoice_pack_part:{job.id}:{len(parts)}",
                                 {"pack_id": job.id, "invoice_ids": chunk},
                                 user_id=job.created_by_id))


def _render_parts(pack_id: int, part_ids: list[int]) -> list[str]:
    """Render what no worker is on, wait for the rest; each part's stored PDF, in order."""
    retried: set[int] = set()
    while True:
        for part_id in part_ids:
            try:
                run_job(part_id)  # claims only a part that is not done and nobody runs
            except Exception:  # the part's row says why; it is retried once below
                db.session.rollback()
        db.session.expire_all()
        parts = {part.id: part for part in db.session.scalars(
            select(Job).where(Job.id.in_(part_ids)))}
        done = sum(part.status == "done" for part in parts.values())
        report_progress(db.session.get_one(Job, pack_id), 40 + int(55 * done / len(part_ids)))
        if done == len(part_ids):
            return [parts[part_id].result_path or "" for part_id in part_ids]
        for part in parts.values():
            if part.status == "failed":
                if part.id in retried:
                    raise RuntimeError(f"part {part.id} of the run failed: {part.error}")
                retried.add(part.id)
                part.status = "queued"  # run again (alone) on the next pass
        db.session.commit()
        if not any(part.status == "queued" for part in parts.values()):
            time.sleep(PART_POLL)  # another worker is on the rest


def _invoice_stories(invoice_ids: list[int], reader: User | None) -> list[list]:
    invoices = {invoice.id: invoice for invoice in db.session.scalars(
        select(Invoice).where(Invoice.id.in_(invoice_ids))
        .options(joinedload(Invoice.order).joinedload(WorkOrder.customer))).unique()}
    return [pdfs.invoice_flowables(invoice_data(invoices[invoice_id], reader))
            for invoice_id in invoice_ids]


def build_invoice_pack_part(job: Job) -> str:
    """One part of a month-end run: its invoices' pages as one PDF."""
    reader = db.session.get(User, job.created_by_id) if job.created_by_id else None
    return storage.save("runs", pdfs.render(_invoice_stories(job.params["invoice_ids"], reader)),
                        ".pdf")


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

