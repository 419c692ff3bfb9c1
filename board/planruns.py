"""The joint day plan as background work (issue 23): asked for, solved by a job with its progress
on its row, then reviewed and accepted by a dispatcher.

``start_plan`` records the request and its outbox job (RQ when ``REDIS_URL`` is set, the
in-process worker otherwise); ``run_plan`` is the job: it reads the day's orders and technicians
as the requester sees them, runs :func:`board.jointplan.plan_jointly` within the budget and
writes, about once a second, the seconds spent and the best total driving so far. The finished
proposal is stored told in the orders' words (:func:`board.describe.describe`), so the board
shows it as it shows today's proposal; ``accept_plan`` assigns it (or the dispatcher's edited
pairs) through :func:`board.dayplan.accept`, each order on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from board import autoassign, dayplan, jointplan
from board.describe import describe, order_brief
from board.models import DayPlanRun
from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, NotFound
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.timeutil import utcnow

log = logging.getLogger(__name__)
KIND = "day_plan"


def start_plan(user: User, day: date, order_ids: Iterable[int] | None = None,
               technician_ids: Iterable[int] | None = None,
               budget_seconds: float | None = None) -> DayPlanRun:
    """Record the request and queue its job (the caller commits). Unknown technicians and a
    budget that is not between 0 and ``DISPATCH_DAY_PLAN_MAX_SECONDS`` are a 422."""
    config = current_app.config
    budget = config["DISPATCH_DAY_PLAN_SECONDS"] if budget_seconds is None else budget_seconds
    longest = config["DISPATCH_DAY_PLAN_MAX_SECONDS"]
    errors = FieldErrors()
    if not 0 < budget <= longest:
        errors.add("budget_seconds", _l("Give a time budget above 0 and at most %(max)s seconds.",
                                        max=f"{longest:g}"))
    errors.raise_if_any()
    technicians = sorted(set(technician_ids)) if technician_ids is not None else None
    if technicians is not None:
        dayplan.check_technicians(technicians)  # the 422 now, not when the job runs
    run = DayPlanRun(day=day, user_id=user.id, budget_seconds=float(budget),
                     order_ids=sorted(set(order_ids)) if order_ids is not None else None,
                     technician_ids=technicians)
    db.session.add(run)
    db.session.flush()
    run.job_id = request_job(KIND, f"{KIND}:{run.id}", {"run_id": run.id}, user_id=user.id).id
    return run


def run_day_plan_job(job: Job) -> None:
    """The ``day_plan`` job."""
    run_plan(int(job.params["run_id"]))


def run_plan(run_id: int) -> None:
    run = db.session.get(DayPlanRun, run_id)
    if run is None or run.status not in ("queued", "running"):
        return
    run.status, run.started_at, run.progress = "running", utcnow(), 0
    db.session.commit()
    try:
        _solve(run)
    except Exception as exc:
        db.session.rollback()
        failed = db.session.get_one(DayPlanRun, run_id)
        failed.status, failed.finished_at = "failed", utcnow()
        failed.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        raise


def _solve(run: DayPlanRun) -> None:
    started = time.perf_counter()  # the budget counts everything the job does from here
    run_id, budget, day = run.id, run.budget_seconds, run.day
    user = db.session.get_one(User, run.user_id)
    inputs = dayplan.day_inputs(day, user, run.order_ids, run.technician_ids)
    briefs = {order.id: order_brief(order) for order in inputs.orders}
    names = {member.id: member.name for member in inputs.technicians}
    starts = {worker.key: (worker.lat, worker.lon) for worker in inputs.workers}
    db.session.commit()  # nothing is read from the orders after this point

    def progress(seconds: float, best_km: float) -> None:
        _report(run_id, seconds, best_km, budget)

    greedy = autoassign.propose(inputs.jobs, inputs.workers, day)
    row = db.session.get_one(DayPlanRun, run_id)
    row.greedy_km = greedy.total_km
    db.session.commit()
    outcome = jointplan.plan_jointly(inputs.jobs, inputs.workers, day, budget, progress,
                                     greedy=greedy, started=started)
    row = db.session.get_one(DayPlanRun, run_id)
    row.status, row.method, row.progress, row.finished_at = "done", outcome.method, 100, utcnow()
    row.greedy_km, row.best_km = outcome.greedy_km, outcome.proposal.total_km
    row.elapsed_seconds = round(outcome.seconds, 1)
    row.result = describe(outcome.proposal, briefs, names, starts)
    db.session.commit()
    log.info("day plan %s: %s, %.1f km (today's plan %.1f km), %d iterations in %.1f s%s",
             run_id, outcome.method, outcome.proposal.total_km, outcome.greedy_km,
             outcome.iterations, outcome.seconds,
             f"; set aside: {outcome.checks}" if outcome.checks else "")


def _report(run_id: int, seconds: float, best_km: float, budget: float) -> None:
    row = db.session.get_one(DayPlanRun, run_id)
    row.elapsed_seconds, row.best_km = round(seconds, 1), round(best_km, 3)
    row.progress = max(0, min(99, int(seconds / budget * 100)))
    db.session.commit()


def get_plan(run_id: int, user: User) -> DayPlanRun:
    """A day plan is its starter's own: it was made from the orders that user sees (R18), so
    another reader is told it does not exist."""
    run = db.session.get(DayPlanRun, run_id)
    if run is None or run.user_id != user.id:
        raise NotFound(_l("No such day plan."))
    return run


def plan_json(run: DayPlanRun) -> dict[str, Any]:
    """The plan as the API shows it: its state and progress, and the proposal once done."""
    return {
        "id": run.id, "date": run.day, "status": run.status, "progress": run.progress,
        "budget_seconds": run.budget_seconds, "elapsed_seconds": run.elapsed_seconds,
        "greedy_km": run.greedy_km, "best_km": run.best_km, "method": run.method,
        "error": run.error, "created_at": run.created_at, "finished_at": run.finished_at,
        "accepted_at": run.accepted_at,
        "proposal": {"date": run.day, **run.result} if run.result is not None else None,
    }


def proposed_pairs(run: DayPlanRun) -> list[dict[str, int]]:
    """The proposal's pairs in route order (each technician's position 1, 2, …)."""
    pairs = []
    for route in (run.result or {}).get("routes", []):
        for position, order_id in enumerate(route["order_ids"], start=1):
            pairs.append({"order_id": order_id, "technician_id": route["technician_id"],
                          "position": position})
    return pairs


def accept_plan(run_id: int, user: User,
                items: list[Mapping[str, Any]] | None = None) -> tuple[DayPlanRun, list[dict[str, Any]]]:
    """Assign a finished plan's pairs (or ``items``, the dispatcher's edit of them), once."""
    run = db.session.scalar(select(DayPlanRun).where(DayPlanRun.id == run_id).with_for_update())
    if run is None or run.user_id != user.id:
        raise NotFound(_l("No such day plan."))
    if run.status == "accepted":
        raise Conflict(_l("This day plan was already accepted."))
    if run.status != "done":
        raise Conflict(_l("The day plan is not finished yet."))
    pairs: list[Mapping[str, Any]] = list(items) if items is not None else [*proposed_pairs(run)]
    run.status, run.accepted_at, run.accepted_by_id = "accepted", utcnow(), user.id
    day = run.day
    db.session.commit()  # accepted once, even by two dispatchers at the same moment
    results = dayplan.accept(day, pairs, user)
    return db.session.get_one(DayPlanRun, run_id), results
