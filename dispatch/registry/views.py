"""Registry pages: list, search, view, create and edit customers, vehicles, terminals, SIMs."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.registry import devices, services
from dispatch.registry.models import (
    CONFIDENTIALITY,
    CREDIT_CLASSES,
    SIM_STATUSES,
    TERMINAL_STATUSES,
    Sim,
    Terminal,
)
from dispatch.registry.visibility import show_customer
from dispatch.web.forms import handle_form
from dispatch.web.security import page_requires

bp = Blueprint("registry", __name__)

CUSTOMER_FORM = ("name", "contact_name", "phone", "address", "lat", "lon", "confidentiality",
                 "credit_class", "overseas", "notes", "email", "contact_preference", "language")
VEHICLE_FORM = ("plate", "vin", "description")
TERMINAL_FORM = ("terminal_id", "imei", "model", "firmware", "purchase_date", "warranty_end")
SIM_FORM = ("iccid", "msisdn", "carrier")


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _history(entity: str, entity_id: int) -> list[AuditLog]:
    if not current_user.can("audit.view"):
        return []
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
        .order_by(AuditLog.id.desc()).limit(50)
    ))


# --- customers ------------------------------------------------------------------------------

@bp.get("/customers")
@page_requires("customer.view")
def customers():
    q = request.args.get("q", "")
    page = db.paginate(services.search_customers(current_user, q), page=_page(), per_page=50,
                       error_out=False)
    shown = [show_customer(customer, current_user) for customer in page.items]
    return render_template("registry/customers.html", page=page, customers=shown, q=q)


@bp.route("/customers/new", methods=["GET", "POST"])
@page_requires("customer.edit")
def customer_new():
    customer, response = handle_form(
        lambda data: services.create_customer(data, current_user),
        "registry/customer_form.html", CUSTOMER_FORM,
        initial={"confidentiality": "ordinary", "credit_class": "B"},
        customer=None, levels=CONFIDENTIALITY, classes=CREDIT_CLASSES,
    )
    if customer is None:
        return response
    flash(_("Customer saved."), "success")
    return redirect(url_for("registry.customer", customer_id=customer.id))


@bp.get("/customers/<int:customer_id>")
@page_requires("customer.view")
def customer(customer_id: int):
    found = services.get_customer(customer_id, current_user)
    return render_template("registry/customer.html", customer=show_customer(found, current_user),
                           history=_history("customers", found.id))


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@page_requires("customer.edit")
def customer_edit(customer_id: int):
    found = services.get_customer(customer_id, current_user)
    initial = {key: getattr(found, key) for key in CUSTOMER_FORM}
    saved, response = handle_form(
        lambda data: services.update_customer(found, data, current_user),
        "registry/customer_form.html", CUSTOMER_FORM, initial=initial,
        customer=found, levels=CONFIDENTIALITY, classes=CREDIT_CLASSES,
    )
    if saved is None:
        return response
    flash(_("Customer saved."), "success")
    return redirect(url_for("registry.customer", customer_id=found.id))


# --- vehicles -------------------------------------------------------------------------------

@bp.route("/customers/<int:customer_id>/vehicles/new", methods=["GET", "POST"])
@page_requires("customer.edit")
def vehicle_new(customer_id: int):
    owner = services.get_customer(customer_id, current_user)
    vehicle, response = handle_form(
        lambda data: services.create_vehicle(owner, data),
        "registry/vehicle_form.html", VEHICLE_FORM, customer=owner, vehicle=None,
    )
    if vehicle is None:
        return response
    flash(_("Vehicle saved."), "success")
    return redirect(url_for("registry.vehicle", vehicle_id=vehicle.id))


@bp.get("/vehicles/<int:vehicle_id>")
@page_requires("customer.view")
def vehicle(vehicle_id: int):
    found = services.get_vehicle(vehicle_id, current_user)
    return render_template("registry/vehicle.html", vehicle=found,
                           installations=devices.vehicle_history(found.id),
                           history=_history("vehicles", found.id))


@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@page_requires("customer.edit")
def vehicle_edit(vehicle_id: int):
    found = services.get_vehicle(vehicle_id, current_user)
    saved, response = handle_form(
        lambda data: services.update_vehicle(found, data),
        "registry/vehicle_form.html", VEHICLE_FORM,
        initial={key: getattr(found, key) or "" for key in VEHICLE_FORM},
        customer=found.customer, vehicle=found,
    )
    if saved is None:
        return response
    flash(_("Vehicle saved."), "success")
    return redirect(url_for("registry.vehicle", vehicle_id=found.id))


# --- terminals ------------------------------------------------------------------------------

@bp.get("/terminals")
@page_requires("device.view")
def terminals():
    q, status = request.args.get("q", ""), request.args.get("status", "")
    page = db.paginate(services.search_terminals(q, status), page=_page(), per_page=50,
                       error_out=False)
    return render_template("registry/terminals.html", page=page, q=q, status=status,
                           statuses=TERMINAL_STATUSES)


@bp.route("/terminals/new", methods=["GET", "POST"])
@page_requires("device.edit")
def terminal_new():
    terminal, response = handle_form(services.create_terminal, "registry/terminal_form.html",
                                     TERMINAL_FORM, terminal=None)
    if terminal is None:
        return response
    flash(_("Terminal saved."), "success")
    return redirect(url_for("registry.terminal", terminal_pk=terminal.id))


@bp.get("/terminals/<int:terminal_pk>")
@page_requires("device.view")
def terminal(terminal_pk: int):
    found = services.get_or_404(Terminal, terminal_pk)
    return render_template("registry/terminal.html", terminal=found,
                           history=_history("terminals", found.id))


@bp.route("/terminals/<int:terminal_pk>/edit", methods=["GET", "POST"])
@page_requires("device.edit")
def terminal_edit(terminal_pk: int):
    found = services.get_or_404(Terminal, terminal_pk)
    saved, response = handle_form(
        lambda data: services.update_terminal(found, data), "registry/terminal_form.html",
        TERMINAL_FORM, initial={key: getattr(found, key) or "" for key in TERMINAL_FORM},
        terminal=found,
    )
    if saved is None:
        return response
    flash(_("Terminal saved."), "success")
    return redirect(url_for("registry.terminal", terminal_pk=found.id))


# --- SIM cards ------------------------------------------------------------------------------

@bp.get("/sims")
@page_requires("device.view")
def sims():
    q, status = request.args.get("q", ""), request.args.get("status", "")
    page = db.paginate(services.search_sims(q, status), page=_page(), per_page=50,
                       error_out=False)
    return render_template("registry/sims.html", page=page, q=q, status=status,
                           statuses=SIM_STATUSES)


@bp.route("/sims/new", methods=["GET", "POST"])
@page_requires("device.edit")
def sim_new():
    sim, response = handle_form(services.create_sim, "registry/sim_form.html", SIM_FORM, sim=None)
    if sim is None:
        return response
    flash(_("SIM card saved."), "success")
    return redirect(url_for("registry.sim", sim_pk=sim.id))


@bp.get("/sims/<int:sim_pk>")
@page_requires("device.view")
def sim(sim_pk: int):
    found = services.get_or_404(Sim, sim_pk)
    return render_template("registry/sim.html", sim=found, history=_history("sims", found.id))


@bp.route("/sims/<int:sim_pk>/edit", methods=["GET", "POST"])
@page_requires("device.edit")
def sim_edit(sim_pk: int):
    found = services.get_or_404(Sim, sim_pk)
    saved, response = handle_form(
        lambda data: services.update_sim(found, data), "registry/sim_form.html", SIM_FORM,
        initial={key: getattr(found, key) or "" for key in SIM_FORM}, sim=found,
    )
    if saved is None:
        return response
    flash(_("SIM card saved."), "success")
    return redirect(url_for("registry.sim", sim_pk=found.id))
