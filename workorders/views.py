"""Work-order pages: list, intake, approval queue, detail with its actions, R10 figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dispatch.errors import DomainError, ValidationFailed
from dispatch.extensions import db
from dispatch.notify.templates import masked_link
from dispatch.registry.models import Customer
from dispatch.registry.services import visible_customers
from dispatch.technicians.models import Technician
from dispatch.technicians.services import search_technicians, technician_choices, technician_for_user
from dispatch.timeutil import local_day
from dispatch.validators import parse_date
from dispatch.web.forms import form_data, handle_form
from dispatch.web.security import page_requires
from inventory.models import Location, Part
from workorders import (
    approval,
    assignment,
    closing,
    completion,
    corrections,
    fees,
    intake,
    onsite,
    order_parts,
    pick_loads,
)
from workorders.access import get_order, order_contact
from workorders.care.models import Callback
from workorders.documents.access import readable_documents
from workorders.lifecycle import ASSIGNABLE, ENDED, FINISHED, IN_HAND, PLANNABLE, STATUSES, allowed_actions
from workorders.models import KINDS, PAYMENT_METHODS, PRIORITIES, WorkOrder
from workorders.office.picker import vehicle_order_values
from workorders.photos import photos_of
from workorders.promises.api import order_messages
from workorders.promises.clocks import arrival_state
from workorders.promises.links import ensure_link, tracking_url
from workorders.queries import filtered_orders, order_figures, order_page, response_figures
from workorders.tracking import remote

bp = Blueprint("workorders", __name__, url_prefix="/workorders")
bp.add_app_template_global(fees.amount_due, "amount_due")

INTAKE_FORM = ("kind", "customer_id", "plate", "address", "lat", "lon", "contact_name",
               "contact_phone", "product_model", "purchase_date", "fault_description",
               "terminal_id", "imei", "iccid", "priority", "window_start", "window_end")
NEW_CUSTOMER_FORM = ("name", "contact_name", "phone", "address")


def _date_arg(name: str) -> date | None:
    try:
        return parse_date(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@page_requires("order.view")
def index():
    filters: dict[str, Any] = {key: request.args.get(key, "") for key in ("status", "kind", "plate", "q")}
    filters["technician_id"] = request.args.get("technician_id", type=int)
    filters["date_from"], filters["date_to"] = _date_arg("date_from"), _date_arg("date_to")
    filters["completed_on"] = _date_arg("completed_on")
    orders = filtered_orders(current_user, filters).options(joinedload(WorkOrder.technician))
    page = order_page(orders, request.args.get("page", 1, type=int), per_page=50)
    technicians = technician_choices() if current_user.can("technician.view") else []
    return render_template("workorders/index.html", page=page, filters=request.args,
                           statuses=STATUSES, kinds=KINDS, technicians=technicians)


@bp.get("/approvals")
@page_requires("order.approve")
def approvals():
    load = (joinedload(WorkOrder.customer), joinedload(WorkOrder.vehicle))
    return render_template(
        "workorders/approvals.html",
        orders=db.session.scalars(approval.queue(current_user).options(*load)).all(),
        returned=db.session.scalars(approval.returned(current_user).options(*load)).all())


@bp.post("/approvals")
@page_requires("order.approve")
def approve_selected():
    """Approve the ticked orders at once; back to the queue with what was done and refused."""
    try:
        outcome = approval.approve_many(request.form.getlist("order_ids"), current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("workorders.approvals"))
    if outcome.approved:
        flash(_("Approved: %(numbers)s", numbers=", ".join(o.number for o in outcome.approved)),
              "success")
    for number, why in outcome.refused:
        flash(f"{number}: {why}", "error")
    return redirect(url_for("workorders.approvals"))


def _intake(data: dict) -> WorkOrder:
    if not data.get("customer_id") and any(request.form.get(f"customer.{f}") for f in
                                           NEW_CUSTOMER_FORM):
        data["customer"] = {f: request.form.get(f"customer.{f}", "") for f in NEW_CUSTOMER_FORM}
    order, warnings = intake.create_order(data, current_user, refuse_duplicate=True)
    for warning in warnings:
        flash(warning, "warning")
    return order


@bp.route("/new", methods=["GET", "POST"])
@page_requires("order.create")
def new():
    initial = {"kind": "repair", "priority": "normal",
               "customer_id": request.args.get("customer_id", ""),
               "plate": request.args.get("plate", "")}
    if request.args.get("vehicle_id", "").isdigit():  # "New order" from a vehicle
        initial.update(vehicle_order_values(int(request.args["vehicle_id"]), current_user))
    chosen = request.form.get("customer_id") or initial["customer_id"]
    order, response = handle_form(
        _intake, "workorders/new.html", (*INTAKE_FORM, "duplicate_ok"), initial=initial,
        kinds=KINDS, priorities=PRIORITIES,
        chosen=db.session.scalar(visible_customers(current_user).where(
            Customer.id == int(chosen))) if str(chosen).isdigit() else None,
        open_orders=intake.open_orders_for_plate(request.form.get("plate"), current_user)
        if request.method == "POST" else [],
        new_customer={f: request.form.get(f"customer.{f}", "") for f in NEW_CUSTOMER_FORM})
    if order is None:
        return response
    flash(_("Order %(number)s registered.", number=order.number), "success")
    return redirect(url_for("workorders.show", order_id=order.id))


def _render_order(order: WorkOrder, errors: dict | None = None, values: dict | None = None,
                  status: int = 200):
    technicians: Sequence[Technician] = []
    if current_user.can("order.assign") and order.status in ASSIGNABLE:
        technicians = db.session.scalars(search_technicians(active_only=True)).all()
    mine = technician_for_user(current_user)
    is_assignee = mine is not None and mine.id == order.technician_id
    staff = current_user.can("order.notifications")
    if staff and ensure_link(order):
        db.session.commit()
    return render_template(
        "workorders/show.html", order=order, actions=allowed_actions(order, current_user),
        is_assignee=is_assignee, correctable=is_assignee and order.status == "on_site",
        quote=onsite.current_quote(order), figures=order_figures(order), technicians=technicians,
        old_devices=onsite.old_devices(order),
        parts=db.session.scalars(select(Part).where(Part.active.is_(True)).order_by(Part.sku)).all(),
        payment_methods=PAYMENT_METHODS, errors=errors or {}, values=values or {},
        documents=readable_documents(order, current_user), photos=photos_of(order),
        sent_back=approval.is_sent_back(order),
        **_van_loading(order),
        pick_list=order_parts.pick_list(order), plannable=order.status in PLANNABLE,
        in_hand=order.status in IN_HAND, finished=order.status in FINISHED,
        fee_editable=order.status not in ENDED,
        contact=order_contact(order, current_user),
        tracking=remote.order_panel(order, current_user),
        arrival=arrival_state(order),
        customer_link=tracking_url(order) if staff else None,
        messages=order_messages(order.id) if staff else None, message_text=masked_link,
        callbacks=db.session.scalars(select(Callback).where(Callback.workorder_id == order.id)
                                     .order_by(Callback.at)).all(),
    ), status


def _van_loading(order: WorkOrder) -> dict[str, Any]:
    """For the warehouse: the van of the order's technician and the short lines of its pick
    list, as the van-load form reads them."""
    if not current_user.can("stock.move") or order.technician_id is None:
        return {"van_code": None, "short_lines": ""}
    van = db.session.scalar(select(Location.code).where(Location.technician_id == order.technician_id))
    lines = "\n".join(f"{line.sku} {line.qty}" for line in order_parts.pick_list(order) if line.short)
    return {"van_code": van, "short_lines": lines}


def _plan(order: WorkOrder, form: dict) -> WorkOrder:
    """Add a line to the order's parts (the same SKU again adds to its quantity)."""
    items = [{"sku": line.sku, "qty": line.qty} for line in order.planned_parts]
    return order_parts.set_planned_parts(order, [*items, form], current_user)


@bp.get("/<int:order_id>")
@page_requires("order.view")
def show(order_id: int):
    return _render_order(get_order(order_id, current_user))


ACTIONS = {
    "approve": (lambda order, form: assignment.approve(order, current_user), ()),
    "assign": (lambda order, form: assignment.assign(order, int(form.get("technician_id") or 0),
                                                     current_user, form.get("contractor_reason")),
               ("technician_id", "contractor_reason")),
    "en_route": (lambda order, form: onsite.report_status(order, current_user, "en_route",
                                                          form.get("lat"), form.get("lon")),
                 ("lat", "lon")),
    "on_site": (lambda order, form: onsite.report_status(order, current_user, "on_site",
                                                         form.get("lat"), form.get("lon")),
                ("lat", "lon")),
    "swap": (lambda order, form: onsite.add_swap(order, current_user, form),
             ("kind", "old", "new", "reason")),
    "part": (lambda order, form: onsite.add_part(order, current_user, form),
             ("sku", "qty", "serial")),
    "part_correct": (lambda order, form: corrections.correct_part(
        order, current_user, form.get("line_id"), form.get("qty")), ("line_id", "qty")),
    "part_remove": (lambda order, form: corrections.remove_part(
        order, current_user, form.get("line_id")), ("line_id",)),
    "swap_remove": (lambda order, form: corrections.remove_swap(
        order, current_user, form.get("swap_id")), ("swap_id",)),
    "complete": (lambda order, form: completion.complete(order, current_user, form),
                 ("resolution", "payment_method", "amount_collected", "signature_png_base64",
                  "activation_override_reason")),
    "resolve_remotely": (lambda order, form: remote.resolve_remotely(order, current_user,
                                                                     form.get("note")),
                         ("note",)),
    "fee_override": (lambda order, form: onsite.override_fee(order, current_user, form["amount"],
                                                             form["reason"]), ("amount", "reason")),
    "cancel": (lambda order, form: assignment.cancel(order, form["reason"], current_user),
               ("reason",)),
    "close": (lambda order, form: closing.close(order, current_user), ()),
    "plan": (_plan, ("sku", "qty")),
    "shortage": (lambda order, form: order_parts.approve_shortage(order, form, current_user),
                 ("sku", "qty", "note")),
    "send_back": (lambda order, form: approval.send_back(order, form["reason"], current_user),
                  ("reason",)),
    "resubmit": (lambda order, form: approval.resubmit(order, current_user, form["note"]),
                 ("note",)),
    "load_van": (lambda order, form: pick_loads.load_order(order, current_user), ()),
    "owner": (lambda order, form: intake.transfer_ownership(order, int(form.get("user_id") or 0),
                                                            current_user), ("user_id",)),
}


@bp.post("/<int:order_id>/<action>")
@page_requires("order.view")
def act(order_id: int, action: str):
    """Run one of the order's actions from its page; refusals re-render it with the reason."""
    if action not in ACTIONS:
        return _render_order(get_order(order_id, current_user), status=404)
    run, fields = ACTIONS[action]
    order = get_order(order_id, current_user, for_update=True)
    values = form_data(*fields)
    try:
        run(order, values)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        order = get_order(order_id, current_user)
        errors = dict(exc.fields) if isinstance(exc, ValidationFailed) else {}
        errors["_form"] = exc.message
        values.pop("signature_png_base64", None)
        return _render_order(order, errors, {**values, "_action": action}, exc.status)
    flash(_("Saved."), "success")
    if request.form.get("next") == "approvals" and current_user.can("order.approve"):
        return redirect(url_for("workorders.approvals"))  # the queue, where the manager was
    return redirect(url_for("workorders.show", order_id=order_id))


@bp.get("/pick-lists")
@page_requires("stock.move")
def pick_lists():
    """The day's pick lists by van, to load the reserved parts in one go."""
    day = _date_arg("date") or local_day()
    return render_template("workorders/pick_lists.html", day=day,
                           vans=pick_loads.day_pick_lists(day, current_user))


@bp.post("/pick-lists/load")
@page_requires("stock.move")
def load_pick_lists():
    day = _date_arg("date") or local_day()
    moved = pick_loads.load_day(day, current_user)
    db.session.commit()
    flash(_("Vans loaded from the pick lists: %(n)s movements.", n=moved), "success")
    return redirect(url_for("workorders.pick_lists", date=day.isoformat()))


@bp.get("/stats")
@page_requires("order.stats")
def stats():
    today = local_day()
    date_to = _date_arg("date_to") or today
    date_from = _date_arg("date_from") or date_to - timedelta(days=30)
    return render_template("workorders/stats.html",
                           figures=response_figures(current_user, date_from, date_to), kinds=KINDS)
