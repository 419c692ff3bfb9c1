"""Registry API: customers, vehicles, terminals and SIM cards."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for
from sqlalchemy.orm import selectinload

from dispatch.extensions import db
from dispatch.registry import schemas as s
from dispatch.registry import services
from dispatch.registry.models import Customer, Sim, Terminal, Vehicle
from dispatch.registry.visibility import show_customer
from dispatch.web.api import api_requires, current_api_user
from dispatch.web.schemas import PageQuery, paginate

bp = APIBlueprint("registry_api", __name__, url_prefix="/api/v1", tag="Registry")


def _created(obj, endpoint: str, **kwargs):
    return obj, 201, {"Location": url_for(endpoint, **kwargs)}


@bp.post("/customers")
@api_requires("customer.edit")
@bp.input(s.CustomerIn, arg_name="body")
@bp.output(s.CustomerOut, status_code=201)
def create_customer(body):
    """Register a customer (agent, manager)."""
    user = current_api_user()
    customer = services.create_customer(body, user)
    db.session.commit()
    return _created(show_customer(customer, user), "registry_api.get_customer", customer_id=customer.id)


@bp.get("/customers")
@api_requires("customer.view")
@bp.input(PageQuery, location="query", arg_name="args")
@bp.output(s.CustomerPage)
def list_customers(args):
    """Search customers by name, contact, phone, plate, terminal ID, IMEI or ICCID."""
    user = current_api_user()
    query = services.search_customers(user, args["q"]).options(
        selectinload(Customer.vehicles).selectinload(Vehicle.terminals))
    page = paginate(query, args)
    return {**page, "items": [show_customer(customer, user) for customer in page["items"]]}


@bp.get("/customers/<int:customer_id>")
@api_requires("customer.view")
@bp.output(s.CustomerOut)
def get_customer(customer_id: int):
    user = current_api_user()
    return show_customer(services.get_customer(customer_id, user), user)


@bp.patch("/customers/<int:customer_id>")
@api_requires("customer.edit")
@bp.input(s.CustomerPatch, arg_name="body")
@bp.output(s.CustomerOut)
def update_customer(customer_id: int, body):
    user = current_api_user()
    customer = services.update_customer(services.get_customer(customer_id, user), body, user)
    db.session.commit()
    return show_customer(customer, user)


@bp.post("/customers/<int:customer_id>/vehicles")
@api_requires("customer.edit")
@bp.input(s.VehicleIn, arg_name="body")
@bp.output(s.VehicleOut, status_code=201)
def create_vehicle(customer_id: int, body):
    """Add a vehicle (plate normalised and validated) to a customer."""
    vehicle = services.create_vehicle(services.get_customer(customer_id, current_api_user()), body)
    db.session.commit()
    return _created(vehicle, "registry_api.get_vehicle", vehicle_id=vehicle.id)


@bp.get("/vehicles/<int:vehicle_id>")
@api_requires("customer.view")
@bp.output(s.VehicleOut)
def get_vehicle(vehicle_id: int):
    return services.get_vehicle(vehicle_id, current_api_user())


@bp.patch("/vehicles/<int:vehicle_id>")
@api_requires("customer.edit")
@bp.input(s.VehiclePatch, arg_name="body")
@bp.output(s.VehicleOut)
def update_vehicle(vehicle_id: int, body):
    vehicle = services.update_vehicle(services.get_vehicle(vehicle_id, current_api_user()), body)
    db.session.commit()
    return vehicle


@bp.post("/terminals")
@api_requires("device.edit")
@bp.input(s.TerminalIn, arg_name="body")
@bp.output(s.TerminalOut, status_code=201)
def create_terminal(body):
    """Register a GPS terminal (IMEI optional, Luhn-checked)."""
    terminal = services.create_terminal(body)
    db.session.commit()
    return _created(terminal, "registry_api.get_terminal", terminal_pk=terminal.id)


@bp.get("/terminals")
@api_requires("device.view")
@bp.input(s.TerminalQuery, location="query", arg_name="args")
@bp.output(s.TerminalPage)
def list_terminals(args):
    return paginate(services.search_terminals(args["q"], args["status"]), args)


@bp.get("/terminals/<int:terminal_pk>")
@api_requires("device.view")
@bp.output(s.TerminalOut)
def get_terminal(terminal_pk: int):
    return services.get_or_404(Terminal, terminal_pk)


@bp.patch("/terminals/<int:terminal_pk>")
@api_requires("device.edit")
@bp.input(s.TerminalPatch, arg_name="body")
@bp.output(s.TerminalOut)
def update_terminal(terminal_pk: int, body):
    terminal = services.update_terminal(services.get_or_404(Terminal, terminal_pk), body)
    db.session.commit()
    return terminal


@bp.post("/sims")
@api_requires("device.edit")
@bp.input(s.SimIn, arg_name="body")
@bp.output(s.SimOut, status_code=201)
def create_sim(body):
    """Register a SIM card (ICCID: 19–20 digits, prefix 89, Luhn)."""
    sim = services.create_sim(body)
    db.session.commit()
    return _created(sim, "registry_api.get_sim", sim_pk=sim.id)


@bp.get("/sims")
@api_requires("device.view")
@bp.input(s.SimQuery, location="query", arg_name="args")
@bp.output(s.SimPage)
def list_sims(args):
    return paginate(services.search_sims(args["q"], args["status"]), args)


@bp.get("/sims/<int:sim_pk>")
@api_requires("device.view")
@bp.output(s.SimOut)
def get_sim(sim_pk: int):
    return services.get_or_404(Sim, sim_pk)


@bp.patch("/sims/<int:sim_pk>")
@api_requires("device.edit")
@bp.input(s.SimPatch, arg_name="body")
@bp.output(s.SimOut)
def update_sim(sim_pk: int, body):
    sim = services.update_sim(services.get_or_404(Sim, sim_pk), body)
    db.session.commit()
    return sim
