"""Office API: the search box and the agent's pickers."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length

from dispatch.web.api import api_requires, current_api_user
from workorders.office import picker
from workorders.office.search import search as run_search

bp = APIBlueprint("office_api", __name__, url_prefix="/api/v1", tag="Search")


class SearchQuery(Schema):
    q = String(load_default="", validate=Length(max=100))


class FoundOrder(Schema):
    id = Integer()
    number = String()
    kind = String()
    status = String()
    plate = String(attribute="vehicle.plate")
    customer = String(attribute="customer.name")


class FoundVehicle(Schema):
    id = Integer()
    plate = String()
    customer_id = Integer()
    customer = String(attribute="customer.name")


class FoundCustomer(Schema):
    id = Integer()
    name = String()
    phone = String()
    address = String()


class FoundTerminal(Schema):
    id = Integer()
    terminal_id = String()
    imei = String(allow_none=True)
    model = String()
    status = String()
    vehicle_id = Integer(allow_none=True)


class FoundSim(Schema):
    id = Integer()
    iccid = String()
    msisdn = String(allow_none=True)
    status = String()


class SearchOut(Schema):
    q = String()
    orders = List(Nested(FoundOrder))
    vehicles = List(Nested(FoundVehicle))
    customers = List(Nested(FoundCustomer))
    terminals = List(Nested(FoundTerminal))
    sims = List(Nested(FoundSim))


class PickedCustomer(Schema):
    id = Integer()
    name = String()
    phone = String()
    district = String()
    address = String()
    contact_name = String()
    credit_class = String()
    plates = List(String())


class PickedVehicle(Schema):
    id = Integer()
    plate = String()
    customer_id = Integer()
    product_model = String()
    terminal_id = String()
    imei = String()
    iccid = String()


@bp.get("/search")
@api_requires("search.use")
@bp.input(SearchQuery, location="query", arg_name="args")
@bp.output(SearchOut)
def search(args):
    """Orders, vehicles, customers and devices matching a WO number, plate, name, phone,
    terminal ID, IMEI (also of a removed terminal) or ICCID; at most 10 of each."""
    return run_search(current_api_user(), args["q"])


@bp.get("/pick/customers")
@api_requires("customer.view")
@bp.input(SearchQuery, location="query", arg_name="args")
@bp.output(PickedCustomer(many=True))
def pick_customers(args):
    """The customer picker's type-ahead: phone, district and plates tell same names apart."""
    return picker.pick_customers(current_api_user(), args["q"])


@bp.get("/pick/customers/<int:customer_id>/vehicles")
@api_requires("customer.view")
@bp.output(PickedVehicle(many=True))
def pick_vehicles(customer_id: int):
    """The customer's vehicles with the terminal and SIM fitted now (to pre-fill an order)."""
    return picker.customer_vehicles(customer_id, current_api_user())
