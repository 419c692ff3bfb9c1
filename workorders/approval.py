"""The manager's approval queue (R3): what waits, approving several at once, and sending an
order back to its agent with a reason (it leaves the queue until the agent sends it again).

"Sent back" is read from the order's history (a ``send_back`` entry with no later
``resubmit``), so the order keeps its status ``new`` and the state machine is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select

from dispatch.auth.models import User
from dispatch.errors import Conflict, DomainError, FieldErrors, Forbidden
from dispatch.extensions import db
from dispatch.handovers.log import Notification
from dispatch.text import clean_text
from workorders.access import count_visible, get_order, visible_orders
from workorders.assignment import approve
from workorders.lifecycle import record
from workorders.models import WorkOrder, WorkOrderEvent


def _last(action: str) -> Any:
    return (select(func.max(WorkOrderEvent.id))
            .where(WorkOrderEvent.order_id == WorkOrder.id, WorkOrderEvent.action == action)
            .correlate(WorkOrder).scalar_subquery())


def sent_back() -> ColumnElement[bool]:
    """Orders whose latest send-back has not been answered by a resubmission."""
    back, again = _last("send_back"), _last("resubmit")
    return and_(back.is_not(None), or_(again.is_(None), again < back))


def queue(user: User) -> Select[WorkOrder]:
    """What waits for approval: urgent first, then oldest first."""
    return (visible_orders(user).where(WorkOrder.status == "new", not_(sent_back()))
            .order_by(WorkOrder.priority.desc(), WorkOrder.created_at, WorkOrder.id))


def returned(user: User) -> Select[WorkOrder]:
    """Orders sent back to their agents, waiting for them."""
    return (visible_orders(user).where(WorkOrder.status == "new", sent_back())
            .order_by(WorkOrder.created_at, WorkOrder.id))


def waiting_count(user: User) -> int:
    if not user.can("order.approve"):
        return 0
    return count_visible(user, WorkOrder.status == "new", not_(sent_back()))


def is_sent_back(order: WorkOrder) -> bool:
    return order.status == "new" and db.session.scalar(
        select(WorkOrder.id).where(WorkOrder.id == order.id, sent_back())) is not None


@dataclass
class Outcome:
    approved: list[WorkOrder] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def approve_many(order_ids: Iterable[Any], user: User) -> Outcome:
    """Approve each chosen order the user may see and approve; the others are listed with why
    (one refusal does not stop the rest)."""
    if not user.can("order.approve"):
        raise Forbidden(_l("Only a manager approves orders."))
    outcome = Outcome()
    ids = sorted({int(i) for i in order_ids if str(i).isdigit()})
    if not ids:
        errors = FieldErrors()
        errors.add("order_ids", _l("Choose at least one order."))
        errors.raise_if_any()
    for order_id in ids:
        try:  # every refusal comes before the order's first write
            order = get_order(order_id, user, for_update=True)
            approve(order, user)
            outcome.approved.append(order)
        except DomainError as exc:
            number = db.session.scalar(select(WorkOrder.number).where(WorkOrder.id == order_id))
            outcome.refused.append((number or f"#{order_id}", str(exc.message)))
    return outcome


def send_back(order: WorkOrder, reason: Any, user: User) -> WorkOrder:
    """Return a new order to its agent with a reason; the agent is notified."""
    if not user.can("order.approve"):
        raise Forbidden(_l("Only a manager sends an order back."))
    if order.status != "new" or is_sent_back(order):
        raise Conflict(_l("Only an order waiting for approval can be sent back."))
    errors = FieldErrors()
    why = errors.check("reason", clean_text, reason, max_len=300, required=True)
    errors.raise_if_any()
    record(order, "send_back", user, note=why)
    db.session.add(Notification(
        user_id=order.owner_id, link=url_for("workorders.show", order_id=order.id),
        message=str(_l("%(number)s sent back: %(reason)s", number=order.number,
                       reason=why))[:300]))
    return order


def resubmit(order: WorkOrder, user: User, note: Any = "") -> WorkOrder:
    """The agent sends a sent-back order to the approval queue again."""
    if not user.can("order.create"):
        raise Forbidden(_l("Only an agent or a manager sends an order again."))
    if not is_sent_back(order):
        raise Conflict(_l("This order was not sent back."))
    errors = FieldErrors()
    text = errors.check("note", clean_text, note, max_len=300)
    errors.raise_if_any()
    record(order, "resubmit", user, note=text or "")
    return order
