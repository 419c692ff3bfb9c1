"""The day plan's total driving (issue 23), against the best joint solution found in the same run.

On the bench's instance (1,000 orders × 100 technicians, capacity 10, one skill, whole-day
shifts, the same seed as ``dispatch_bench``'s auto-assignment):

- today's plan: assign by distance from each technician's start (exact), then route each
  technician (:func:`board.autoassign.propose`);
- the joint plan at the production budget (``DISPATCH_DAY_PLAN_SECONDS``, 30 s), exactly as the
  background job runs it: today's plan made first, inside the budget, then the joint solve
  seeded with it (:func:`board.jointplan.plan_jointly`);
- the reference: the same joint solve with a generous budget (300 s; ``--quick``: 60 s on a
  300 × 30 instance with a 10 s production budget). The baseline is the best joint solution
  either run found, so the ratio is the production plan's distance from it.

Run: ``.venv/bin/python bench/dayplan_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, print_table, record

DAY = date(2026, 12, 1)


def instance(orders: int, technicians: int, capacity: int, seed: int = 11):
    """Orders and technicians spread over a 50 km square of Hangzhou (``dispatch_bench``'s)."""
    from board import autoassign
    from dispatch import settings

    rng = np.random.default_rng(seed)
    zone = settings.timezone()
    shift = (datetime(2026, 12, 1, 0, 0, tzinfo=zone), datetime(2026, 12, 1, 23, 59, tzinfo=zone))
    jobs = [autoassign.Job(i, 30.27 + rng.uniform(-.25, .25), 120.16 + rng.uniform(-.25, .25),
                           "repair") for i in range(orders)]
    workers = [autoassign.Worker(j, 30.27 + rng.uniform(-.25, .25),
                                 120.16 + rng.uniform(-.25, .25), frozenset({"repair"}),
                                 capacity, shift) for j in range(technicians)]
    return jobs, workers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--orders", type=int)
    parser.add_argument("--technicians", type=int)
    parser.add_argument("--budget", type=float, help="production budget, s (default: the setting)")
    parser.add_argument("--reference", type=float, help="the reference solve's budget, s")
    args = parser.parse_args(argv)
    orders = args.orders or (300 if args.quick else 1000)
    technicians = args.technicians or (30 if args.quick else 100)
    reference_budget = args.reference or (60.0 if args.quick else 300.0)

    from board import autoassign, jointplan

    with bench_app() as app:
        budget = args.budget or (10.0 if args.quick else app.config["DISPATCH_DAY_PLAN_SECONDS"])
        jobs, workers = instance(orders, technicians, 10)
        size = f"{orders:,} × {technicians}"
        started = time.perf_counter()
        greedy = autoassign.propose(jobs, workers, DAY)
        greedy_seconds = time.perf_counter() - started
        production = jointplan.plan_jointly(jobs, workers, DAY, budget)
        reference = jointplan.plan_jointly(jobs, workers, DAY, reference_budget, greedy=greedy,
                                           seed=1, patience=10**9)  # the whole budget
        best = min(production.proposal.total_km, reference.proposal.total_km)
        load = os.getloadavg()[0]
        record(f"day plan {size}: joint, {budget:g} s budget", production.proposal.total_km,
               "km", f"best joint solution ({reference_budget:g} s run)", best, "≤ 1.02×")
        record(f"day plan {size}: today's (assign, then route)", greedy.total_km, "km",
               f"best joint solution ({reference_budget:g} s run)", best)
        record(f"day plan {size}: joint plan's time (today's plan {greedy_seconds:.1f} s "
               f"inside; {production.iterations:,} iterations; load {load:.1f})",
               production.seconds, "s", "budget", budget, "≤ 30 s")
        print(f"day plan {size}: today's {greedy.total_km:,.1f} km in {greedy_seconds:.1f} s; "
              f"joint ({budget:g} s) {production.proposal.total_km:,.1f} km "
              f"[{production.method}] in {production.seconds:.1f} s, "
              f"{production.iterations:,} iterations; reference ({reference_budget:g} s) "
              f"{reference.proposal.total_km:,.1f} km in {reference.seconds:.1f} s, "
              f"{reference.iterations:,} iterations; ratio "
              f"{production.proposal.total_km / best:.3f}; load average {load:.1f}", flush=True)


if __name__ == "__main__":
    main()
    print_table("Day plan")
