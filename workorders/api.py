"""Work-order API (SPEC §8): intake, life cycle, field work, fees."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for

from dispatch.extensions import db
from dispatch.web.api import api_requires, current_api_user, rows_response
from dispatch.web.idempotency import idempotent
from workorders import (
    assignment,
    closing,
    completion,
    corrections,
    fees,
    intake,
    onsite,
    order_parts,
)
from workorders import schemas as s
from workorders.access import get_order
from workorders.finance.invoices import live_invoice
from workorders.promises.clocks import arrival_state
from workorders.promises.links import ensure_link, tracking_url
from workorders.queries import list_page, response_figures

bp = APIBlueprint("workorders_api", __name__, url_prefix="/api/v1", tag="Work orders")


def _with_promises(order):
    """The order with its customer link and arrival state (read by OrderOut); a link made now
    for an order older than links is committed."""
    if ensure_link(order):
        db.session.commit()
    order.tracking_url = tracking_url(order)
    order.arrival = arrival_state(order)
    return order


def _status(order):
    return {"id": order.id, "number": order.number, "status": order.status}


@bp.post("/workorders")
@api_requires("order.create")
@bp.input(s.OrderIn, arg_name="body")
@bp.output(s.OrderOut, status_code=201)
def create_order(body):
    """Register an install or repair request (R2); the caller becomes its owner (R13)."""
    order, warnings = intake.create_order(body, current_api_user())
    db.session.commit()
    order.warnings = warnings  # type: ignore[attr-defined]  # read by OrderOut
    return _with_promises(order), 201, {"Location": url_for("workorders_api.get_order_", order_id=order.id)}


@bp.get("/workorders")
@api_requires("order.view")
@bp.input(s.OrderQuery, location="query", arg_name="args")
@bp.output(s.OrderPage)
def list_orders(args):
    """Orders the caller may see (a technician: their own), filtered, newest first. Page by
    ``page`` (with a total, counted up to 1,000: ``total_capped`` beyond) or, for deep
    lists, by ``after`` = the last id of the previous page (nothing counted)."""
    # Serialised directly (the OrderPage schema above documents the shape).
    return rows_response(list_page(current_api_user(), args))


@bp.get("/workorders/stats")
@api_requires("order.stats")
@bp.input(s.StatsQuery, location="query", arg_name="args")
@bp.output(s.StatsOut)
def stats(args):
    """R10: call-to-arrival and on-site minutes (count, mean, median, p90) by kind."""
    return response_figures(current_api_user(), args["date_from"], args["date_to"])


@bp.get("/workorders/<int:order_id>")
@api_requires("order.view")
@bp.output(s.OrderOut)
def get_order_(order_id: int):
    return _with_promises(get_order(order_id, current_api_user()))


@bp.post("/workorders/<int:order_id>/approve")
@api_requires("order.approve")
@bp.output(s.StatusOut)
def approve(order_id: int):
    """R3: the manager approves the order."""
    user = current_api_user()
    order = assignment.approve(get_order(order_id, user, for_update=True), user)
    db.session.commit()
    return _status(order)


@bp.post("/workorders/<int:order_id>/assign")
@api_requires("order.assign")
@bp.input(s.AssignIn, arg_name="body")
@bp.output(s.StatusOut)
def assign(order_id: int, body):
    """Assign (or reassign) an approved order to a technician."""
    user = current_api_user()
    order = assignment.assign(get_order(order_id, user, for_update=True), body["technician_id"],
                              user, body.get("contractor_reason"))
    db.session.commit()
    return _status(order)


@bp.post("/workorders/<int:order_id>/status")
@api_requires("order.field_work")
@idempotent
@bp.input(s.StatusIn, arg_name="body")
@bp.output(s.StatusOut)
def field_status(order_id: int, body):
    """The assigned technician is en route or on site (position recorded when given)."""
    user = current_api_user()
    order = onsite.report_status(get_order(order_id, user, for_update=True), user,
                                 body["status"], body.get("lat"), body.get("lon"),
                                 far_confirmed=body["far_confirmed"])
    return _status(order)


@bp.post("/workorders/<int:order_id>/swaps")
@api_requires("order.field_work")
@idempotent
@bp.input(s.SwapIn, arg_name="body")
@bp.output(s.SwapOut, status_code=201)
def add_swap(order_id: int, body):
    """R5/R6: record a terminal or SIM change, old → new."""
    user = current_api_user()
    swap = onsite.add_swap(get_order(order_id, user, for_update=True), user, body)
    return swap


@bp.post("/workorders/<int:order_id>/parts")
@api_requires("order.field_work")
@idempotent
@bp.input(s.PartIn, arg_name="body")
@bp.output(s.PartOut, status_code=201)
def add_part(order_id: int, body):
    user = current_api_user()
    line = onsite.add_part(get_order(order_id, user, for_update=True), user, body)
    return line


@bp.patch("/workorders/<int:order_id>/parts/<int:line_id>")
@api_requires("order.field_work")
@idempotent
@bp.input(s.PartCorrectionIn, arg_name="body")
@bp.output(s.PartOut)
def correct_part(order_id: int, line_id: int, body):
    """Correct the quantity of a part recorded by mistake, before completion (its hold follows)."""
    user = current_api_user()
    return corrections.correct_part(get_order(order_id, user, for_update=True), user, line_id,
                                    body["qty"])


@bp.delete("/workorders/<int:order_id>/parts/<int:line_id>")
@api_requires("order.field_work")
@idempotent
@bp.output(s.StatusOut)
def remove_part(order_id: int, line_id: int):
    """Remove a part recorded by mistake, before completion (its hold is released)."""
    user = current_api_user()
    order = get_order(order_id, user, for_update=True)
    corrections.remove_part(order, user, line_id)
    return _status(order)


@bp.delete("/workorders/<int:order_id>/swaps/<int:swap_id>")
@api_requires("order.field_work")
@idempotent
@bp.output(s.StatusOut)
def remove_swap(order_id: int, swap_id: int):
    """Remove a device change recorded by mistake, before completion (with its part line)."""
    user = current_api_user()
    order = get_order(order_id, user, for_update=True)
    corrections.remove_swap(order, user, swap_id)
    return _status(order)


@bp.get("/workorders/<int:order_id>/fee")
@api_requires("order.view")
@bp.output(s.FeeOut)
def fee(order_id: int):
    """The fee the server computes (R1), shown before the customer signs."""
    order = get_order(order_id, current_api_user())
    quote = onsite.current_quote(order)
    return {**quote.__dict__, "override": order.fee_override, "fee": fees.amount_due(order, quote)}


@bp.post("/workorders/<int:order_id>/fee-override")
@api_requires("order.fee_override")
@bp.input(s.FeeOverrideIn, arg_name="body")
@bp.output(s.StatusOut)
def fee_override(order_id: int, body):
    user = current_api_user()
    order = onsite.override_fee(get_order(order_id, user, for_update=True), user,
                                body["amount"], body["reason"])
    db.session.commit()
    return _status(order)


@bp.post("/workorders/<int:order_id>/complete")
@api_requires("order.field_work")
@idempotent
@bp.input(s.CompleteIn, arg_name="body")
@bp.output(s.CompleteOut)
def complete(order_id: int, body):
    """R7: complete with resolution, payment and the customer's signature."""
    user = current_api_user()
    order = completion.complete(get_order(order_id, user, for_update=True), user, body)
    invoice = live_invoice(order.id)
    return {"status": order.status, "fee": fees.amount_due(order),
            "invoice_number": invoice.number if invoice else None}


@bp.post("/workorders/<int:order_id>/cancel")
@api_requires("order.cancel")
@bp.input(s.CancelIn, arg_name="body")
@bp.output(s.StatusOut)
def cancel(order_id: int, body):
    user = current_api_user()
    order = assignment.cancel(get_order(order_id, user, for_update=True), body["reason"], user)
    db.session.commit()
    return _status(order)


@bp.post("/workorders/<int:order_id>/close")
@api_requires("order.close")
@bp.output(s.StatusOut)
def close(order_id: int):
    user = current_api_user()
    order = closing.close(get_order(order_id, user, for_update=True), user)
    db.session.commit()
    return _status(order)


@bp.post("/workorders/<int:order_id>/owner")
@api_requires("order.create")
@bp.input(s.OwnerIn, arg_name="body")
@bp.output(s.StatusOut)
def transfer_owner(order_id: int, body):
    """R13: hand the order to another employee explicitly."""
    user = current_api_user()
    order = intake.transfer_ownership(get_order(order_id, user, for_update=True),
                                      body["user_id"], user)
    db.session.commit()
    return _status(order)


def _planned(order):
    return {"items": order.planned_parts, "pick_list": order_parts.pick_list(order)}


@bp.get("/workorders/<int:order_id>/planned-parts")
@api_requires("order.view")
@bp.output(s.PlannedPartsOut)
def planned_parts(order_id: int):
    """The order's parts and the pick list: where each is reserved, or short (R4)."""
    return _planned(get_order(order_id, current_api_user()))


@bp.post("/workorders/<int:order_id>/planned-parts")
@api_requires("order.plan_parts")
@bp.input(s.PlannedPartsIn, arg_name="body")
@bp.output(s.PlannedPartsOut)
def set_planned_parts(order_id: int, body):
    """Replace the order's parts; an assigned order's reservation follows."""
    user = current_api_user()
    order = order_parts.set_planned_parts(get_order(order_id, user, for_update=True),
                                       body["items"], user)
    db.session.commit()
    return _planned(order)


@bp.post("/workorders/<int:order_id>/reservations")
@api_requires("order.plan_parts")
@bp.input(s.ReservationIn, arg_name="body")
@bp.output(s.PlannedPartsOut, status_code=201)
def reserve_part(order_id: int, body):
    """Add a part to the order and reserve it now at a location; not available → 409."""
    user = current_api_user()
    order = order_parts.reserve_line(get_order(order_id, user, for_update=True), body, user)
    db.session.commit()
    return _planned(order), 201


@bp.post("/workorders/<int:order_id>/shortage-approvals")
@api_requires("order.shortage_approve")
@bp.input(s.ShortageIn, arg_name="body")
@bp.output(s.ShortageOut, status_code=201)
def approve_shortage(order_id: int, body):
    """R12: a manager approves using a part the van and the reservation do not hold."""
    user = current_api_user()
    approval = order_parts.approve_shortage(get_order(order_id, user, for_update=True), body, user)
    db.session.commit()
    return approval, 201
