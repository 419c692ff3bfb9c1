"""Who may read which document or run: an order's documents follow the order's visibility;
a bulk run is readable by whoever started it and by the roles that may start such runs."""

from __future__ import annotations

from flask import Response
from flask_babel import lazy_gettext as _l

from dispatch import storage
from dispatch.auth.models import User
from dispatch.errors import Forbidden, NotFound
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.technicians.services import technician_for_user
from workorders.access import contact_hidden, get_order
from workorders.documents.jobs import order_documents
from workorders.models import WorkOrder

#: Documents that print the customer's contact and site (R18): read only by those who see them in
#: full (an invoice prints the customer's name alone; a return tag the plate and the fault).
CONTACT_DOCUMENTS = frozenset({"service_sheet"})

RUN_PERMISSIONS = {"invoice_pack": "documents.invoice_pack",
                   "invoice_pack_part": "documents.invoice_pack", "day_sheets": "documents.day_sheets",
                   "monthly_report": "care.stats", "handover_receipt": "finance.view"}


def readable_job(job_id: int, user: User) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(_l("No such document."))
    if job.order_id is not None:
        order = get_order(job.order_id, user)  # NotFound when the order is not the user's to see
        if job.kind in CONTACT_DOCUMENTS and contact_hidden(order, user):
            raise NotFound(_l("No such document."))
        return job
    permission = RUN_PERMISSIONS.get(job.kind)
    if job.created_by_id == user.id:
        return job
    if permission and user.can(permission) and not (
            job.kind == "day_sheets" and user.roles == {"technician"}):
        return job
    raise NotFound(_l("No such document."))


def readable_documents(order: WorkOrder, user: User) -> list[Job]:
    """The order's documents ``user`` may read (an order ``user`` sees)."""
    hidden = contact_hidden(order, user)
    return [job for job in order_documents(order.id)
            if not (hidden and job.kind in CONTACT_DOCUMENTS)]


def check_day_sheets(user: User, technician_id: int) -> None:
    """Dispatchers and managers for anyone; a technician for themselves only."""
    if user.has_role("dispatcher", "manager"):
        return
    mine = technician_for_user(user)
    if mine is None or mine.id != technician_id:
        raise Forbidden(_l("You can only print your own day sheets."))


def pdf_response(job_id: int, user: User) -> Response:
    """The job's PDF for a user allowed to read it; 404 while it is not built."""
    job = readable_job(job_id, user)
    if job.status != "done" or not job.result_path:
        raise NotFound(_l("The document is not ready."))
    return Response(storage.load(job.result_path), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{job.kind}-{job.id}.pdf"'})
