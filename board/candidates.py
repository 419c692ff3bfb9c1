"""Ranked candidates for one order (SPEC §5): every active technician, best first.

Rank by travel distance from where the technician is or will be next, then skill match,
today's load against capacity and whether the order's parts are in their van. Anyone off
shift, at capacity or without the skill still appears, lower, saying why.

:func:`rank` scores every technician at once over arrays (:mod:`board.fleet`);
:func:`_problems` is the same rule for one technician, which R12's :func:`available_in_house`
uses and against which ``tests/board/test_vectorised_ranking.py`` checks :func:`rank`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time

import numpy as np
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from board.fleet import SOURCES, build, fleet
from board.positions import jobs_in_hand, loads_today, on_shift
from board.roster import Member, active_members, reported_positions
from dispatch.extensions import db
from dispatch.geo.distance import distance_matrix, eta_minutes
from dispatch.labels import label
from dispatch.timeutil import local_clock
from workorders.models import PlannedPart, WorkOrder
from workorders.queries import read_rows

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
    for sku, qty in _planned_lines(order):
        needed[sku] = needed.get(sku, 0) + qty
    return needed


def _planned_lines(order: WorkOrder) -> list[tuple[str, int]]:
    """The order's planned parts as (SKU, quantity): read as two columns when the relationship
    is not loaded and nothing is pending (a GET), else from the relationship."""
    if isinstance(order, WorkOrder):
        session = db.session()
        if ("planned_parts" in inspect(order).unloaded
                and not (session.new or session.dirty or session.deleted)):
            return [(sku, qty) for sku, qty in read_rows(
                select(PlannedPart.sku, PlannedPart.qty).where(PlannedPart.order_id == order.id))]
    return [(line.sku, line.qty) for line in getattr(order, "planned_parts", []) or []]


def _texts(kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """The reason templates and position names in the request's language (kept per language:
    translating them cost more than ranking 20 technicians)."""
    key = (str(get_locale()), kind)
    found = _TEXTS.get(key)
    if found is None:
        text = {k: str(message) for k, message in MESSAGES.items()} | {kind: str(label(kind))}
        found = _TEXTS[key] = (text, {k: str(message) for k, message in WHERE.items()})
    return found


_TEXTS: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}


def rank(order: WorkOrder, now: datetime, van_stock: VanStock | None = None,
         technicians: list[Member] | None = None, limit: int | None = None) -> list[Candidate]:
    """All active technicians for ``order`` (the best ``limit`` when given), best first.

    One vectorised pass over the technicians' arrays (:mod:`board.fleet`, kept per process by
    the board's version; ``technicians``: those, read fresh); reasons are written only for the
    technicians listed, from the same masks that scored them.
    """
    if order.site_lat is None or order.site_lon is None:
        return []
    if technicians is None:
        arrays = fleet(now)
    else:
        arrays = build(technicians, jobs_in_hand(), loads_today(now), reported_positions())
    pool = arrays.members
    if not pool:
        return []
    lat, lon, source = arrays.positions(now)
    km = distance_matrix(np.column_stack((lat, lon)), [(order.site_lat, order.site_lon)])[:, 0]
    kind, model = order.kind, order.product_model  # read once: ORM attributes are not free
    needed = _parts_needed(order)
    stock = van_stock(arrays.ids.tolist()) if needed and van_stock is not None else None
    masks = {"no_skill": ~arrays.skilled(kind),
             "model": arrays.has_models & ~arrays.trained(model),
             "off_shift": ~arrays.on_shift(local_clock(now)),
             "at_capacity": arrays.load >= arrays.capacity}
    if stock is not None:
        masks["parts"] = np.array([bool(_missing(needed, stock.get(i, {})))
                                   for i in arrays.ids.tolist()], dtype=bool)
    penalty = sum((PENALTY[name] * mask for name, mask in masks.items()), np.zeros(len(pool)))
    score = 100.0 - km - PENALTY["per_job"] * arrays.load - penalty
    # Best score first, then nearest, then the lower id, sorted at once.
    ranked = np.lexsort((arrays.ids, np.round(km, 3), -np.round(score, 2)))[:limit]
    unavailable = masks["no_skill"] | masks["off_shift"] | masks["at_capacity"]
    text, where = _texts(kind)
    speed = current_app.config["DISPATCH_AVERAGE_SPEED_KMH"]
    result = []
    for index in ranked.tolist():
        technician, load = pool[index], int(arrays.load[index])
        distance = round(float(km[index]), 3)
        problems = frozenset(name for name, mask in masks.items() if mask[index])
        position = SOURCES[source[index]]
        result.append(Candidate(
            technician.id, technician.name, distance, int(eta_minutes(distance, speed)),
            round(float(score[index]), 2), not bool(unavailable[index]), position, load,
            technician.daily_capacity,
            _reasons(order, technician, where[position], distance, load, needed, stock,
                     problems, text)))
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
