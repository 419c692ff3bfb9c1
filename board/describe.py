"""What the dispatcher reads: a day proposal told in the words of the orders (WO number,
plate, customer, window) with each technician's route drawn from where the day starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from board.autoassign import Proposal
from board.dayplan import DayPlan
from dispatch.timeutil import window_text
from workorders.models import WorkOrder


def order_brief(order: WorkOrder) -> dict[str, Any]:
    """The order as a dispatcher names it."""
    return {"order_id": order.id, "number": order.number, "plate": order.vehicle.plate,
            "customer_name": order.customer.name, "kind": order.kind,
            "priority": order.priority,
            "window": window_text(order.window_start, order.window_end),
            "lat": order.site_lat, "lon": order.site_lon}


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def proposal_json(day: Any, plan: DayPlan) -> dict[str, Any]:
    """The proposal as the API returns it: pairs and routes with the orders' names and points,
    each route from the technician's start point."""
    briefs = {key: order_brief(order) for key, order in plan.orders.items()}
    names = {key: member.name for key, member in plan.technicians.items()}
    return {"date": day, **describe(plan.proposal, briefs, names, plan.starts)}


def describe(proposal: Proposal, briefs: Mapping[int, dict[str, Any]],
             names: Mapping[int, str], starts: Mapping[int, tuple[float, float]]) -> dict[str, Any]:
    """A proposal told with the orders' briefs (:func:`order_brief`, read beforehand) and the
    technicians' names: what :func:`proposal_json` says without its date."""

    def name(technician_id: int) -> str:
        return names.get(technician_id, str(technician_id))

    routes = []
    for technician_id, route in proposal.routes.items():
        start = starts.get(technician_id)
        routes.append({
            "technician_id": technician_id, "technician_name": name(technician_id),
            "order_ids": route.order, "km": round(route.km, 3),
            "start": {"lat": start[0], "lon": start[1]} if start else None,
            "arrivals": {str(k): _clock(v) for k, v in route.arrivals.items()},
            "stops": [{**briefs[key], "arrival": _clock(route.arrivals[key])
                       if key in route.arrivals else ""} for key in route.order if key in briefs],
        })
    return {
        "assignments": [{**briefs[o], "technician_id": t, "technician_name": name(t)}
                        for o, t in proposal.assignments.items()],
        "total_km": proposal.total_km,
        "assignment_km": proposal.assignment_km,
        "routes": routes,
        "unassigned": [{**briefs[o], "reason": r}
                       for o, r in proposal.unassigned.items() if o in briefs],
    }
