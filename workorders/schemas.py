"""API shapes of work orders (the OpenAPI document is generated from these)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import (
    Boolean,
    Date,
    DateTime,
    Dict,
    Float,
    Integer,
    List,
    Method,
    Nested,
    String,
)
from apiflask.validators import Length, OneOf, Range
from marshmallow import post_dump

from dispatch.registry.schemas import CustomerIn
from dispatch.web.schemas import Money, PageQuery, day_field, id_field, money_in
from workorders.fees import due_from
from workorders.lifecycle import STATUSES
from workorders.models import KINDS, PAYMENT_METHODS, PRIORITIES, SWAP_KINDS


class OrderIn(Schema):
    kind = String(required=True, validate=OneOf(KINDS))
    customer_id = id_field()
    customer = Nested(CustomerIn, metadata={"description": "create the customer inline"})
    plate = String(required=True, validate=Length(max=30))
    address = String(validate=Length(max=300))
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)
    contact_name = String(validate=Length(max=100))
    contact_phone = String(validate=Length(max=40))
    product_model = String(required=True, validate=Length(max=60))
    purchase_date = String(allow_none=True, validate=Length(max=20))
    fault_description = String(validate=Length(max=2000))
    terminal_id = String(allow_none=True, validate=Length(max=40))
    imei = String(allow_none=True, validate=Length(max=30))
    iccid = String(allow_none=True, validate=Length(max=30))
    priority = String(validate=OneOf(PRIORITIES))
    window_start = String(allow_none=True, validate=Length(max=40))
    window_end = String(allow_none=True, validate=Length(max=40))


class OrderQuery(PageQuery):
    status = String(load_default="", validate=OneOf(("", *STATUSES)))
    priority = String(load_default="", validate=OneOf(("", *PRIORITIES)))
    kind = String(load_default="", validate=OneOf(("", *KINDS)))
    technician_id = id_field(load_default=None)
    plate = String(load_default="", validate=Length(max=30))
    date_from = day_field(load_default=None)
    date_to = day_field(load_default=None)
    after = id_field(load_default=None, metadata={
        "description": "keyset pagination: the orders after this order id (no total counted)"})


class EventOut(Schema):
    at = DateTime()
    action = String()
    from_status = String(allow_none=True)
    to_status = String(allow_none=True)
    user = String(attribute="user.display_name", allow_none=True)
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)
    note = String()


class SwapOut(Schema):
    id = Integer()
    kind = String()
    old = String(attribute="old_identifier", allow_none=True)
    new = String(attribute="new_identifier", allow_none=True)
    reason = String()
    applied_at = DateTime(allow_none=True)


class PartOut(Schema):
    id = Integer()
    sku = String()
    name = String()
    qty = Integer()
    serial = String(allow_none=True)
    unit_price = Money()
    amount = Money()


class FeeLineOut(Schema):
    description = String()
    sku = String(allow_none=True)
    qty = Integer()
    unit_price = Money()
    amount = Money()


class FeeOut(Schema):
    lines = List(Nested(FeeLineOut))
    total = Money()
    in_warranty = Boolean(allow_none=True)
    warranty_end = Date(allow_none=True)
    basis = String()
    override = Money(allow_none=True)
    fee = Money()


class OrderSummary(Schema):
    id = Integer()
    number = String()
    kind = String()
    status = String()
    priority = String()
    customer_id = Integer()
    customer_name = String(attribute="customer.name")
    plate = String(attribute="vehicle.plate")
    site_address = String()
    site_lat = Float(allow_none=True)
    site_lon = Float(allow_none=True)
    technician_id = Integer(allow_none=True)
    created_at = DateTime()
    fee = Money(allow_none=True, of=lambda order: due_from(order.fee_override, order.fee_total))

    @post_dump(pass_original=True)
    def _confidential(self, data, order, **kwargs):
        """R18: mask a confidential customer's contact data for roles that do not need it."""
        from dispatch.web.api import current_api_user
        from workorders.access import order_contact

        shown = order_contact(order, current_api_user())
        return {**data, **{key: value for key, value in shown.items() if key in data}}


class OrderPage(Schema):
    items = List(Nested(OrderSummary))
    total = Integer(allow_none=True)
    total_capped = Boolean(metadata={"description": "more orders match than were counted: "
                                     "total is a lower bound"})
    page = Integer(allow_none=True)
    per_page = Integer()
    next_after = Integer(allow_none=True)


class OrderOut(OrderSummary):
    contact_name = String()
    contact_phone = String()
    product_model = String()
    purchase_date = Date(allow_none=True)
    fault_description = String()
    terminal_id = String(attribute="reported_terminal_id", allow_none=True)
    imei = String(attribute="reported_imei", allow_none=True)
    iccid = String(attribute="reported_iccid", allow_none=True)
    window_start = DateTime(allow_none=True)
    window_end = DateTime(allow_none=True)
    arrive_by = DateTime(allow_none=True, metadata={"description": "R10: the arrival target"})
    arrival = String(metadata={"description": "late, at_risk or empty"})
    tracking_url = String(metadata={"description": "the customer link (no login)"})
    owner_id = Integer()
    approved_by_id = Integer(allow_none=True)
    contractor_approved_by_id = Integer(allow_none=True)
    resolution = String()
    payment_method = String(allow_none=True)
    amount_collected = Money(allow_none=True)
    fee_total = Money(allow_none=True)
    fee_override = Money(allow_none=True)
    fee_override_reason = String(allow_none=True)
    in_warranty = Boolean(allow_none=True)
    cancel_reason = String(allow_none=True)
    approved_at = DateTime(allow_none=True)
    assigned_at = DateTime(allow_none=True)
    en_route_at = DateTime(allow_none=True)
    on_site_at = DateTime(allow_none=True)
    completed_at = DateTime(allow_none=True)
    closed_at = DateTime(allow_none=True)
    cancelled_at = DateTime(allow_none=True)
    history = List(Nested(EventOut), attribute="events")
    swaps = List(Nested(SwapOut))
    parts = List(Nested(PartOut))
    documents = Method("get_documents")
    figures = Method("get_figures")
    warnings = List(String())

    def get_documents(self, order):
        return []

    def get_figures(self, order):
        from workorders.queries import order_figures

        return order_figures(order)


class AssignIn(Schema):
    technician_id = id_field(required=True)
    contractor_reason = String(validate=Length(max=300), metadata={
        "description": "R12: why an outside contractor while in-house technicians are available"})


class StatusIn(Schema):
    status = String(required=True, validate=OneOf(("en_route", "on_site")))
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)
    far_confirmed = Boolean(load_default=False, metadata={
        "description": "on site although farther from the site than DISPATCH_ONSITE_MAX_KM"})


class SwapIn(Schema):
    kind = String(required=True, validate=OneOf(SWAP_KINDS))
    old = String(allow_none=True, validate=Length(max=40))
    new = String(allow_none=True, validate=Length(max=40))
    reason = String(validate=Length(max=300))


class PartIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    qty = Integer(load_default=1, validate=Range(min=1, max=1000))
    serial = String(allow_none=True, validate=Length(max=40))


class PartCorrectionIn(Schema):
    qty = Integer(required=True, validate=Range(min=1, max=1000))


class CompleteIn(Schema):
    resolution = String(load_default="", validate=Length(max=2000))
    payment_method = String(required=True, validate=OneOf(PAYMENT_METHODS))
    amount_collected = money_in(required=True)
    signature_png_base64 = String(required=True, validate=Length(max=800_000))
    #: Completes an order whose new terminal does not report yet (SPEC §10), recorded.
    activation_override_reason = String(load_default=None, validate=Length(max=300))
    purchase_date = String(validate=Length(max=40), metadata={
        "description": "R1, R2: needed when no install or purchase date is on record "
                       "(the fee's basis is warranty_unknown)"})


class CompleteOut(Schema):
    status = String()
    fee = Money()
    invoice_number = String(allow_none=True)


class CancelIn(Schema):
    reason = String(required=True, validate=Length(max=300))


class FeeOverrideIn(Schema):
    amount = money_in(required=True)
    reason = String(required=True, validate=Length(max=300))


class OwnerIn(Schema):
    user_id = id_field(required=True)


class StatusOut(Schema):
    id = Integer()
    number = String()
    status = String()


class StatsQuery(Schema):
    date_from = day_field(required=True)
    date_to = day_field(required=True)


class StatsOut(Schema):
    date_from = String()
    date_to = String()
    all = Dict()
    install = Dict()
    repair = Dict()
    removal = Dict()
    inspection = Dict()


class PlannedLineIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    qty = Integer(load_default=1, validate=Range(min=1, max=1000))


class PlannedPartsIn(Schema):
    items = List(Nested(PlannedLineIn), required=True, validate=Length(max=50))


class PlannedLineOut(Schema):
    sku = String()
    qty = Integer()


class PickLineOut(Schema):
    sku = String()
    qty = Integer()
    location = String(attribute="location_code", allow_none=True)
    location_kind = String(allow_none=True)
    short = Boolean()


class PlannedPartsOut(Schema):
    items = List(Nested(PlannedLineOut))
    pick_list = List(Nested(PickLineOut))


class ShortageIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    qty = Integer(load_default=1, validate=Range(min=1, max=1000))
    note = String(load_default="", validate=Length(max=300))


class ShortageOut(Schema):
    id = Integer()
    sku = String()
    qty = Integer()
    note = String()
    approved_by_id = Integer()
    approved_at = DateTime()


class ReservationIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    qty = Integer(load_default=1, validate=Range(min=1, max=1000))
    location = String(load_default=None, validate=Length(max=40))
