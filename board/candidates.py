"""Ranked candidates for one order (SPEC §5): every active technician, best first.

Rank by travel distance from where the technician is or will be next, then skill match,
today's load against capacity and whether the order's parts are in their van. Anyone off
shift, at capacity or without the skill still appears, lower, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time

import numpy as np
from flask import current_app
from flask_babel import lazy_gettext as _l

from board.positions import (
    fresh_since,
    jobs_in_hand,
    loads_today,
    on_shift,
    position_of,
)
from board.roster import Member, active_members, reported_positions
from dispatch.geo.distance import distance_matrix, eta_minutes
from dispatch.labels import label
from dispatch.timeutil import local_clock
from workorders.models import WorkOrder

#: Score penalties; distance counts one point per kilometre.
PENALTY = {"no_skill": 1000.0, "off_shift": 200.0, "at_capacity": 300.0, "model": 15.0,
           "parts": 10.0, "per_job": 2.0}

#: Technician ids → available quantity per SKU in each one's van.
VanStock = Callable[[list[int]], Mapping[int, Mapping[str, int]]]

#: Reason templates, translated once per ranking and filled with ``%`` for each technician.
MESSAGES = {
    "distance": _l("%(km).1f km from %(where)s"),
    "no_skill": _l("lacks the %(kind)s skill"),
    "skill": _l("has the %(kind)s skill"),
    "no_parts": _l("no parts planned"),
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
         technicians: list[Member] | None = None, limit: int | None = None) -> list[Candidate]:
    """All active technicians for ``order`` (the best ``limit`` when given), best first."""
    if order.site_lat is None or order.site_lon is None:
        return []
    pool = technicians if technicians is not None else active_members()
    if not pool:
        return []
    in_hand, loads = jobs_in_hand(), loads_today(now)
    reported = reported_positions(fresh_since(now))
    positions = [position_of(t, now, in_hand, reported) for t in pool]
    km = distance_matrix([(p.lat, p.lon) for p in positions], [(order.site_lat, order.site_lon)])[:, 0]
    local_time = local_clock(now)
    needed = _parts_needed(order)
    stock = van_stock([t.id for t in pool]) if needed and van_stock is not None else None
    kind, model = order.kind, order.product_model  # read once: ORM attributes are not free
    problems = [_problems(kind, model, t, loads[t.id], local_time, needed, stock) for t in pool]
    load = np.array([loads[t.id] for t in pool], dtype=float)
    penalty = np.array([sum(PENALTY[p] for p in found) for found in problems])
    score = 100.0 - km - PENALTY["per_job"] * load - penalty
    # Best score first, then nearest, then the lower id, sorted at once; reasons are written
    # only for those listed.
    ranked = np.lexsort((np.array([t.id for t in pool]), np.round(km, 3), -np.round(score, 2)))[:limit]
    # translated once per call
    text = {key: str(message) for key, message in MESSAGES.items()} | {kind: str(label(kind))}
    where = {key: str(message) for key, message in WHERE.items()}
    speed = current_app.config["DISPATCH_AVERAGE_SPEED_KMH"]
    result = []
    for index in ranked.tolist():
        technician, position = pool[index], positions[index]
        distance = round(float(km[index]), 3)
        result.append(Candidate(
            technician.id, technician.name, distance, int(eta_minutes(distance, speed)),
            round(float(score[index]), 2), not (problems[index] & UNAVAILABLE), position.source,
            loads[technician.id], technician.daily_capacity,
            _reasons(order, technician, where[position.source], distance, loads[technician.id],
                     needed, stock, problems[index], text)))
    return result


#: Problems that make a technician unavailable (the others only lower the score).
UNAVAILABLE = frozenset({"no_skill", "off_shift", "at_capacity"})


def _problems(kind: str, model: str | None, technician: Member, load: int, now: time,
              needed: dict[str, int], stock: Mapping[int, Mapping[str, int]] | None) -> frozenset[str]:
    found = set()
    if kind not in technician.skills:
        found.add("no_skill")
    if technician.models and model not in technician.models:
        found.add("model")
    if not on_shift(technician, now):
        found.add("off_shift")
    if load >= technician.daily_capacity:
        found.add("at_capacity")
    if stock is not None and _missing(needed, stock.get(technician.id, {})):
        found.add("parts")
    return frozenset(found)


def _missing(needed: dict[str, int], van: Mapping[str, int]) -> list[str]:
    return [sku for sku, qty in needed.items() if van.get(sku, 0) < qty]


def _reasons(order: WorkOrder, technician: Member, where: str, distance: float, load: int,
             needed: dict[str, int], stock: Mapping[int, Mapping[str, int]] | None,
             problems: frozenset[str], text: dict[str, str]) -> list[str]:
    reasons = [text["distance"] % {"km": distance, "where": where},
               text["no_skill" if "no_skill" in problems else "skill"] % {"kind": text[order.kind]}]
    if "model" in problems:
        reasons.append(text["model"] % {"model": order.product_model})
    if "off_shift" in problems:
        reasons.append(text["off_shift"])
    capacity = {"load": load, "cap": technician.daily_capacity}
    reasons.append(text["at_capacity" if "at_capacity" in problems else "load"] % capacity)
    if stock is not None:
        missing = _missing(needed, stock.get(technician.id, {}))
        reasons.append(text["van_lacks"] % {"skus": ", ".join(missing)} if missing
                       else text["van_has"])
    elif not needed:
        reasons.append(text["no_parts"])
    return reasons


def available_in_house(order: WorkOrder, now: datetime) -> list[str]:
    """R12: the names of the in-house technicians available for ``order`` now — with its
    skill, on shift, below capacity (the same test as :func:`rank`'s ``available``)."""
    loads, local_time = loads_today(now), local_clock(now)
    kind, model = order.kind, order.product_model
    return [member.name for member in active_members(include_contractors=False)
            if not _problems(kind, model, member, loads[member.id], local_time, {}, None)
            & UNAVAILABLE]
