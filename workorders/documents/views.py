"""Document pages: retry from the order page, bulk runs with their progress, downloads."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch import settings
from dispatch.errors import DomainError, NotFound
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import retry
from dispatch.technicians.services import search_technicians, technician_for_user
from dispatch.timeutil import utcnow
from dispatch.validators import parse_date
from dispatch.web.security import page_requires
from workorders.documents import bulk
from workorders.documents.access import check_day_sheets, pdf_response, readable_job

bp = Blueprint("documents", __name__, url_prefix="/documents")
RUN_KINDS = ("invoice_pack", "day_sheets", "monthly_report")


@bp.get("/<int:job_id>.pdf")
@page_requires()
def download(job_id: int):
    return pdf_response(job_id, current_user)


@bp.post("/<int:job_id>/retry")
@page_requires()
def retry_page(job_id: int):
    job = readable_job(job_id, current_user)
    try:
        retry(job.id)
        db.session.commit()
        flash(_("Queued again."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    if job.order_id:
        return redirect(url_for("workorders.show", order_id=job.order_id))
    return redirect(url_for("documents.runs"))


@bp.route("/runs", methods=["GET", "POST"])
@page_requires()
def runs():
    """Start a month-end invoice pack or a day's sheets; see how far each run is."""
    can_pack, can_sheets = current_user.can("documents.invoice_pack"), \
        current_user.can("documents.day_sheets")
    can_report = current_user.can("care.stats")
    if not (can_pack or can_sheets or can_report):
        raise NotFound(_("Not found."))
    if request.method == "POST":
        try:
            if request.form.get("kind") == "monthly_report" and can_report:
                month = request.form.get("month", "")
                date.fromisoformat(f"{month}-01")
                bulk.request_monthly_report(month, current_user.id)
            elif request.form.get("kind") == "invoice_pack" and can_pack:
                month = request.form.get("month", "")
                date.fromisoformat(f"{month}-01")
                bulk.request_invoice_pack(month, current_user.id)
            elif request.form.get("kind") == "day_sheets" and can_sheets:
                technician_id = int(request.form.get("technician_id") or 0)
                check_day_sheets(current_user, technician_id)
                bulk.request_day_sheets(technician_id,
                                        parse_date(request.form.get("date", "")),
                                        current_user.id)
            db.session.commit()
            flash(_("The run is queued; this page shows its progress."), "success")
        except (ValueError, DomainError):
            db.session.rollback()
            flash(_("Check the month, date and technician."), "error")
        return redirect(url_for("documents.runs"))
    query = select(Job).where(Job.kind.in_(RUN_KINDS)).order_by(Job.id.desc()).limit(50)
    jobs = [job for job in db.session.scalars(query) if _readable(job)]
    mine = technician_for_user(current_user)
    technicians = ([mine] if mine and not current_user.has_role("dispatcher", "manager")
                   else db.session.scalars(search_technicians(active_only=True)).all())
    today = utcnow().astimezone(settings.timezone()).date()  # the configured zone's day
    return render_template("documents/runs.html", jobs=jobs, can_pack=can_pack,
                           can_sheets=can_sheets, can_report=can_report, technicians=technicians,
                           today=today.isoformat(), month=today.strftime("%Y-%m"),
                           refresh=any(job.status in ("queued", "running") for job in jobs))


def _readable(job: Job) -> bool:
    try:
        readable_job(job.id, current_user)
    except DomainError:
        return False
    return True
