"""Customer-care pages: complaints, the callback queue, the quarterly audit sample and the
monthly statistics with their PDF."""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import DomainError, ValidationFailed
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.registry.models import Customer
from dispatch.registry.services import visible_customers
from dispatch.timeutil import last_month, local_day, utcnow
from dispatch.validators import FIRST_DAY, LAST_DAY, parse_month
from dispatch.web.forms import form_data, handle_form, query_value
from dispatch.web.security import page_requires
from workorders.access import get_order
from workorders.care import callbacks, clocks, complaints, ownership
from workorders.care.models import (
    AUDIT_RESULTS,
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    SEVERITIES,
    AuditCheck,
)
from workorders.care.schemas import PROMISE_STATES, VIEWS
from workorders.care.stats import build_monthly_report_pdf, monthly_stats

bp = Blueprint("care", __name__, url_prefix="/care")

COMPLAINT_FORM = ("customer_id", "workorder_number", "severity", "channel", "description",
                  "overseas", "resolution")
ACTIONS = {
    "notice": (complaints.record_notice, ("promised_reply_at",)),
    "resolve": (complaints.resolve_complaint,
                ("resolution", "cause", "responsible_department", "responsible_user_id")),
    "follow_up": (complaints.add_follow_up, ("reached", "satisfied", "notes")),
    "close": (lambda complaint, form, user: complaints.close_complaint(complaint, user), ()),
    "owner": (lambda complaint, form, user: complaints.transfer_complaint(
        complaint, form.get("user_id"), user), ("user_id",)),
}


def _month_arg(default: str | None = None) -> tuple[int, int]:
    return query_value("month", parse_month, parse_month(default or last_month()))


def _year(text: str) -> int:
    if not text.isdigit() or not FIRST_DAY.year <= int(text) <= LAST_DAY.year:
        raise ValueError(_("Enter a year between %(first)s and %(last)s.",
                           first=FIRST_DAY.year, last=LAST_DAY.year))
    return int(text)


def _quarter(text: str) -> int:
    if text not in ("1", "2", "3", "4"):
        raise ValueError(_("A quarter is 1, 2, 3 or 4."))
    return int(text)


@bp.get("/complaints")
@page_requires("complaint.view")
def complaint_index():
    view = request.args.get("view", "open")
    if view not in VIEWS:
        view = "open"
    return render_template("care/complaints.html", view=view, views=VIEWS,
                           complaints=complaints.complaint_list(current_user, view),
                           missed_notice=complaints.missed_notice, now=utcnow())


@bp.get("/complaints/promises")
@page_requires("complaint.view")
def promise_index():
    state = request.args.get("state", "all")
    if state not in PROMISE_STATES:
        state = "all"
    return render_template("care/promises.html", state=state, states=PROMISE_STATES,
                           rows=clocks.promise_list(current_user, state))


@bp.route("/complaints/new", methods=["GET", "POST"])
@page_requires("complaint.create")
def complaint_new():
    initial = {"severity": "minor", "channel": "hotline",
               "customer_id": request.args.get("customer_id", ""),
               "workorder_number": request.args.get("workorder_number", "")}
    if not initial["workorder_number"] and request.args.get("workorder_id", "").isdigit():
        with suppress(DomainError):  # from the order's page: its number, as the form takes it
            initial["workorder_number"] = get_order(int(request.args["workorder_id"]),
                                                    current_user).number
    chosen = request.form.get("customer_id") or initial["customer_id"]
    complaint, response = handle_form(
        lambda data: complaints.register_complaint(data, current_user), "care/complaint_new.html",
        COMPLAINT_FORM, initial=initial, severities=SEVERITIES, channels=CHANNELS,
        chosen=db.session.scalar(visible_customers(current_user).where(
            Customer.id == int(chosen))) if str(chosen).isdigit() else None)
    if complaint is None:
        return response
    flash(_("Complaint %(number)s registered.", number=complaint.number), "success")
    return redirect(url_for("care.complaint_show", complaint_id=complaint.id))


def _render_complaint(complaint, errors=None, values=None, status=200):
    staff = db.session.scalars(select(User).where(User.active.is_(True))
                               .order_by(User.username)).all()
    return render_template("care/complaint.html", complaint=complaint, errors=errors or {},
                           values=values or {}, causes=CAUSES, departments=DEPARTMENTS,
                           staff=staff, missed_notice=complaints.missed_notice(complaint)), status


@bp.get("/complaints/<int:complaint_id>")
@page_requires("complaint.view")
def complaint_show(complaint_id: int):
    return _render_complaint(complaints.get_complaint(complaint_id, current_user))


@bp.post("/complaints/<int:complaint_id>/<action>")
@page_requires("complaint.create")
def complaint_act(complaint_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    run, fields = ACTIONS[action]
    values = form_data(*fields)
    try:
        run(complaints.get_complaint(complaint_id, current_user, for_update=True), values,
            current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        errors = dict(exc.fields) if isinstance(exc, ValidationFailed) else {}
        errors["_form"] = exc.message
        return _render_complaint(complaints.get_complaint(complaint_id, current_user), errors,
                                 {**values, "_action": action}, exc.status)
    flash(_("Saved."), "success")
    return redirect(url_for("care.complaint_show", complaint_id=complaint_id))


@bp.route("/callbacks", methods=["GET", "POST"])
@page_requires("callback.view")
def callback_queue():
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not current_user.can("callback.record"):
            abort(403)
        values = form_data("workorder_id", "reached", "satisfaction", "notes")
        try:
            callbacks.record_callback(values, current_user)
            db.session.commit()
            flash(_("Callback recorded."), "success")
            return redirect(url_for("care.callback_queue"))
        except DomainError as exc:
            db.session.rollback()
            errors = dict(exc.fields) if isinstance(exc, ValidationFailed) else {}
            errors["_form"], errors["_order"], status = exc.message, values["workorder_id"], exc.status
    return render_template("care/callbacks.html", queue=callbacks.callback_queue(current_user),
                           errors=errors, max_attempts=callbacks.max_attempts()), status


@bp.post("/callbacks/decide")
@page_requires("callback.decide")
def callback_decide():
    """R14: a manager closes the wait after the failed attempts (the reason is recorded)."""
    values = form_data("workorder_id", "reason")
    try:
        callbacks.decide_without_callback(values, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        errors = dict(exc.fields) if isinstance(exc, ValidationFailed) else {}
        errors["_form"], errors["_order"] = exc.message, values["workorder_id"]
        return render_template("care/callbacks.html",
                               queue=callbacks.callback_queue(current_user), errors=errors,
                               max_attempts=callbacks.max_attempts()), exc.status
    flash(_("Decision recorded: the order may close."), "success")
    return redirect(url_for("care.callback_queue"))


@bp.get("/my-problems")
@page_requires("problems.own")
def my_problems():
    """R13: the open work orders and complaints the employee owns (a manager may pick one)."""
    employee = ownership.employee_for(current_user, request.args.get("user_id"))
    employees = db.session.scalars(select(User).where(User.active.is_(True))
                                   .order_by(User.username)).all() \
        if current_user.has_role("manager") else []
    return render_template("care/problems.html", employee=employee,
                           employees=[u for u in employees if u.can("problems.own")],
                           **ownership.open_problems(employee, current_user))


@bp.route("/audit", methods=["GET", "POST"])
@page_requires("audit_sample.manage")
def audit():
    today = local_day()
    year = query_value("year", _year, today.year)
    quarter = query_value("quarter", _quarter, (today.month - 1) // 3 + 1)
    errors: dict = {}
    if request.method == "POST":
        try:
            seed = int(request.form.get("seed") or 0)
            callbacks.create_audit_sample(year, quarter, seed, current_user)
            db.session.commit()
            return redirect(url_for("care.audit", year=year, quarter=quarter))
        except ValueError:
            errors["seed"] = _("Enter a whole number.")
        except DomainError as exc:
            db.session.rollback()
            errors["_form"] = exc.message
    checks = db.session.scalars(select(AuditCheck).where(AuditCheck.quarter == f"{year}Q{quarter}")
                                .order_by(AuditCheck.workorder_id)).all()
    return render_template("care/audit.html", year=year, quarter=quarter, checks=checks,
                           population=len(callbacks.quarter_repair_ids(year, quarter)),
                           results=AUDIT_RESULTS[1:], errors=errors), 422 if errors else 200


@bp.post("/audit/<int:check_id>")
@page_requires("audit_sample.manage")
def audit_check(check_id: int):
    check = db.session.get(AuditCheck, check_id) or abort(404)
    year, quarter = check.quarter.split("Q")
    try:
        callbacks.record_audit_check(check_id, form_data("result", "notes"), current_user)
        db.session.commit()
        flash(_("Saved."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(" ".join([exc.message, *exc.fields.values()]), "error")
    return redirect(url_for("care.audit", year=year, quarter=quarter))


@bp.get("/stats")
@page_requires("care.stats")
def stats():
    """The month's statistics (the current month unless one is chosen) with bar charts."""
    year, month = _month_arg(local_day().strftime("%Y-%m"))
    figures = monthly_stats(year, month)
    charts = {key: [(_("not attributed") if name == "unassigned" else str(label(name)), n)
                    for name, n in figures[key].items()]
              for key in ("by_severity", "by_cause", "by_department")}
    current = local_day()
    following = (year + month // 12, month % 12 + 1)
    months = {"previous": f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}",
              "next": f"{following[0]:04d}-{following[1]:02d}"
              if following <= (current.year, current.month) else None}
    return render_template("care/stats.html", stats=figures, severities=SEVERITIES,
                           charts=charts, months=months)


@bp.get("/stats.pdf")
@page_requires("care.stats")
def stats_pdf():
    year, month = _month_arg()
    pdf = build_monthly_report_pdf(monthly_stats(year, month))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="care-{year:04d}-{month:02d}.pdf"'})
