"""Promises API: an order's messages to the customer, and the late / at-risk orders."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.notify.models import Message
from dispatch.web.api import api_requires, current_api_user
from workorders.access import contact_hidden, get_order
from workorders.promises.clocks import orders_late_or_at_risk

bp = APIBlueprint("promises_api", __name__, url_prefix="/api/v1", tag="Promises")


class MessageOut(Schema):
    event = String()
    channel = String()
    to = String(attribute="recipient")
    status = String()
    attempts = Integer()
    error = String(allow_none=True)
    created_at = DateTime()
    sent_at = DateTime(allow_none=True)


class MessageList(Schema):
    items = List(Nested(MessageOut))


class ArrivalOut(Schema):
    id = Integer()
    number = String()
    status = String()
    priority = String()
    arrive_by = DateTime()
    technician_id = Integer(allow_none=True)
    state = String()


class ArrivalList(Schema):
    late = Integer()
    at_risk = Integer()
    items = List(Nested(ArrivalOut))


def order_messages(order_id: int) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.order_id == order_id)
                                   .order_by(Message.id)))


def masked(message: Message) -> Message | dict:
    return {**{key: getattr(message, key) for key in ("event", "channel", "status", "attempts",
                                                       "error", "created_at", "sent_at")},
            "recipient": "***"}


@bp.get("/workorders/<int:order_id>/notifications")
@api_requires("order.notifications")
@bp.output(MessageList)
def notifications(order_id: int):
    """The order's messages to the customer: event, channel, recipient, queued / sending /
    sent / failed (with why) / skipped. The recipient is masked where the caller may not see
    the customer's contact data (R18)."""
    user = current_api_user()
    order = get_order(order_id, user)
    rows = order_messages(order.id)
    return {"items": [masked(m) for m in rows] if contact_hidden(order, user) else rows}


@bp.get("/workorders/late")
@api_requires("order.stats")
@bp.output(ArrivalList)
def late_orders():
    """R10: orders not reached yet that are past their arrival target (late) or within the
    at-risk margin of it, soonest target first, with the counts."""
    return orders_late_or_at_risk(current_api_user())
