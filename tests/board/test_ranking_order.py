"""Ranking many technicians at once orders them exactly as scoring each one by itself does."""

from datetime import time
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import candidates
from board.roster import Member
from dispatch.geo.distance import distance_km
from dispatch.timeutil import local_clock, utcnow

SITE = (30.2741, 120.1551)

members = st.lists(st.builds(
    lambda i, lat, lon, skills, late, cap, trained: Member(
        i, f"T{i}", SITE[0] + lat, SITE[1] + lon, skills, time(0, 0) if not late else time(23, 58),
        time(23, 59), cap, False, trained),
    st.integers(1, 10_000), st.floats(-0.3, 0.3), st.floats(-0.3, 0.3),
    st.sampled_from([("repair",), ("install",), ("repair", "install")]), st.booleans(),
    st.integers(0, 3), st.sampled_from([(), ("GT06N",), ("JT701",)])),
    min_size=1, max_size=40, unique_by=lambda m: m.id)


def _one_by_one(order, pool, stock, now):
    """The score of each technician computed alone, sorted as the ranking promises."""
    local = local_clock(now)
    needed = {"RELAY-5P": 1}
    rows = []
    for t in pool:
        km = distance_km(t.home_lat, t.home_lon, order.site_lat, order.site_lon)
        problems = candidates._problems(order.kind, order.product_model, t, 0, local, needed, stock)
        score = 100.0 - km - sum(candidates.PENALTY[p] for p in problems)
        rows.append((-round(score, 2), round(km, 3), t.id))
    return [(t_id, -negative) for negative, _km, t_id in sorted(rows)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pool=members, stocked=st.sets(st.integers(1, 10_000)), limit=st.integers(1, 45))
def test_ranking_matches_scoring_each_technician_alone(app, pool, stocked, limit):
    order = SimpleNamespace(site_lat=SITE[0], site_lon=SITE[1], kind="repair",
                            product_model="GT06N",
                            planned_parts=[SimpleNamespace(sku="RELAY-5P", qty=1)])
    stock = {t.id: {"RELAY-5P": 1} for t in pool if t.id in stocked}
    now = utcnow()
    with app.test_request_context():
        ranked = candidates.rank(order, now, lambda ids: stock, technicians=pool, limit=limit)
        expected = _one_by_one(order, pool, stock, now)[:limit]
    assert [(c.technician_id, c.score) for c in ranked] == expected
    for candidate in ranked:
        assert candidate.available == (candidate.score > -100)  # unavailable = a 200+ penalty
