"""The day planned jointly (issue 23): which technician takes which order *and* in which order,
in one vehicle-routing solve, so that the day drives less than assigning by distance first and
routing each technician afterwards (:func:`board.autoassign.propose`, "today's plan").

Every order is a client and every technician a vehicle that starts and ends at its start point,
carries its free slots as capacity, works within its shift and visits each order within the
order's window (:mod:`pyvrp`'s iterated local search, with a time limit). Skills are distance
profiles: a technician's profile makes every order of a kind they lack unreachable.

The solve starts from today's plan (a warm start: the search only ever keeps a better solution),
first improved by one exhaustive local search over every order, then by PyVRP's iterated
local search until the budget is spent (or nothing better turns up for a long while); the
result is compared with today's plan once more at the end, each checked against skills, windows
and capacities here: the joint plan is returned only when it serves at least the same orders
and drives less. The orders today's plan serves must be served; those it could not place are
optional (a prize far above any detour), so the joint plan may place more.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from flask import current_app
from numpy.typing import NDArray
from pyvrp import (
    Client,
    Depot,
    Location,
    ProblemData,
    RandomNumberGenerator,
    Solution,
    VehicleType,
)
from pyvrp import Route as VrpRoute
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.IteratedLocalSearch import (
    IteratedLocalSearch,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
)
from pyvrp.PenaltyManager import PenaltyManager
from pyvrp.Result import Result
from pyvrp.search import (
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    compute_neighbours,
)
from pyvrp.solve import SolveParams

from board.autoassign import Job, Proposal, Worker, feasible, propose
from board.routes import Route, route_km
from dispatch.geo.distance import distance_matrix
from dispatch.timeutil import local_moment

#: Metres: what reaching an order costs a technician without its skill (never chosen).
UNREACHABLE = 10**9
#: Metres: what leaving an order out costs (far above any detour in a city's day).
PRIZE, URGENT_PRIZE = 10**7, 10**8
#: Orders near each order that the local search tries moving it next to. PyVRP's default is
#: 50; on the bench's 1,000 orders 30 found shorter plans in 30 s (cheaper iterations).
NEIGHBOURS = 30
#: Whether today's plan is improved by one exhaustive local search before the iterated one.
EXHAUSTIVE_START = True
#: Seconds between two progress reports while the solver runs.
REPORT_EVERY = 1.0
#: Iterations without a better plan after which the search stops before its budget: at least
#: PATIENCE, and PATIENCE_PER_ORDER per order (1,000 orders: 50,000, more than 30 s make).
PATIENCE, PATIENCE_PER_ORDER = 2_000, 50

#: Called with (seconds since the plan started, best total km so far).
ProgressFn = Callable[[float, float], None]


@dataclass
class Outcome:
    """The plan to propose, with what it was measured against."""

    proposal: Proposal
    method: str  # "joint" or "greedy" (the joint solve found nothing better than today's plan)
    greedy_km: float
    joint_km: float | None = None
    iterations: int = 0
    seconds: float = 0.0
    checks: list[str] = field(default_factory=list)  # why a joint result was set aside


def _seconds(moment, day: date) -> int:
    return max(0, int((moment - local_moment(day)).total_seconds()))


class _Watch(IteratedLocalSearchCallbacks):
    """Stops the search at the deadline, or once ``patience`` iterations in a row found nothing
    better (a small day is solved long before its budget), and reports the best distance about
    once a second."""

    def __init__(self, started: float, deadline: float, progress: ProgressFn | None,
                 best_m: int, patience: int):
        self.started, self.deadline, self.progress = started, deadline, progress
        self.best_m, self.reported = best_m, 0.0
        self.patience, self.idle, self.best_cost = patience, 0, -1

    def on_best(self, best: Solution) -> None:
        if best.is_feasible():
            self.best_m = min(self.best_m, best.distance())

    def __call__(self, best_cost: int) -> bool:
        now = time.perf_counter()
        if self.progress is not None and now - self.reported >= REPORT_EVERY:
            self.reported = now
            self.progress(now - self.started, self.best_m / 1000)
        self.idle = 0 if best_cost != self.best_cost else self.idle + 1
        self.best_cost = best_cost
        return now >= self.deadline or self.idle >= self.patience


def plan_jointly(jobs: list[Job], workers: list[Worker], day: date, budget_seconds: float,
                 progress: ProgressFn | None = None, seed: int = 0,
                 greedy: Proposal | None = None, started: float | None = None,
                 patience: int | None = None) -> Outcome:
    """The better of today's plan and a joint solve, all within ``budget_seconds`` from
    ``started`` (a :func:`time.perf_counter` reading; by default now). Today's plan, when not
    given, is made first and counts against the budget. The search also stops after
    ``patience`` iterations without a better plan (by default, as :data:`PATIENCE` says)."""
    started = time.perf_counter() if started is None else started
    if greedy is None:
        greedy = propose(jobs, workers, day)
    outcome = Outcome(greedy, "greedy", greedy.total_km)
    allowed = feasible(jobs, workers) if jobs and workers else np.zeros((0, 0), dtype=bool)
    chosen = [i for i, job in enumerate(jobs) if job.key in greedy.assignments
              or (allowed.size and allowed[i].any())]
    if not chosen or not workers:
        return outcome
    data, vehicles = _problem(jobs, workers, day, chosen, allowed, set(greedy.assignments))
    initial = _seed(data, jobs, workers, chosen, greedy)
    if initial is None:
        outcome.checks.append("today's plan is not a valid start")
        return outcome
    deadline = started + budget_seconds
    if deadline - time.perf_counter() <= 0:
        return outcome
    watch = _Watch(started, deadline, progress, initial.distance(),
                   patience or max(PATIENCE, PATIENCE_PER_ORDER * len(chosen)))
    if progress is not None:
        progress(time.perf_counter() - started, greedy.total_km)
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=watch),
                         neighbourhood=NeighbourhoodParams(num_neighbours=NEIGHBOURS))
    with warnings.catch_warnings():
        # "A penalty reached its maximum": the search starts feasible and keeps only feasible
        # bests, and every result is checked below; nothing for the dispatcher to act on.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = _search(data, watch, seed, params, initial)
    outcome.iterations = result.num_iterations
    joint = _proposal(result.best, jobs, workers, day, chosen, vehicles, allowed, greedy,
                      outcome.checks)
    outcome.seconds = time.perf_counter() - started
    if joint is None:
        return outcome
    outcome.joint_km = joint.total_km
    served, before = len(joint.assignments), len(greedy.assignments)
    if served > before or (served == before and joint.total_km < greedy.total_km):
        outcome.proposal, outcome.method = joint, "joint"
    if progress is not None:
        progress(outcome.seconds, outcome.proposal.total_km)
    return outcome


def _search(data: ProblemData, watch: _Watch, seed: int, params: SolveParams,
            initial: Solution) -> Result:
    """PyVRP's :func:`pyvrp.solve.solve`, except that today's plan is first improved by one
    exhaustive local search over every order (solve skips it for a given start, and the
    iterated search alone only looks around the few orders it perturbs each time: on 1,000
    orders the start's easy gains would take it most of the budget to find)."""
    penalties = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    neighbours = compute_neighbours(data, params.neighbourhood)
    local_search = _local_search(data, seed, neighbours, params)
    start = initial
    if EXHAUSTIVE_START:
        improved = local_search(initial, penalties.max_cost_evaluator(), exhaustive=True)
        if improved.is_feasible() and improved.distance() < initial.distance():
            start = improved
            watch.on_best(start)
        else:  # set aside (e.g. optional orders squeezed in past a window): search afresh
            local_search = _local_search(data, seed, neighbours, params)
    return IteratedLocalSearch(data, penalties, local_search, start, params.ils).run(
        watch, collect_stats=False)


def _local_search(data: ProblemData, seed: int, neighbours, params: SolveParams) -> LocalSearch:
    search = LocalSearch(data, RandomNumberGenerator(seed=seed), neighbours,
                         PerturbationManager(params.perturbation))
    for operator in params.operators:
        if operator.supports(data):
            search.add_operator(operator(data))
    return search


def _problem(jobs: list[Job], workers: list[Worker], day: date, chosen: list[int],
             allowed: NDArray[np.bool_], required: set[int]) -> tuple[ProblemData, list[int]]:
    """Locations are the technicians' start points, then the chosen orders' sites."""
    config = current_app.config
    speed, service = config["DISPATCH_AVERAGE_SPEED_KMH"], config["DISPATCH_SERVICE_MINUTES"] * 60
    points = [(w.lat, w.lon) for w in workers] + [(jobs[i].lat, jobs[i].lon) for i in chosen]
    km = distance_matrix(points, points)
    metres = np.rint(km * 1000).astype(np.int64)
    seconds = np.rint(km / speed * 3600).astype(np.int64)
    count = len(workers)
    # One distance profile per set of skills (windows and shifts are the solver's time rules).
    patterns: dict[frozenset[str], int] = {}
    profiles: list[NDArray[np.int64]] = []
    vehicle_types, vehicles = [], []
    for index, worker in enumerate(workers):
        if worker.skills not in patterns:
            skilled = np.array([jobs[i].kind in worker.skills for i in chosen], dtype=bool)
            matrix = metres
            if not skilled.all():
                matrix = metres.copy()
                matrix[:, count + np.flatnonzero(~skilled)] = UNREACHABLE
                np.fill_diagonal(matrix, 0)
            patterns[worker.skills] = len(profiles)
            profiles.append(matrix)
        if worker.free_slots <= 0 or not allowed[chosen, index].any():
            continue
        vehicles.append(index)
        vehicle_types.append(VehicleType(
            1, capacity=[worker.free_slots], start_depot=index, end_depot=index,
            tw_early=_seconds(worker.shift[0], day), tw_late=_seconds(worker.shift[1], day),
            profile=patterns[worker.skills], name=str(worker.key)))
    clients = []
    for position, i in enumerate(chosen):
        job = jobs[i]
        must = job.key in required
        prize = 0 if must else (URGENT_PRIZE if job.urgent else PRIZE)
        if job.window:  # else PyVRP's own "any time" (the shift still bounds the visit)
            clients.append(Client(count + position, delivery=[1], service_duration=service,
                                  tw_early=_seconds(job.window[0], day),
                                  tw_late=_seconds(job.window[1], day), required=must,
                                  prize=prize))
        else:
            clients.append(Client(count + position, delivery=[1], service_duration=service,
                                  required=must, prize=prize))
    locations = [Location(lon, lat) for lat, lon in points]
    depots = [Depot(index) for index in range(count)]
    if not vehicle_types:  # nobody with a free slot: a vehicle that can take nothing
        vehicle_types.append(VehicleType(1, capacity=[0], start_depot=0, end_depot=0))
        vehicles.append(0)
    data = ProblemData(locations, clients, depots, vehicle_types, profiles,  # type: ignore[arg-type]
                       [seconds] * len(profiles))
    return data, vehicles


def _seed(data: ProblemData, jobs: list[Job], workers: list[Worker], chosen: list[int],
          greedy: Proposal) -> Solution | None:
    """Today's plan as the solver's first solution (None when it breaks the model's rules)."""
    client_of = {jobs[i].key: position for position, i in enumerate(chosen)}
    vehicle_of = {int(vt.name): index for index, vt in enumerate(data.vehicle_types())
                  if vt.name}
    routes = []
    for worker in workers:
        route = greedy.routes.get(worker.key)
        if route is None or not route.order:
            continue
        if worker.key not in vehicle_of:
            return None
        routes.append(VrpRoute(data, [client_of[key] for key in route.order],
                               vehicle_of[worker.key]))
    solution = Solution(data, routes)
    return solution if solution.is_feasible() else None


def _proposal(solution: Solution, jobs: list[Job], workers: list[Worker], day: date,
              chosen: list[int], vehicles: list[int], allowed: NDArray[np.bool_],
              greedy: Proposal, checks: list[str]) -> Proposal | None:
    """The solver's routes as a proposal, each checked again here: skills, windows within the
    shift, capacity. None (and the reason in ``checks``) when one fails."""
    if not solution.is_feasible():
        checks.append("the solver's best solution is not feasible")
        return None
    service = current_app.config["DISPATCH_SERVICE_MINUTES"] * 60
    proposal = Proposal()
    for vrp_route in solution.routes():
        worker_index = vehicles[vrp_route.vehicle_type()]
        worker = workers[worker_index]
        visits = [(chosen[activity.idx], activity.start_time) for activity in vrp_route.schedule()
                  if activity.is_client()]
        if len(visits) > worker.free_slots:
            checks.append(f"technician {worker.key} over capacity")
            return None
        shift = (_seconds(worker.shift[0], day), _seconds(worker.shift[1], day))
        for job_index, start in visits:
            job = jobs[job_index]
            if not allowed[job_index, worker_index]:
                checks.append(f"order {job.key} given to technician {worker.key} without skill")
                return None
            window = (_seconds(job.window[0], day), _seconds(job.window[1], day)) if job.window \
                else shift
            if not (window[0] <= start <= window[1] and shift[0] <= start
                    and start + service <= shift[1] + 60):
                checks.append(f"order {job.key} outside its window or the shift")
                return None
            proposal.assignments[job.key] = worker.key
        order = [jobs[i].key for i, _start in visits]
        start_point = (worker.lat, worker.lon)
        proposal.routes[worker.key] = Route(
            order=order, km=route_km(start_point, [(jobs[i].lat, jobs[i].lon) for i, _ in visits]),
            arrivals={jobs[i].key: int(start) for i, start in visits})
    by_key = {job.key: job for job in jobs}
    workers_by_key = {w.key: w for w in workers}
    proposal.assignment_km = round(sum(
        float(distance_matrix([(by_key[o].lat, by_key[o].lon)],
                              [(workers_by_key[t].lat, workers_by_key[t].lon)])[0, 0])
        for o, t in proposal.assignments.items()), 3)
    for job in jobs:
        if job.key not in proposal.assignments:
            proposal.unassigned[job.key] = greedy.unassigned.get(job.key, "no_capacity")
    return proposal
