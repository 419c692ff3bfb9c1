"""The work-order state machine (SPEC §4), the only code that changes ``status``.

Each action names the states it may start from, the state it leads to, the permission it
needs and the timestamp it sets. :func:`transition` refuses anything else with a
:class:`~dispatch.errors.Conflict` (409) or :class:`~dispatch.errors.Forbidden` (403) before
touching the order, and records who, when and where in the order's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from dispatch.auth.models import User
from dispatch.errors import Conflict, Forbidden
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.timeutil import utcnow

if TYPE_CHECKING:
    from workorders.models import WorkOrder, WorkOrderEvent

STATUSES = ("new", "approved", "assigned", "en_route", "on_site", "completed", "closed",
            "cancelled")
# The status groups every room asks about; pages ask through ``allowed_actions`` where they can.
#: Waiting for a technician (the dispatcher's queue).
WAITING = ("new", "approved")
#: A technician holds it: assigned, en route or on site.
IN_HAND = ("assigned", "en_route", "on_site")
#: The technician is on the way or there (where the technician is, for the board).
UNDER_WAY = ("en_route", "on_site")
#: Not finished and not cancelled.
OPEN = (*WAITING, *IN_HAND)
#: The work is done: the order is billable (an invoice may exist) and counts for statistics.
FINISHED = ("completed", "closed")
#: Nothing about the work or its fee changes any more.
ENDED = (*FINISHED, "cancelled")
#: A dispatcher may (re)assign it.
ASSIGNABLE = ("approved", "assigned")
#: Parts may still be planned (before the technician sets off).
PLANNABLE = ("new", "approved", "assigned")


@dataclass(frozen=True)
class Action:
    sources: frozenset[str]
    target: str
    permission: str
    stamp: str | None


ACTIONS: dict[str, Action] = {
    "approve": Action(frozenset({"new"}), "approved", "order.approve", "approved_at"),
    "assign": Action(frozenset(ASSIGNABLE), "assigned", "order.assign", "assigned_at"),
    "en_route": Action(frozenset({"assigned"}), "en_route", "order.field_work", "en_route_at"),
    "on_site": Action(frozenset({"assigned", "en_route"}), "on_site", "order.field_work",
                      "on_site_at"),
    "complete": Action(frozenset({"on_site"}), "completed", "order.field_work", "completed_at"),
    "close": Action(frozenset({"completed"}), "closed", "order.close", "closed_at"),
    "cancel": Action(frozenset({"new", "approved", "assigned"}), "cancelled", "order.cancel",
                     "cancelled_at"),
    # A repair the terminal's remote command fixed: ended without a visit, no technician, no
    # fee (workorders/tracking/remote.py); it ends like a cancellation, with its own event.
    "resolve_remotely": Action(frozenset({"new", "approved", "assigned"}), "cancelled",
                               "order.cancel", "cancelled_at"),
}

#: Every (from, to) pair the machine allows; used by tests and the timeline.
ALLOWED_EDGES = {(source, action.target) for action in ACTIONS.values() for source in action.sources}


def allowed_actions(order: WorkOrder, user: User) -> list[str]:
    """The actions ``user`` could take on ``order`` now (for buttons on pages)."""
    return [name for name, action in ACTIONS.items()
            if order.status in action.sources and user.can(action.permission)]


def check(order: WorkOrder, name: str, user: User) -> Action:
    """Refuse an action the role or the order's state does not allow (nothing is changed)."""
    action = ACTIONS[name]
    if not user.can(action.permission):
        raise Forbidden(_l("Your role does not allow this."))
    if order.status not in action.sources:
        raise Conflict(
            _l("This order is %(status)s: “%(action)s” is not possible now.",
               status=label(order.status), action=label(name)),
            fields={"status": order.status}, code="illegal_transition")
    return action


def transition(order: WorkOrder, name: str, user: User, *, lat: float | None = None,
               lon: float | None = None, note: str = "") -> WorkOrderEvent:
    """Move ``order`` through ``name`` after :func:`check`; records the event."""
    from workorders.models import WorkOrderEvent  # the models take their statuses from here

    action = check(order, name, user)
    now = utcnow()
    event = WorkOrderEvent(order=order, at=now, user_id=user.id, action=name,
                           from_status=order.status, to_status=action.target,
                           lat=lat, lon=lon, note=note[:500])
    order.status = action.target
    if action.stamp:
        setattr(order, action.stamp, now)
    db.session.add(event)
    return event


def record(order: WorkOrder, name: str, user: User, note: str = "") -> WorkOrderEvent:
    """A history entry that does not change the state (swap, part, fee override, owner…)."""
    from workorders.models import WorkOrderEvent

    event = WorkOrderEvent(order=order, user_id=user.id, action=name, from_status=order.status,
                           to_status=order.status, note=note[:500])
    db.session.add(event)
    return event
