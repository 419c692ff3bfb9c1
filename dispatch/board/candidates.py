"""Ranked candidates for one order (SPEC §5): every active technician, best first.

Rank by travel distance from where the technician is or will be next, then skill match,
today's load against capacity and whether the order's parts are in their van. Anyone off
shift, at capacity or without the skill still appears, lower, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l

from dispatch import settings
from dispatch.board.positions import jobs_in_hand, loads_today, on_shift, position_of
from dispatch.board.roster import Member, active_members
from dispatch.geo.distance import distance_matrix, eta_minutes
from workorders.models import WorkOrder

#: Score penalties; distance counts one point per kilometre.
PENALTY = {"no_skill": 1000.0, "off_shift": 200.0, "at_capacity": 300.0, "model": 15.0,
           "parts": 10.0, "per_job": 2.0}

VanStock = Callable[[int], Mapping[str, int]]

#: Reason templates, translated once per ranking and filled with ``%`` for each technician.
MESSAGES = {
    "distance": _l("%(km).1f km from %(where)s"),
    "no_skill": _l("lacks the %(kind)s skill"),
    "model": _l("not trained on %(model)s"),
    "off_shift": _l("off shift"),
    "at_capacity": _l("at capacity (%(load)d/%(cap)d)"),
    "load": _l("load %(load)d/%(cap)d today"),
    "van_lacks": _l("van lacks %(skus)s"),
    "van_has": _l("all parts in the van"),
}
WHERE = {"job": _l("the job in hand"), "reported": _l("the last reported position"),
         "home": _l("home base")}


@dataclass
class Candidate:
    technician_id: int
    name: str
    distance_km: float
    eta_minutes: int
    score: float
    available: bool
    position_source: str
    load: int
    capacity: int
    reasons: list[str] = field(default_factory=list)


def _parts_needed(order: WorkOrder) -> dict[str, int]:
    needed: dict[str, int] = {}
    for line in getattr(order, "planned_parts", []) or []:
        needed[line.sku] = needed.get(line.sku, 0) + line.qty
    return needed


def rank(order: WorkOrder, now: datetime, van_stock: VanStock | None = None,
         technicians: list[Member] | None = None) -> list[Candidate]:
    """All active technicians for ``order``, best first (highest score)."""
    if order.site_lat is None or order.site_lon is None:
        return []
    pool = technicians if technicians is not None else active_members()
    if not pool:
        return []
    in_hand, loads = jobs_in_hand(), loads_today(now)
    positions = [position_of(t, now, in_hand) for t in pool]
    km = distance_matrix([(p.lat, p.lon) for p in positions], [(order.site_lat, order.site_lon)])[:, 0]
    speed = current_app.config["DISPATCH_AVERAGE_SPEED_KMH"]
    needed = _parts_needed(order)
    text = {key: str(message) for key, message in MESSAGES.items()}  # translate once per call
    local_time = now.astimezone(settings.timezone()).time()
    where = {key: str(message) for key, message in WHERE.items()}
    result = []
    for technician, position, distance in zip(pool, positions, km, strict=True):
        candidate = _score(order, technician, where[position.source], position.source,
                           float(distance), loads[technician.id], local_time, needed, van_stock,
                           text)
        candidate.eta_minutes = int(eta_minutes(float(distance), speed))
        result.append(candidate)
    result.sort(key=lambda c: (-c.score, c.distance_km, c.technician_id))
    return result


def _score(order: WorkOrder, technician: Member, where: str, source: str, distance: float,
           load: int, now: time, needed: dict[str, int], van_stock: VanStock | None,
           text: dict[str, str]) -> Candidate:
    reasons = [text["distance"] % {"km": distance, "where": where}]
    score = 100.0 - distance - PENALTY["per_job"] * load
    available = True
    if order.kind not in technician.skills:
        score -= PENALTY["no_skill"]
        available = False
        reasons.append(text["no_skill"] % {"kind": order.kind})
    models = [s[6:] for s in technician.skills if s.startswith("model:")]
    if models and order.product_model not in models:
        score -= PENALTY["model"]
        reasons.append(text["model"] % {"model": order.product_model})
    if not on_shift(technician, now):
        score -= PENALTY["off_shift"]
        available = False
        reasons.append(text["off_shift"])
    capacity = {"load": load, "cap": technician.daily_capacity}
    if load >= technician.daily_capacity:
        score -= PENALTY["at_capacity"]
        available = False
        reasons.append(text["at_capacity"] % capacity)
    else:
        reasons.append(text["load"] % capacity)
    if needed and van_stock is not None:
        stock = van_stock(technician.id)
        missing = [sku for sku, qty in needed.items() if stock.get(sku, 0) < qty]
        if missing:
            score -= PENALTY["parts"]
            reasons.append(text["van_lacks"] % {"skus": ", ".join(missing)})
        else:
            reasons.append(text["van_has"])
    return Candidate(technician.id, technician.name, round(distance, 3), 0, round(score, 2),
                     available, source, load, technician.daily_capacity, reasons)
