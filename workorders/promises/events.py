"""Messages to the customer, written in the transaction of the change that causes them.

``collect_events`` (``before_flush``) notes what happened: an order approved, en route or
completed (its history entry), a complaint registered, a reply time promised, a complaint
answered. ``write_events`` (``before_commit``) turns each into its message and outbox job in
the same transaction: the change and its message commit together or not at all. Each event
has one key (``order_en_route:<history id>``, ``complaint_answered:<id>``…), so it is never
messaged twice.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import inspect
from sqlalchemy.orm import Session, SessionTransaction

from dispatch.notify.delivery import queue_message
from dispatch.notify.templates import LINK
from dispatch.timeutil import local_text
from workorders.care.models import Complaint, ComplaintPromise
from workorders.models import WorkOrder, WorkOrderEvent
from workorders.promises import links, page

ORDER_EVENTS = {"approve": "order_approved", "en_route": "order_en_route",
                "complete": "order_completed"}
_PENDING = "promises_events"


def collect_events(session: Session, flush_context: Any, instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, WorkOrderEvent) and obj.action in ORDER_EVENTS:
            pending.append(("order", obj))
        elif isinstance(obj, Complaint):
            pending.append(("complaint_registered", obj))
        elif isinstance(obj, ComplaintPromise):
            pending.append(("complaint_promised", obj))
    for obj in session.dirty:
        if isinstance(obj, Complaint) and obj.status == "resolved" and \
                inspect(obj).attrs.status.history.has_changes():
            pending.append(("complaint_answered", obj))


def write_events(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this hook: collect its events first
    while session.info.get(_PENDING):
        pending, session.info[_PENDING] = session.info[_PENDING], []
        for kind, obj in pending:
            if kind == "order":
                _order_message(obj)
            else:
                _complaint_message(kind, obj)
        session.flush()


def forget_events(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _order_message(event: WorkOrderEvent) -> None:
    order: WorkOrder = event.order
    customer, name = order.customer, ORDER_EVENTS[event.action]
    links.ensure_link(order)  # an order from before links gets its link now
    # The stored message keeps a placeholder: the token is put in only when it is sent.
    params: dict[str, object] = {"number": order.number, "link": LINK}
    with force_locale(customer.language):
        if name == "order_approved":
            params["window"] = page.window_text(order) or _("as soon as possible")
        elif name == "order_en_route":
            arrival = page.eta(order)
            params["eta"] = local_text(arrival) if arrival else _("soon")
            params["technician"] = page.given_name(order.technician.name) \
                if order.technician else _("Your technician")
    queue_message(f"{name}:{event.id}", name, preference=customer.contact_preference,
                  email=customer.email, phone=order.contact_phone or customer.phone,
                  language=customer.language, params=params, order_id=order.id,
                  customer_id=customer.id)


def _complaint_message(name: str, obj: Complaint | ComplaintPromise) -> None:
    complaint = obj.complaint if isinstance(obj, ComplaintPromise) else obj
    customer = complaint.customer
    params: dict[str, object] = {"number": complaint.number}
    if name == "complaint_registered":
        key = f"{name}:{complaint.id}"
        params["answer_due"] = local_text(complaint.answer_due_at)
    elif name == "complaint_promised":
        key = f"{name}:{obj.id}"
        params["promised"] = local_text(obj.promised_at)  # type: ignore[union-attr]
    else:
        key = f"{name}:{complaint.id}"
        params["answer"] = complaint.resolution[:500]
    queue_message(key, name, preference=customer.contact_preference, email=customer.email,
                  phone=customer.phone, language=customer.language, params=params,
                  order_id=complaint.workorder_id, complaint_id=complaint.id,
                  customer_id=customer.id)
