"""Finance pages: the day's reconciliation (with handover, adjustment and lock forms, ageing,
flags and a 30-day chart) and the invoice register (filters, PDFs, void, transfer received)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dispatch.errors import DomainError, ValidationFailed
from dispatch.exports import export_response
from dispatch.extensions import db
from dispatch.money import format_money
from dispatch.validators import parse_date
from dispatch.web.forms import form_data, query_value
from dispatch.web.security import page_requires
from workorders.finance import collections, exports, receivables, reconciliation, settlement
from workorders.finance.invoices import INVOICE_STATUSES

bp = Blueprint("finance", __name__, url_prefix="/finance")
CHART = {"width": 600, "height": 160, "pad": 30}


def _day() -> date:
    return query_value("date", parse_date, collections.today())


def chart(series: list[tuple[date, Decimal, Decimal]]) -> dict[str, Any]:
    """Bars (cash collected per day) and a line (cash outstanding) scaled into an SVG box."""
    width, height, pad = CHART["width"], CHART["height"], CHART["pad"]
    top = max([max(c, o) for _, c, o in series] + [Decimal(1)])
    step = (width - pad) / max(len(series), 1)

    def y(value: Decimal) -> float:
        return round(height - pad - float(max(value, Decimal(0)) / top) * (height - 2 * pad), 1)

    bars = [{"x": round(pad + i * step + 1, 1), "y": y(c), "w": round(step - 2, 1),
             "h": round(height - pad - y(c), 1), "title": f"{d}: {format_money(c)}"}
            for i, (d, c, _) in enumerate(series)]
    line = " ".join(f"{round(pad + (i + 0.5) * step, 1)},{y(o)}"
                    for i, (_, _, o) in enumerate(series))
    return {**CHART, "bars": bars, "line": line, "top": format_money(top),
            "first": series[0][0].isoformat() if series else "",
            "last": series[-1][0].isoformat() if series else ""}


def _index(errors: dict | None = None, values: dict | None = None, status: int = 200):
    day = _day()
    return render_template(
        "finance/index.html", day=day, locked=collections.is_locked(day),
        totals=reconciliation.reconcile(day), ageing=reconciliation.ageing(),
        uninvoiced=reconciliation.uninvoiced_orders(day),
        money_waiting=settlement.waiting_for_money(), receivables=receivables.receivables(open_only=True),
        uncollected=reconciliation.invoices_without_collection(day),
        chart=chart(reconciliation.daily_series()),
        choices=[(t.id, t.name) for t in exports.technician_choices()],
        handovers=collections.handovers_of(day), receipt=collections.receipt_job,
        errors=errors or {}, values=values or {}), status


@bp.get("/")
@page_requires("finance.view")
def index():
    return _index()


@bp.get("/reconciliation.<fmt>")
@page_requires("finance.view")
def reconciliation_export(fmt: str):
    header, rows = exports.reconciliation_rows(reconciliation.reconcile(_day()))
    return _download(f"reconciliation-{_day()}", header, rows, fmt)


def _download(name: str, header: list[str], rows: list[list[Any]], fmt: str) -> Response:
    response = export_response(name, header, rows, fmt)
    if response is None:
        abort(404)
    return response


def _save(run, fields: tuple[str, ...], message: str):
    values = form_data(*fields)
    try:
        saved = run(values, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _index({**exc.fields, "_form": exc.message}, values, exc.status)
    flash(message, "success")
    return saved


@bp.post("/handovers")
@page_requires("finance.write")
def handover():
    saved = _save(collections.record_handover, ("technician_id", "amount", "note"),
                  _("Handover recorded."))
    if isinstance(saved, tuple):
        return saved
    return redirect(url_for("finance.index", date=request.values.get("date", "")))


@bp.post("/adjustments")
@page_requires("finance.write")
def adjustment():
    saved = _save(collections.record_adjustment, ("technician_id", "amount", "reason"),
                  _("Adjustment recorded."))
    if isinstance(saved, tuple):
        return saved
    return redirect(url_for("finance.index", date=request.values.get("date", "")))


@bp.post("/locked-days")
@page_requires("finance.write")
def lock():
    saved = _save(lambda values, user: collections.lock_day(values["date"], user), ("date",),
                  _("The day is locked."))
    if isinstance(saved, tuple):
        return saved
    return redirect(url_for("finance.index", date=request.values.get("date", "")))


@bp.get("/invoices")
@page_requires("finance.view")
def invoices():
    try:
        query = exports.register_query(request.args, current_user)
    except ValidationFailed as exc:  # a filter out of range: said at its field, nothing listed
        filters = request.args.copy()
        filters.pop("format", None)  # the page, not an export of everything
        return render_template("finance/invoices.html", page=None, errors=exc.fields,
                               statuses=INVOICE_STATUSES, technicians=exports.technician_choices(),
                               pdf_job=collections.invoice_pdf_job, args=filters,
                               customer_name=lambda customer: exports.customer_name(
                                   customer, current_user)), 422
    fmt = request.args.get("format")
    if fmt:
        header, rows = exports.register_rows(list(db.session.scalars(query)), current_user)
        return _download("invoices", header, rows, fmt)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("finance/invoices.html", page=page, errors={}, statuses=INVOICE_STATUSES,
                           technicians=exports.technician_choices(),
                           pdf_job=collections.invoice_pdf_job, args=request.args,
                           customer_name=lambda customer: exports.customer_name(customer,
                                                                                current_user))


def _invoice_action(run) -> WerkzeugResponse:
    try:
        run()
        db.session.commit()
        flash(_("Saved."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message + " " + " ".join(exc.fields.values() if exc.status == 422 else []),
              "error")
    return redirect(url_for("finance.invoices"))


@bp.post("/invoices/<int:invoice_id>/void")
@page_requires("finance.write")
def void(invoice_id: int):
    return _invoice_action(lambda: collections.void(invoice_id, request.form.get("reason"),
                                                    current_user))


@bp.post("/orders/<int:order_id>/invoice")
@page_requires("finance.write")
def issue(order_id: int):
    _invoice_action(lambda: collections.issue_now(order_id, current_user))
    return redirect(url_for("finance.index", date=request.values.get("date", "")))


@bp.post("/receivables/<int:receivable_id>/settle")
@page_requires("finance.write")
def settle(receivable_id: int):
    _invoice_action(lambda: receivables.settle(receivable_id, {"method": request.form.get("method")},
                                               current_user))
    return redirect(url_for("finance.index", date=request.values.get("date", "")))


@bp.post("/invoices/<int:invoice_id>/received")
@page_requires("finance.write")
def received(invoice_id: int):
    return _invoice_action(lambda: collections.mark_received(invoice_id, current_user))
