"""First-contact ownership (R13): each employee's open problems — the work orders and the
complaints they own that are not yet closed — on one list, the page "My open problems" and
``GET /api/v1/me/problems``."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from dispatch.auth.models import User
from dispatch.errors import Forbidden, NotFound
from dispatch.extensions import db
from workorders.access import visible_orders
from workorders.care.complaints import visible_complaints
from workorders.care.models import Complaint
from workorders.models import WorkOrder

#: A list is bounded; an employee with more open problems sees the oldest first.
LIMIT = 500


def employee_for(user: User, employee_id: Any = None) -> User:
    """Whose list ``user`` reads: their own, or (a manager) any employee's."""
    if employee_id in (None, "", user.id, str(user.id)):
        return user
    if not user.has_role("manager"):
        raise Forbidden(_l("Only a manager reads another employee's open problems."))
    employee = None
    try:
        employee = db.session.get(User, int(employee_id))
    except (TypeError, ValueError):
        employee = None
    if employee is None:
        raise NotFound(_l("No such employee."))
    return employee


def open_problems(employee: User, reader: User) -> dict[str, list[Any]]:
    """The orders (not closed or cancelled: a completed one still waits for its callback) and
    complaints (not closed) ``employee`` owns, as ``reader`` may see them, oldest first."""
    orders = db.session.scalars(
        visible_orders(reader).where(WorkOrder.owner_id == employee.id,
                                     WorkOrder.status.not_in(("closed", "cancelled")))
        .order_by(WorkOrder.created_at, WorkOrder.id).limit(LIMIT)).all()
    complaints = db.session.scalars(
        visible_complaints(reader).where(Complaint.owner_id == employee.id,
                                         Complaint.status != "closed")
        .order_by(Complaint.received_at, Complaint.id).limit(LIMIT)).all()
    return {"orders": list(orders), "complaints": list(complaints)}
