"""Day auto-assignment (SPEC §5): many orders to many technicians, least total travel, under
skills, remaining capacity and time windows — then a route per technician.

The assignment is solved exactly: each technician becomes as many columns as they have free
slots and :func:`scipy.optimize.linear_sum_assignment` finds the minimum-distance matching
(distance from where the technician starts the day to the site). Pairs that break a skill or
a time window cost :data:`FORBIDDEN` and are never kept. Urgent orders are served first when
there are more orders than slots. Routes then come from :mod:`board.routes`.
Nothing is assigned here: the result is a proposal the dispatcher reviews and accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from flask import current_app
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from board.routes import Route, Stop, solve_route
from dispatch.geo.distance import distance_matrix
from dispatch.timeutil import local_moment

FORBIDDEN = 1e9
URGENT_BONUS = 1e6


@dataclass
class Job:
    key: int
    lat: float
    lon: float
    kind: str
    urgent: bool = False
    window: tuple[datetime, datetime] | None = None


@dataclass
class Worker:
    key: int
    lat: float
    lon: float
    skills: frozenset[str]
    free_slots: int
    shift: tuple[datetime, datetime]


@dataclass
class Proposal:
    assignments: dict[int, int] = field(default_factory=dict)  # job key → worker key
    assignment_km: float = 0.0
    routes: dict[int, Route] = field(default_factory=dict)
    unassigned: dict[int, str] = field(default_factory=dict)  # job key → reason

    @property
    def total_km(self) -> float:
        return round(sum(route.km for route in self.routes.values()), 3)


def feasible(jobs: list[Job], workers: list[Worker]) -> NDArray[np.bool_]:
    """Which worker may take which job: the skill, and a window that meets the shift."""
    ok = np.array([[job.kind in worker.skills for worker in workers] for job in jobs], dtype=bool)
    for i, job in enumerate(jobs):
        if job.window is None:
            continue
        for j, worker in enumerate(workers):
            if job.window[1] <= worker.shift[0] or job.window[0] >= worker.shift[1]:
                ok[i, j] = False
    return ok.reshape(len(jobs), len(workers))


def assign(costs: NDArray[np.float64], allowed: NDArray[np.bool_], slots: list[int],
           urgent: NDArray[np.bool_] | None = None) -> dict[int, int]:
    """Row → column indices of the minimum-cost assignment honouring ``slots`` per column."""
    if costs.size == 0 or sum(slots) == 0:
        return {}
    columns = np.repeat(np.arange(costs.shape[1]), slots)
    matrix = np.where(allowed, costs, FORBIDDEN)[:, columns]
    if urgent is not None and urgent.any():
        matrix = matrix - np.where(urgent, URGENT_BONUS, 0.0)[:, None]
    rows, cols = linear_sum_assignment(matrix)
    return {int(r): int(columns[c]) for r, c in zip(rows, cols, strict=True)
            if allowed[r, columns[c]]}


def propose(jobs: list[Job], workers: list[Worker], day: date, *, routes: bool = True) -> Proposal:
    proposal = Proposal()
    if not jobs:
        return proposal
    if not workers:
        proposal.unassigned = {job.key: "no_technician" for job in jobs}
        return proposal
    km = distance_matrix([(j.lat, j.lon) for j in jobs], [(w.lat, w.lon) for w in workers])
    allowed = feasible(jobs, workers)
    matched = assign(km, allowed, [w.free_slots for w in workers],
                     np.array([j.urgent for j in jobs]))
    for i, job in enumerate(jobs):
        if i in matched:
            proposal.assignments[job.key] = workers[matched[i]].key
            proposal.assignment_km += float(km[i, matched[i]])
        else:
            proposal.unassigned[job.key] = "no_skill_or_window" if not allowed[i].any() \
                else "no_capacity"
    proposal.assignment_km = round(proposal.assignment_km, 3)
    if routes:
        _plan_routes(proposal, jobs, workers, day)
    return proposal


def _seconds(moment: datetime, day: date) -> int:
    midnight = local_moment(day)
    return max(0, int((moment - midnight).total_seconds()))


def _plan_routes(proposal: Proposal, jobs: list[Job], workers: list[Worker], day: date) -> None:
    config = current_app.config
    by_key = {job.key: job for job in jobs}
    for worker in workers:
        mine = [by_key[k] for k, w in proposal.assignments.items() if w == worker.key]
        if not mine:
            continue
        stops = [Stop(job.key, job.lat, job.lon,
                      (_seconds(job.window[0], day), _seconds(job.window[1], day))
                      if job.window else None) for job in mine]
        route = solve_route((worker.lat, worker.lon), stops,
                            (_seconds(worker.shift[0], day), _seconds(worker.shift[1], day)),
                            config["DISPATCH_AVERAGE_SPEED_KMH"],
                            config["DISPATCH_SERVICE_MINUTES"], config["DISPATCH_ROUTE_TIME_LIMIT"])
        for key in route.unserved:
            proposal.assignments.pop(key, None)
            proposal.unassigned[key] = "does_not_fit_route"
        proposal.routes[worker.key] = route
