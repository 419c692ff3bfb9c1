"""API shapes of complaints, callbacks, care statistics and incentives."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from dispatch.web.schemas import MONEY_DOC, id_field, month_field
from workorders.care.models import CAUSES, CHANNELS, DEPARTMENTS, SEVERITIES

VIEWS = ("open", "overdue", "due_soon", "no_notice", "answer_overdue", "all")
PROMISE_STATES = ("all", "pending", "kept", "missed", "replaced")


class ComplaintIn(Schema):
    customer_id = id_field(required=True)
    workorder_id = id_field(allow_none=True)
    severity = String(required=True, validate=OneOf(SEVERITIES))
    channel = String(required=True, validate=OneOf(CHANNELS))
    description = String(required=True, validate=Length(max=4000))
    overseas = Boolean(load_default=False)
    resolution = String(validate=Length(max=4000),
                        metadata={"description": "minor complaints only: resolved at once"})


class NoticeIn(Schema):
    promised_reply_at = String(required=True, validate=Length(max=40))


class ResolveIn(Schema):
    resolution = String(required=True, validate=Length(max=4000))
    cause = String(required=True, validate=OneOf(CAUSES))
    responsible_department = String(required=True, validate=OneOf(DEPARTMENTS))
    responsible_user_id = id_field(allow_none=True)


class FollowUpIn(Schema):
    reached = Boolean(required=True)
    satisfied = Boolean(allow_none=True)
    notes = String(load_default="", validate=Length(max=1000))


class FollowUpOut(Schema):
    at = DateTime()
    user = String(attribute="user.display_name")
    reached = Boolean()
    satisfied = Boolean(allow_none=True)
    notes = String()


class ComplaintOut(Schema):
    id = Integer()
    number = String()
    customer_id = Integer()
    customer_name = String(attribute="customer.name")
    workorder_id = Integer(allow_none=True)
    channel = String()
    severity = String()
    status = String()
    description = String()
    overseas = Boolean()
    received_at = DateTime()
    due_at = DateTime()
    answer_due_at = DateTime()
    promised_reply_at = DateTime(allow_none=True)
    notice_at = DateTime(allow_none=True)
    cause = String(allow_none=True)
    responsible_department = String(allow_none=True)
    responsible_user_id = Integer(allow_none=True)
    resolution = String()
    resolved_at = DateTime(allow_none=True)
    closed_at = DateTime(allow_none=True)
    follow_ups = List(Nested(FollowUpOut))
    owner_id = Integer(metadata={"description": "R13: who answers for it until it is closed"})
    owner = String(attribute="owner.display_name")


class PromiseQuery(Schema):
    state = String(load_default="all", validate=OneOf(PROMISE_STATES))


class PromiseOut(Schema):
    complaint_id = Integer(attribute="complaint.id")
    number = String(attribute="complaint.number")
    promised_at = DateTime(attribute="promise.promised_at")
    made_at = DateTime(attribute="promise.made_at")
    answered_at = DateTime(attribute="complaint.resolved_at", allow_none=True)
    state = String()


class PromiseList(Schema):
    items = List(Nested(PromiseOut))


class ComplaintQuery(Schema):
    view = String(load_default="open", validate=OneOf(VIEWS))


class ComplaintList(Schema):
    items = List(Nested(ComplaintOut))


class CallbackIn(Schema):
    workorder_id = id_field(required=True)
    reached = Boolean(required=True)
    satisfaction = Integer(allow_none=True, validate=Range(min=1, max=5))
    notes = String(load_default="", validate=Length(max=1000))


class CallbackOut(Schema):
    id = Integer()
    workorder_id = Integer()
    at = DateTime()
    reached = Boolean()
    satisfaction = Integer(allow_none=True)
    notes = String()
    order_closable = Boolean()


class QueueItem(Schema):
    id = Integer()
    number = String()
    completed_at = DateTime()
    customer_name = String()
    failed_attempts = Integer()
    waiting_for_decision = Boolean(metadata={
        "description": "R14: the set number of attempts failed; a manager decides"})


class DecisionIn(Schema):
    workorder_id = id_field(required=True)
    reason = String(required=True, validate=Length(max=300))


class DecisionOut(Schema):
    id = Integer()
    workorder_id = Integer()
    decided_by_id = Integer()
    decided_at = DateTime()
    reason = String()


class OwnerIn(Schema):
    user_id = id_field(required=True)


class ProblemsQuery(Schema):
    user_id = id_field(metadata={"description": "another employee's list (managers)"})


class ProblemOrder(Schema):
    id = Integer()
    number = String()
    kind = String()
    status = String()
    customer_name = String(attribute="customer.name")
    created_at = DateTime()


class ProblemsOut(Schema):
    user_id = Integer()
    orders = List(Nested(ProblemOrder))
    complaints = List(Nested(ComplaintOut))


class QueueOut(Schema):
    items = List(Nested(QueueItem))


class MonthQuery(Schema):
    month = month_field(required=True)


class CareStatsOut(Schema):
    month = String()
    complaints = Integer()
    overdue = Integer()
    by_severity = Dict()
    by_cause = Dict()
    by_department = Dict()
    resolve_days = Dict()
    callbacks = Dict()


class IncentiveRow(Schema):
    technician_id = Integer()
    technician = String()
    orders = Integer()
    points = String()
    incidents = Integer()
    net_points = String()
    points_above_base = String()
    points_pay = String(metadata=MONEY_DOC)
    parts_revenue = String(metadata=MONEY_DOC)
    parts_credit = String(metadata=MONEY_DOC)
    total = String(metadata=MONEY_DOC)


class RankingRow(Schema):
    place = Integer()
    technician_id = Integer()
    technician = String()
    satisfaction = String(allow_none=True, metadata={
        "description": "mean callback satisfaction (1-5) on the quarter's orders"})
    complaints = Integer(metadata={"description": "complaints attributed to the technician"})
    quality = String(metadata={"description": "satisfaction (3 without one) less one per "
                                              "attributed complaint: ranks first"})
    points = String(metadata={"description": "the quarter's net points: rank second"})
    incidents = Integer()
    bonus = String()


class IncentivesOut(Schema):
    month = String()
    items = List(Nested(IncentiveRow))
    quarter = String(metadata={"description": "the month's quarter, YYYY-Qn"})
    ranking = List(Nested(RankingRow))
