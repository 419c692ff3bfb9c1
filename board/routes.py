"""Day routes per technician: the order of visits, by the VROOM solver, and a greedy
nearest-neighbour plan as the baseline it is measured against.

Travel times come from ellipsoidal distances at the average speed setting; each visit takes
``DISPATCH_SERVICE_MINUTES``. A route starts and ends at the technician's start point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import vroom

from dispatch.geo.distance import distance_matrix


@dataclass
class Stop:
    key: int
    lat: float
    lon: float
    window: tuple[int, int] | None = None  # seconds since midnight


@dataclass
class Route:
    order: list[int] = field(default_factory=list)
    km: float = 0.0
    arrivals: dict[int, int] = field(default_factory=dict)  # key → seconds since midnight
    unserved: list[int] = field(default_factory=list)


def route_km(start: tuple[float, float], points: list[tuple[float, float]]) -> float:
    """Length of start → points… → start."""
    if not points:
        return 0.0
    path = [start, *points, start]
    legs = distance_matrix(path[:-1], path[1:])
    return float(np.trace(legs))


def nearest_neighbour(start: tuple[float, float], stops: list[Stop]) -> Route:
    """The greedy plan: always drive to the closest stop not yet visited."""
    remaining = list(stops)
    here, order = start, []
    while remaining:
        km = distance_matrix([here], [(s.lat, s.lon) for s in remaining])[0]
        chosen = remaining.pop(int(np.argmin(km)))
        order.append(chosen.key)
        here = (chosen.lat, chosen.lon)
    by_key = {s.key: s for s in stops}
    return Route(order=order, km=route_km(start, [(by_key[k].lat, by_key[k].lon) for k in order]))


def solve_route(start: tuple[float, float], stops: list[Stop], shift: tuple[int, int],
                speed_kmh: float, service_minutes: int, time_limit: float) -> Route:
    """The shortest tour through ``stops`` within their time windows and the shift."""
    if not stops:
        return Route()
    points = [start, *[(s.lat, s.lon) for s in stops]]
    km = distance_matrix(points, points)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=np.rint(km / speed_kmh * 3600)
                                 .astype(np.int64))
    problem.set_costs_matrix(profile="car", matrix_input=np.rint(km * 1000).astype(np.int64))
    problem.add_vehicle([vroom.Vehicle(1, start=0, end=0, time_window=vroom.TimeWindow(*shift))])
    problem.add_job([
        vroom.Job(index + 1, location=index + 1, default_service=service_minutes * 60,
                  time_windows=[vroom.TimeWindow(*stop.window)] if stop.window else ())
        for index, stop in enumerate(stops)])
    solution = problem.solve(exploration_level=5, nb_threads=1,
                             timeout=timedelta(seconds=time_limit))
    jobs = solution.routes[solution.routes["type"] == "job"]
    sequence = [int(job_id) - 1 for job_id in jobs["id"]]
    order = [stops[i].key for i in sequence]
    served = set(sequence)
    return Route(
        order=order,
        km=route_km(start, [points[i + 1] for i in sequence]),
        arrivals={stops[i].key: int(arrival) for i, arrival in zip(sequence, jobs["arrival"],
                                                                   strict=True)},
        unserved=[stop.key for i, stop in enumerate(stops) if i not in served],
    )
