"""The day planned jointly (issue 23): assignment and routes in one solve, never worse than
today's plan (assign by distance, then route), run as a background job with its progress, and
accepted through the API. No timing is asserted: the budgets here only keep the tests short."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest

from board import autoassign, jointplan, planruns
from board.models import DayPlanRun
from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.timeutil import local_moment
from tests.support.clock import local_today
from tests.world import repair_request

DAY = date(2026, 12, 2)


def _instance(seed: int = 3) -> tuple[list[autoassign.Job], list[autoassign.Worker]]:
    """40 orders of two kinds, some with a window, over 6 technicians with different skills,
    shifts and free slots (fewer slots than orders, so capacity binds)."""
    rng = np.random.default_rng(seed)
    kinds = ("repair", "install")
    jobs = []
    for i in range(40):
        window = None
        if i % 4 == 0:
            begin = local_moment(DAY, time(8 + int(rng.integers(0, 8))))
            window = (begin, begin + timedelta(hours=2))
        jobs.append(autoassign.Job(100 + i, 30.27 + rng.uniform(-.1, .1),
                                   120.16 + rng.uniform(-.1, .1), kinds[i % 2],
                                   urgent=i % 7 == 0, window=window))
    skills = [{"repair"}, {"install"}, {"repair", "install"}, {"repair"}, {"install", "repair"},
              {"install"}]
    shifts = [(8, 18), (8, 18), (9, 17), (12, 20), (8, 12), (8, 18)]
    workers = [autoassign.Worker(
        10 + j, 30.27 + rng.uniform(-.1, .1), 120.16 + rng.uniform(-.1, .1),
        frozenset(skills[j]), [8, 6, 7, 5, 3, 6][j],
        (local_moment(DAY, time(shifts[j][0])), local_moment(DAY, time(shifts[j][1]))))
        for j in range(6)]
    return jobs, workers


def _seconds(moment: datetime) -> int:
    return int((moment - local_moment(DAY)).total_seconds())


def test_joint_plan_keeps_capacities_skills_and_windows(app):
    jobs, workers = _instance()
    service = app.config["DISPATCH_SERVICE_MINUTES"] * 60
    outcome = jointplan.plan_jointly(jobs, workers, DAY, budget_seconds=3)
    assert outcome.checks == []  # today's plan was a valid start and the result passed the checks
    # On this instance the joint solve finds a shorter day within its first iterations.
    assert outcome.method == "joint" and outcome.proposal.total_km < outcome.greedy_km
    proposal = outcome.proposal
    by_job = {job.key: job for job in jobs}
    for worker in workers:
        route = proposal.routes.get(worker.key)
        mine = [key for key, owner in proposal.assignments.items() if owner == worker.key]
        assert len(mine) <= worker.free_slots
        assert sorted(mine) == sorted(route.order if route else [])
        for key in mine:
            job = by_job[key]
            assert job.kind in worker.skills
            arrival = route.arrivals[key]
            assert _seconds(worker.shift[0]) <= arrival
            assert arrival + service <= _seconds(worker.shift[1]) + 60
            if job.window:  # the joint plan gives service starts; today's, arrivals (may wait)
                assert arrival <= _seconds(job.window[1])
                assert outcome.method != "joint" or _seconds(job.window[0]) <= arrival
    served = set(proposal.assignments)
    assert served.isdisjoint(proposal.unassigned)
    assert served | set(proposal.unassigned) == set(by_job)


@pytest.mark.parametrize("seed", [3, 5, 8])
def test_never_worse_than_todays_plan(app, seed):
    jobs, workers = _instance(seed)
    greedy = autoassign.propose(jobs, workers, DAY)
    outcome = jointplan.plan_jointly(jobs, workers, DAY, budget_seconds=2)
    assert outcome.greedy_km == greedy.total_km
    assert set(greedy.assignments) <= set(outcome.proposal.assignments)
    assert outcome.proposal.total_km <= greedy.total_km
    assert outcome.joint_km is not None  # the solve ran and its plan passed the checks
    if outcome.method == "greedy":
        assert outcome.proposal is not None and outcome.joint_km >= greedy.total_km


def test_no_budget_left_gives_todays_plan(app):
    jobs, workers = _instance()
    greedy = autoassign.propose(jobs, workers, DAY)
    outcome = jointplan.plan_jointly(jobs, workers, DAY, budget_seconds=0.001, greedy=greedy,
                                     started=0.0)
    assert outcome.method == "greedy" and outcome.proposal is greedy


def _approved(world, **extra) -> int:
    created = world.agent.post("/api/v1/workorders", json=repair_request(world, **extra))
    assert created.status_code == 201, created.get_json()
    order_id = created.get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    return order_id


def test_the_job_reports_progress_and_its_plan_is_accepted(world, make_technician, monkeypatch):
    make_technician(username="planner-tech", lat=30.27, lon=120.15,
                    work_start="00:00", work_end="23:59")
    ids = {_approved(world, lat=lat, lon=lon)
           for lat, lon in ((30.25, 120.15), (30.26, 120.17), (30.29, 120.12), (30.3, 120.2))}
    reports: list[tuple[int, float, float]] = []
    report = planruns._report

    def spy(run_id: int, seconds: float, best_km: float, budget: float) -> None:
        report(run_id, seconds, best_km, budget)
        row = db.session.get_one(DayPlanRun, run_id)
        reports.append((row.progress, row.elapsed_seconds, row.best_km))

    monkeypatch.setattr(planruns, "_report", spy)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    started = world.dispatcher.post("/api/v1/dispatch/day-plans",
                                    json={"date": tomorrow, "budget_seconds": 2})
    assert started.status_code == 202, started.get_json()
    body = started.get_json()
    assert body["status"] == "queued" and body["proposal"] is None and body["budget_seconds"] == 2
    outbox.drain()
    plan = world.dispatcher.get(f"/api/v1/dispatch/day-plans/{body['id']}").get_json()
    assert plan["status"] == "done", plan
    assert plan["progress"] == 100 and plan["method"] in ("joint", "greedy")
    assert plan["best_km"] <= plan["greedy_km"]
    # While it ran, the row told how far it was and the best distance so far.
    assert reports and all(0 <= p <= 99 and km is not None and km >= plan["best_km"] - 1e-6
                           for p, _s, km in reports)
    proposal = plan["proposal"]
    assert {pair["order_id"] for pair in proposal["assignments"]} == ids
    assert all(pair["number"].startswith("WO-") and pair["technician_name"]
               for pair in proposal["assignments"])
    route = proposal["routes"][0]
    assert route["start"]["lat"] and [s["order_id"] for s in route["stops"]] == route["order_ids"]
    assert proposal["total_km"] == plan["best_km"]

    accepted = world.dispatcher.post(f"/api/v1/dispatch/day-plans/{body['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.get_json()
    answer = accepted.get_json()
    assert {r["status"] for r in answer["results"]} == {"assigned"}
    assert answer["plan"]["status"] == "accepted" and answer["plan"]["accepted_at"]
    for order_id in ids:
        order = world.dispatcher.get(f"/api/v1/workorders/{order_id}").get_json()
        assert order["status"] == "assigned" and order["technician_id"] in {
            r["technician_id"] for r in proposal["routes"]}
    again = world.dispatcher.post(f"/api/v1/dispatch/day-plans/{body['id']}/accept", json={})
    assert again.status_code == 409


def test_a_plan_is_its_starters_own(world, api_as):
    """Made from the orders its starter sees (R18): another dispatcher, or a manager, neither
    reads nor accepts it."""
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    started = world.manager.post("/api/v1/dispatch/day-plans",
                                 json={"date": tomorrow, "budget_seconds": 1})
    assert started.status_code == 202, started.get_json()
    plan_id = started.get_json()["id"]
    outbox.drain()
    for other in (world.dispatcher, api_as("manager")):
        assert other.get(f"/api/v1/dispatch/day-plans/{plan_id}").status_code == 404
        assert other.post(f"/api/v1/dispatch/day-plans/{plan_id}/accept", json={}).status_code \
            == 404
    assert world.manager.get(f"/api/v1/dispatch/day-plans/{plan_id}").get_json()["status"] \
        == "done"


def test_only_dispatchers_and_managers_plan_the_day(world, api_as):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    for role in ("agent", "technician", "finance", "warehouse", "admin"):
        client = api_as(role)
        assert client.post("/api/v1/dispatch/day-plans", json={"date": tomorrow}).status_code == 403
        assert client.get("/api/v1/dispatch/day-plans/1").status_code == 403
        assert client.post("/api/v1/dispatch/day-plans/1/accept", json={}).status_code == 403
    assert api_as(None).post("/api/v1/dispatch/day-plans", json={"date": tomorrow}).status_code \
        == 401
    assert db.session.query(DayPlanRun).count() == 0


def test_bad_requests_are_422(world):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()

    def fields(body: dict) -> dict:
        response = world.dispatcher.post("/api/v1/dispatch/day-plans", json=body)
        assert response.status_code == 422, response.get_json()
        return response.get_json()["error"]["fields"]

    unknown = fields({"date": tomorrow, "technician_ids": [world.technician.id, 999_999]})
    assert "999999" in unknown["technician_ids"]
    assert "budget_seconds" in fields({"date": tomorrow, "budget_seconds": 0})
    assert "budget_seconds" in fields({"date": tomorrow, "budget_seconds": -5})
    assert "budget_seconds" in fields({"date": tomorrow, "budget_seconds": 100_000})
    assert "date" in fields({"budget_seconds": 5})
    assert db.session.query(DayPlanRun).count() == 0
    assert world.dispatcher.get("/api/v1/dispatch/day-plans/424242").status_code == 404


def test_a_plan_not_finished_cannot_be_accepted(world, make_user, api_as):
    tomorrow = local_today() + timedelta(days=1)
    dispatcher = make_user("dispatcher")
    run = DayPlanRun(day=tomorrow, user_id=dispatcher.id, budget_seconds=5)
    db.session.add(run)
    db.session.commit()
    refused = api_as(dispatcher).post(f"/api/v1/dispatch/day-plans/{run.id}/accept", json={})
    assert refused.status_code == 409
