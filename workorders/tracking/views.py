"""Pages of the order side of the tracking platform: the silent-device queue (agents), a
silent device with its commands, and the completions let through without a fix (managers)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.errors import DomainError, ValidationFailed
from dispatch.extensions import db
from dispatch.registry.models import Terminal
from dispatch.web.forms import form_data
from dispatch.web.security import page_requires
from workorders.access import get_order
from workorders.models import WorkOrder
from workorders.tracking import activation, remote, silent

bp = Blueprint("tracking_orders", __name__, url_prefix="/tracking")


@bp.get("/silent")
@page_requires("tracking.silent")
def silent_queue():
    page = max(1, request.args.get("page", 1, type=int))
    devices, total = silent.silent_devices(current_user, page)
    return render_template("tracking/silent.html", devices=devices, total=total, page=page,
                           pages=max(1, -(-total // silent.PAGE)),
                           hours=current_app.config["DISPATCH_SILENT_HOURS"])


@bp.post("/silent/<int:terminal_pk>/repair")
@page_requires("order.create")
def open_repair(terminal_pk: int):
    """One click: the silent terminal's repair order (its vehicle's open one if any)."""
    order, created = silent.open_repair(terminal_pk, current_user)
    db.session.commit()
    flash(_("Repair order %(number)s registered.", number=order.number) if created else
          _("The vehicle already has an open order: %(number)s.", number=order.number),
          "success" if created else "warning")
    return redirect(url_for("workorders.show", order_id=order.id))


def _device_page(terminal_ref: int, errors: dict | None = None, values: dict | None = None,
                 status: int = 200):
    device = silent.silent_device(terminal_ref, current_user)
    terminal = db.session.get_one(Terminal, terminal_ref)
    types, state = remote.command_types(terminal)
    return render_template("tracking/device.html", device=device, types=types, state=state,
                           attributes=remote.ATTRIBUTES, errors=errors or {},
                           values=values or {}, commands=remote.terminal_commands(terminal_ref)
                           ), status


@bp.get("/silent/<int:terminal_pk>")
@page_requires("tracking.silent")
def silent_device(terminal_pk: int):
    return _device_page(terminal_pk)


@bp.post("/silent/<int:terminal_pk>/command")
@page_requires("tracking.command")
def send_command(terminal_pk: int):
    """Try remotely first: a command to the silent terminal (on the vehicle's open order when
    there is one)."""
    device = silent.silent_device(terminal_pk, current_user)
    values = form_data("type", "server", "port", "data")
    order = db.session.get(WorkOrder, device.open_order_id) if device.open_order_id else None
    try:
        remote.send(db.session.get_one(Terminal, terminal_pk), order, current_user, values)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        errors = dict(exc.fields) if isinstance(exc, ValidationFailed) else {}
        errors["_form"] = exc.message
        return _device_page(terminal_pk, errors, values, exc.status)
    flash(_("Command sent."), "success")
    return redirect(url_for("tracking_orders.silent_device", terminal_pk=terminal_pk))


def _order_command_page(order_id: int, errors: dict | None = None, values: dict | None = None,
                        status: int = 200):
    order = get_order(order_id, current_user)
    terminal = remote.vehicle_terminal(order.vehicle_id)
    types, state = remote.command_types(terminal) if terminal is not None else ([], "")
    return render_template("tracking/order_command.html", order=order, terminal=terminal,
                           types=types, state=state, errors=errors or {}, values=values or {},
                           commands=remote.commands_of(order.id)), status


@bp.get("/orders/<int:order_id>/command")
@page_requires("tracking.command")
def order_command(order_id: int):
    return _order_command_page(order_id)


@bp.post("/orders/<int:order_id>/command")
@page_requires("tracking.command")
def send_order_command(order_id: int):
    """Try remotely first, from a repair order: the command is recorded on it."""
    values = form_data("type", "server", "port", "data")
    try:
        remote.send_for_order(get_order(order_id, current_user, for_update=True), current_user,
                              values)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        errors = dict(exc.fields) if isinstance(exc, ValidationFailed) else {}
        errors["_form"] = exc.message
        return _order_command_page(order_id, errors, values, exc.status)
    flash(_("Command sent."), "success")
    return redirect(url_for("workorders.show", order_id=order_id))


@bp.get("/overrides")
@page_requires("tracking.override_list")
def overrides():
    return render_template("tracking/overrides.html", rows=activation.overrides())
