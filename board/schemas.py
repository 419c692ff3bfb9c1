"""API shapes of the dispatcher's tools."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import EXCLUDE

from board.filters import WINDOW_FILTERS
from dispatch.web.schemas import day_field, id_field
from workorders.models import KINDS, PRIORITIES
from workorders.schemas import OrderSummary


class CandidateQuery(Schema):
    available_only = Integer(load_default=0, validate=Range(min=0, max=1))
    limit = Integer(validate=Range(min=1, max=10_000),
                    metadata={"description": "only the best N (default: every active technician)"})


class CandidateOut(Schema):
    technician_id = Integer()
    name = String()
    distance_km = Float()
    eta_minutes = Integer()
    score = Float()
    available = Boolean()
    position_source = String()
    load = Integer()  # type: ignore[assignment]  # a field: marshmallow takes it out of the class
    capacity = Integer()
    reasons = List(String())


class CandidateList(Schema):
    items = List(Nested(CandidateOut))


class AutoAssignIn(Schema):
    date = day_field(required=True)
    order_ids = List(id_field(), validate=Length(max=5000))


class OrderBrief(Schema):
    order_id = Integer()
    number = String()
    plate = String()
    customer_name = String()
    kind = String()
    priority = String()
    window = String(metadata={"description": "day and clocks in the configured zone; empty "
                                             "without a window"})
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)


class PairOut(OrderBrief):
    technician_id = Integer()
    technician_name = String()


class PointIn(Schema):
    lat = Float()
    lon = Float()


class RouteStopOut(OrderBrief):
    arrival = String()


class RouteOut(Schema):
    technician_id = Integer()
    technician_name = String()
    order_ids = List(Integer())
    km = Float()
    start = Nested(PointIn, allow_none=True)
    arrivals = Dict(keys=String(), values=String())
    stops = List(Nested(RouteStopOut))


class UnassignedOut(OrderBrief):
    reason = String()


class AutoAssignOut(Schema):
    date = Date()
    assignments = List(Nested(PairOut))
    total_km = Float()
    assignment_km = Float()
    routes = List(Nested(RouteOut))
    unassigned = List(Nested(UnassignedOut))


class AcceptItem(Schema):
    """A pair to assign; the proposal's other fields (number, plate…) may be sent back as they
    came and are ignored."""

    class Meta:
        unknown = EXCLUDE

    order_id = id_field(required=True)
    technician_id = id_field(required=True)
    position = Integer(validate=Range(min=1, max=1000))


class AcceptIn(Schema):
    date = day_field(required=True)
    assignments = List(Nested(AcceptItem), required=True, validate=Length(min=1, max=5000))


class AcceptResult(Schema):
    order_id = Integer()
    status = String()
    error = String()
    fields = Dict()  # type: ignore[assignment]  # a field: marshmallow takes it out of the class


class AcceptOut(Schema):
    results = List(Nested(AcceptResult))


class DayPlanIn(Schema):
    date = day_field(required=True)
    order_ids = List(id_field(), validate=Length(max=5000))
    technician_ids = List(id_field(), validate=Length(max=5000),
                          metadata={"description": "only these technicians (default: every "
                                                   "active staff technician)"})
    budget_seconds = Float(metadata={"description": "the solver's time budget (default: the "
                                                    "DISPATCH_DAY_PLAN_SECONDS setting)"})


class DayPlanOut(Schema):
    id = Integer()
    date = Date()
    status = String(metadata={"description": "queued, running, done, failed or accepted"})
    progress = Integer(metadata={"description": "percent of the time budget spent"})
    budget_seconds = Float()
    elapsed_seconds = Float()
    greedy_km = Float(allow_none=True, metadata={"description": "today's plan: assign by "
                                                                "distance, then route"})
    best_km = Float(allow_none=True, metadata={"description": "the best total driving so far"})
    method = String(allow_none=True, metadata={"description": "joint, or greedy when the joint "
                                                              "solve found nothing better"})
    error = String(allow_none=True)
    created_at = DateTime()
    finished_at = DateTime(allow_none=True)
    accepted_at = DateTime(allow_none=True)
    proposal = Nested(AutoAssignOut, allow_none=True)


class DayPlanAcceptIn(Schema):
    assignments = List(Nested(AcceptItem), validate=Length(min=1, max=5000),
                       metadata={"description": "the reviewed pairs (default: the proposal's)"})


class DayPlanAcceptOut(AcceptOut):
    plan = Nested(DayPlanOut)


class BoardQuery(Schema):
    bbox = String(load_default="", validate=Length(max=100),
                  metadata={"description": "south,west,north,east"})
    q = String(validate=Length(max=100),
               metadata={"description": "WO number, plate, customer or address contains"})
    kind = String(validate=OneOf(KINDS))
    priority = String(validate=OneOf(PRIORITIES))
    district = String(validate=Length(max=50),
                      metadata={"description": "the site address contains (e.g. 西湖区)"})
    window = String(validate=OneOf(WINDOW_FILTERS),
                    metadata={"description": "today, later (a window after today) or none"})


class PointOut(Schema):
    id = Integer()
    number = String()
    site_lat = Float()
    site_lon = Float()
    priority = String()
    status = String()
    kind = String()


class RouteStop(Schema):
    order_id = Integer()
    number = String()
    lat = Float(allow_none=True)
    lon = Float(allow_none=True)
    status = String()


class BoardTechnician(Schema):
    id = Integer()
    name = String()
    lat = Float()
    lon = Float()
    position_source = String()
    last_seen_at = DateTime(allow_none=True)
    position_age_minutes = Float(allow_none=True)
    load = Integer()  # type: ignore[assignment]  # a field: marshmallow takes it out of the class
    capacity = Integer()
    on_shift = Boolean()
    contractor = Boolean()
    route = List(Nested(RouteStop))


class ArrivalItem(Schema):
    id = Integer()
    number = String()
    status = String()
    arrive_by = String()
    arrive_by_text = String(metadata={"description": "the target in the configured zone"})
    state = String(metadata={"description": "late or at_risk"})


class ArrivalCounts(Schema):
    late = Integer()
    at_risk = Integer()
    items = List(Nested(ArrivalItem))


class BoardQueueItem(OrderSummary):
    window = String(metadata={"description": "day and clocks in the configured zone"})
    arrival = String(metadata={"description": "R10: late, at_risk or empty"})


class BoardOut(Schema):
    generated_at = String()
    open_total = Integer()
    arrival = Nested(ArrivalCounts, metadata={"description": "R10: orders late or at risk"})
    queue = List(Nested(BoardQueueItem))
    points = List(Nested(PointOut))
    technicians = List(Nested(BoardTechnician))


class SitePointIn(Schema):
    lat = Float(required=True)
    lon = Float(required=True)
