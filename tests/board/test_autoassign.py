"""Auto-assignment reaches the exact optimum and respects skills, capacity and windows;
routes visit every stop once; accepting assigns; nothing is assigned before."""

import itertools
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import autoassign
from board.routes import Stop, nearest_neighbour, route_km, solve_route
from dispatch import settings as app_settings
from dispatch.extensions import db
from dispatch.geo.distance import distance_matrix
from dispatch.registry.models import Customer
from tests.support.clock import local_today
from tests.world import repair_request
from workorders.models import WorkOrder

DAY = date(2026, 12, 1)
SKILL_SETS = [frozenset({"install"}), frozenset({"repair"}), frozenset({"install", "repair"})]


def _shift(app):
    tz = app_settings.timezone()
    return (datetime(2026, 12, 1, 8, 30, tzinfo=tz), datetime(2026, 12, 1, 17, 30, tzinfo=tz))


def _brute_force(km, allowed, slots):
    """The best assignment by trying every one (tiny instances): max orders served, then km."""
    n, m = km.shape
    best = (0, 0.0)
    for choice in itertools.product(range(-1, m), repeat=n):
        used = [0] * m
        served, total, ok = 0, 0.0, True
        for i, j in enumerate(choice):
            if j < 0:
                continue
            if not allowed[i, j]:
                ok = False
                break
            used[j] += 1
            served += 1
            total += km[i, j]
        if ok and all(u <= s for u, s in zip(used, slots, strict=True)) and \
                (served > best[0] or (served == best[0] and total < best[1])):
            best = (served, total)
    return best


instances = st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances)
def test_assignment_is_exactly_optimal_and_respects_skills_and_capacity(app, instance):
    n, m, seed = instance
    rng = np.random.default_rng(seed)
    jobs = [autoassign.Job(i, 30 + rng.random() / 5, 120 + rng.random() / 5,
                           str(rng.choice(["install", "repair"]))) for i in range(n)]
    workers = [autoassign.Worker(100 + j, 30 + rng.random() / 5, 120 + rng.random() / 5,
                                 SKILL_SETS[int(rng.integers(0, 3))],
                                 int(rng.integers(0, 3)), _shift(app)) for j in range(m)]
    proposal = autoassign.propose(jobs, workers, DAY, routes=False)
    km = distance_matrix([(j.lat, j.lon) for j in jobs], [(w.lat, w.lon) for w in workers])
    allowed = autoassign.feasible(jobs, workers)
    served, best_km = _brute_force(km, allowed, [w.free_slots for w in workers])
    assert len(proposal.assignments) == served
    assert proposal.assignment_km == pytest.approx(best_km, abs=1e-3)  # gap 0 %
    by_key = {w.key: w for w in workers}
    for job in jobs:
        if job.key in proposal.assignments:
            assert job.kind in by_key[proposal.assignments[job.key]].skills
    for worker in workers:
        assert list(proposal.assignments.values()).count(worker.key) <= worker.free_slots


def test_time_windows_outside_the_shift_are_not_assigned(app):
    shift = _shift(app)
    evening = (shift[1] + timedelta(hours=1), shift[1] + timedelta(hours=3))
    jobs = [autoassign.Job(1, 30.2, 120.1, "repair", window=evening),
            autoassign.Job(2, 30.2, 120.1, "repair", window=(shift[0], shift[0] + timedelta(hours=2)))]
    workers = [autoassign.Worker(7, 30.25, 120.15, frozenset({"repair"}), 5, shift)]
    proposal = autoassign.propose(jobs, workers, DAY)
    assert proposal.assignments == {2: 7}
    assert proposal.unassigned == {1: "no_skill_or_window"}
    assert proposal.routes[7].order == [2]


def test_route_visits_every_stop_once_and_beats_a_zigzag(app):
    start = (30.0, 120.0)
    stops = [Stop(i, 30.0, 120.0 + offset) for i, offset in
             enumerate([0.01, -0.012, 0.03, -0.035, 0.06, -0.065, 0.1])]
    greedy = nearest_neighbour(start, stops)
    solved = solve_route(start, stops, (0, 86_399), 30, 10, 2)
    assert sorted(solved.order) == sorted(greedy.order) == list(range(7))
    assert solved.km <= greedy.km + 1e-6
    assert solved.km == pytest.approx(route_km(start, [(stops[i].lat, stops[i].lon)
                                                       for i in solved.order]))


def test_api_proposes_without_assigning_then_accept_assigns(world, make_technician):
    ids = []
    for lat in (30.25, 30.26, 30.27):
        created = world.agent.post("/api/v1/workorders", json=repair_request(
            world, lat=lat, lon=120.15)).get_json()
        world.manager.post(f"/api/v1/workorders/{created['id']}/approve")
        ids.append(created["id"])
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    proposal = world.dispatcher.post("/api/v1/dispatch/auto-assign", json={"date": tomorrow})
    assert proposal.status_code == 200, proposal.get_json()
    body = proposal.get_json()
    assert sorted(p["order_id"] for p in body["assignments"]) == ids
    assert body["total_km"] > 0 and body["routes"]
    assert all(db.session.get(WorkOrder, i).status == "approved" for i in ids)
    accepted = world.dispatcher.post("/api/v1/dispatch/auto-assign/accept", json={
        "date": tomorrow, "assignments": body["assignments"] + [
            {"order_id": 999999, "technician_id": world.technician.id}]})
    results = {r["order_id"]: r["status"] for r in accepted.get_json()["results"]}
    assert results == {**dict.fromkeys(ids, "assigned"), 999999: "refused"}
    for order_id in ids:
        order = db.session.get(WorkOrder, order_id)
        db.session.refresh(order)
        assert order.status == "assigned" and order.scheduled_for.isoformat() == tomorrow
    assert world.tech.post("/api/v1/dispatch/auto-assign", json={"date": tomorrow}).status_code == 403


def test_board_data_lists_queue_urgent_first(world):
    normal = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
    urgent = world.agent.post("/api/v1/workorders", json=repair_request(world, priority="urgent")).get_json()
    board = world.dispatcher.get("/api/v1/dispatch/board")
    assert board.status_code == 200
    data = board.get_json()
    assert [o["id"] for o in data["queue"]] == [urgent["id"], normal["id"]]
    assert data["open_total"] == 2 and len(data["technicians"]) == 2
    assert world.dispatcher.get("/api/v1/dispatch/board?bbox=1,2,3").status_code == 422
    assert world.agent.get("/api/v1/dispatch/board").status_code == 403


def test_board_counts_and_shows_only_what_the_user_may_see(world, make_user, api_as):
    """A secret customer's orders (R18) are in a manager's board count, not a dispatcher's."""
    world.agent.post("/api/v1/workorders", json=repair_request(world))
    secret = Customer(name="保密客户", contact_name="赵", phone="+8613900139000", address="杭州",
                      confidentiality="secret")
    db.session.add(secret)
    db.session.commit()
    hidden = world.manager.post("/api/v1/workorders", json={
        **repair_request(world), "customer_id": secret.id, "plate": "浙B54321"}).get_json()
    dispatcher = world.dispatcher.get("/api/v1/dispatch/board").get_json()
    assert dispatcher["open_total"] == 1
    assert hidden["id"] not in [o["id"] for o in dispatcher["queue"]]
    assert hidden["id"] not in [p["id"] for p in dispatcher["points"]]
    boss = api_as(make_user("manager", "dispatcher")).get("/api/v1/dispatch/board").get_json()
    assert boss["open_total"] == 2 and hidden["id"] in [o["id"] for o in boss["queue"]]


@pytest.mark.parametrize("seed", range(5))
def test_routes_reach_the_shortest_tour(app, seed):
    """On random 7-stop days the solver's tour is the shortest of all 5,040 orders."""
    rng = np.random.default_rng(seed)
    start = (30.27 + rng.uniform(-.2, .2), 120.16 + rng.uniform(-.2, .2))
    stops = [Stop(i, 30.27 + rng.uniform(-.2, .2), 120.16 + rng.uniform(-.2, .2)) for i in range(7)]
    km = distance_matrix([start, *[(s.lat, s.lon) for s in stops]],
                         [start, *[(s.lat, s.lon) for s in stops]])
    shortest = min(km[0, tour[0]] + sum(km[a, b] for a, b in itertools.pairwise(tour)) + km[tour[-1], 0]
                   for tour in itertools.permutations(range(1, 8)))
    assert solve_route(start, stops, (0, 86_399), 30, 10, 2).km == pytest.approx(shortest, rel=1e-9)
