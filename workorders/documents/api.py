"""Documents API: an order's documents, downloads, retries, bulk runs and their progress."""

from __future__ import annotations

from datetime import date

from apiflask import APIBlueprint, Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.types import ResponsesObjectType
from flask import url_for

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import retry
from dispatch.web.api import api_requires, current_api_user
from dispatch.web.schemas import day_field, id_field, month_field
from workorders.access import get_order
from workorders.documents import bulk
from workorders.documents.access import (
    check_day_sheets,
    pdf_response,
    readable_documents,
    readable_job,
)

bp = APIBlueprint("documents_api", __name__, url_prefix="/api/v1", tag="Documents")
PDF_RESPONSES: ResponsesObjectType = {200: {"description": "the PDF", "content": {"application/pdf": {}}}}


class DocumentOut(Schema):
    id = Integer()
    kind = String()
    status = String()
    progress = Integer()
    error = String(allow_none=True)
    url = String(allow_none=True)
    created_at = DateTime()
    finished_at = DateTime(allow_none=True)


class DocumentList(Schema):
    items = List(Nested(DocumentOut))


class InvoicePackIn(Schema):
    month = month_field(required=True)


class DaySheetsIn(Schema):
    technician_id = id_field(required=True)
    date = day_field(required=True)


def dump(job: Job) -> dict:
    return {"id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress,
            "error": job.error, "created_at": job.created_at, "finished_at": job.finished_at,
            "url": url_for("documents_api.download", job_id=job.id) if job.status == "done" else None}


@bp.get("/workorders/<int:order_id>/documents")
@api_requires("order.view")
@bp.output(DocumentList)
def order_documents(order_id: int):
    """The order's service sheet, invoice and return tags, with their state."""
    order = get_order(order_id, current_api_user())
    return {"items": [dump(job) for job in readable_documents(order, current_api_user())]}


@bp.get("/documents/<int:job_id>")
@api_requires()
@bp.output(DocumentOut)
def status(job_id: int):
    return dump(readable_job(job_id, current_api_user()))


@bp.get("/documents/<int:job_id>/pdf")
@api_requires()
@bp.doc(responses=PDF_RESPONSES)
def download(job_id: int):
    """The PDF, for users allowed to see the order (or the run)."""
    return pdf_response(job_id, current_api_user())


@bp.post("/documents/<int:job_id>/retry")
@api_requires()
@bp.output(DocumentOut)
def retry_document(job_id: int):
    """Queue a failed document again."""
    job = retry(readable_job(job_id, current_api_user()).id)
    db.session.commit()
    return dump(job)


@bp.post("/documents/invoice-pack")
@api_requires("documents.invoice_pack")
@bp.input(InvoicePackIn, arg_name="body")
@bp.output(DocumentOut, status_code=202)
def invoice_pack(body):
    """Month-end run: issue the invoices still owed for the month, then one PDF of them all."""
    user = current_api_user()
    job = bulk.request_invoice_pack(body["month"], user.id)
    db.session.commit()
    return dump(job), 202


@bp.post("/documents/day-sheets")
@api_requires("documents.day_sheets")
@bp.input(DaySheetsIn, arg_name="body")
@bp.output(DocumentOut, status_code=202)
def day_sheets(body):
    """A technician's service sheets for a day, in route order, as one PDF."""
    user = current_api_user()
    check_day_sheets(user, body["technician_id"])
    day: date = body["date"]
    job = bulk.request_day_sheets(body["technician_id"], day, user.id)
    db.session.commit()
    return dump(job), 202
