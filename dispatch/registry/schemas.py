"""API shapes of the registry (OpenAPI is generated from these)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from dispatch.registry.models import (
    CONFIDENTIALITY,
    CONTACT_PREFERENCES,
    CREDIT_CLASSES,
    CUSTOMER_LANGUAGES,
    SIM_STATUSES,
    TERMINAL_STATUSES,
)
from dispatch.web.schemas import PageQuery


class CustomerIn(Schema):
    name = String(required=True, validate=Length(max=200))
    contact_name = String(required=True, validate=Length(max=100))
    phone = String(required=True, validate=Length(max=40))
    address = String(required=True, validate=Length(max=300))
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)
    confidentiality = String(validate=OneOf(CONFIDENTIALITY))
    credit_class = String(validate=OneOf(CREDIT_CLASSES))
    overseas = Boolean()
    notes = String(validate=Length(max=2000))
    email = String(validate=Length(max=200))
    contact_preference = String(validate=OneOf(CONTACT_PREFERENCES))
    language = String(validate=OneOf(CUSTOMER_LANGUAGES))


class CustomerPatch(CustomerIn):
    name = String(validate=Length(max=200))
    contact_name = String(validate=Length(max=100))
    phone = String(validate=Length(max=40))
    address = String(validate=Length(max=300))


class VehicleIn(Schema):
    plate = String(required=True, validate=Length(max=30))
    vin = String(allow_none=True, validate=Length(max=30))
    description = String(validate=Length(max=100))


class VehiclePatch(VehicleIn):
    plate = String(validate=Length(max=30))


class TerminalBrief(Schema):
    id = Integer()
    terminal_id = String()
    imei = String(allow_none=True)
    model = String()
    status = String()


class VehicleOut(Schema):
    id = Integer()
    plate = String()
    vin = String(allow_none=True)
    description = String()
    customer_id = Integer()
    terminals = List(Nested(TerminalBrief))


class CustomerOut(Schema):
    id = Integer()
    name = String()
    contact_name = String()
    phone = String()
    address = String()
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)
    confidentiality = String()
    credit_class = String()
    overseas = Boolean()
    notes = String()
    email = String()
    contact_preference = String()
    language = String()
    created_at = DateTime()
    vehicles = List(Nested(VehicleOut))


class CustomerPage(Schema):
    items = List(Nested(CustomerOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class TerminalIn(Schema):
    terminal_id = String(required=True, validate=Length(max=40))
    imei = String(allow_none=True, validate=Length(max=30))
    model = String(required=True, validate=Length(max=60))
    firmware = String(validate=Length(max=40))
    purchase_date = String(allow_none=True, validate=Length(max=20))
    warranty_end = String(allow_none=True, validate=Length(max=20))


class TerminalPatch(TerminalIn):
    terminal_id = String(validate=Length(max=40))
    model = String(validate=Length(max=60))


class SimBrief(Schema):
    id = Integer()
    iccid = String()
    msisdn = String(allow_none=True)
    carrier = String()
    status = String()


class TerminalOut(TerminalBrief):
    firmware = String()
    vehicle_id = Integer(allow_none=True)
    purchase_date = Date(allow_none=True)
    install_date = Date(allow_none=True)
    warranty_end = Date(allow_none=True)
    sims = List(Nested(SimBrief))


class TerminalQuery(PageQuery):
    status = String(load_default="", validate=OneOf(("", *TERMINAL_STATUSES)))


class TerminalPage(Schema):
    items = List(Nested(TerminalOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class SimIn(Schema):
    iccid = String(required=True, validate=Length(max=30))
    msisdn = String(allow_none=True, validate=Length(max=40))
    carrier = String(validate=Length(max=40))


class SimPatch(SimIn):
    iccid = String(validate=Length(max=30))


class SimOut(SimBrief):
    terminal_ref = Integer(allow_none=True)


class SimQuery(PageQuery):
    status = String(load_default="", validate=OneOf(("", *SIM_STATUSES)))


class SimPage(Schema):
    items = List(Nested(SimOut))
    total = Integer()
    page = Integer()
    per_page = Integer()
