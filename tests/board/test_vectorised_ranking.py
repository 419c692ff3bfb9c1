"""Candidates are ranked in one vectorised pass (board/fleet.py); the ranking equals scoring
every technician one by one with the per-technician rule — where they are
(``positions.position_of``), what they lack (``candidates._problems``), the distance of each
pair — over random cities: jobs in hand, fresh and stale reported positions, loads, working
hours, skills, trained models and van stock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import candidates
from board.positions import JobInHand, fresh_since, on_shift, position_of
from board.roster import Member, Reported
from dispatch.geo.distance import distance_km
from dispatch.timeutil import local_clock

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
SKUS = ("RELAY-5P", "HARNESS-12V", "GT06N")
CLOCKS = [time(0, 0), time(8, 30), time(12, 0), time(12, 0, 0, 1), time(17, 30), time(23, 59)]
lat = st.floats(29.9, 30.6, allow_nan=False)
lon = st.floats(119.8, 120.5, allow_nan=False)


@st.composite
def city(draw):
    ids = draw(st.lists(st.integers(1, 5000), min_size=1, max_size=40, unique=True))
    members, in_hand, reported, loads, vans = [], {}, {}, Counter(), {}
    for ident in ids:
        start, end = sorted(draw(st.lists(st.sampled_from(CLOCKS), min_size=2, max_size=2)))
        members.append(Member(
            ident, f"T{ident}", draw(lat), draw(lon),
            draw(st.sampled_from([(), ("repair",), ("install",), ("install", "repair")])),
            start, end, draw(st.integers(0, 4)), draw(st.booleans()),
            draw(st.sampled_from([(), ("GT06N",), ("JT701",), ("GT06N", "JT701")]))))
        if draw(st.booleans()):
            in_hand[ident] = JobInHand(ident * 10, draw(lat), draw(lon))
        if draw(st.booleans()):  # anywhere from just reported to long stale
            minutes = draw(st.integers(0, 400))
            reported[ident] = Reported(draw(lat), draw(lon), NOW - timedelta(minutes=minutes))
        loads[ident] = draw(st.integers(0, 5))
        vans[ident] = draw(st.dictionaries(st.sampled_from(SKUS), st.integers(0, 3)))
    return members, in_hand, reported, loads, vans


def one_by_one(order, members, in_hand, reported, loads, vans, needed):
    """(id, score, km, available, source) best first, each technician scored on their own."""
    fresh = {i: r for i, r in reported.items() if r.seen_at >= fresh_since(NOW)}
    clock = local_clock(NOW)
    rows = []
    for member in members:
        where = position_of(member, NOW, in_hand, fresh)
        km = distance_km(where.lat, where.lon, order.site_lat, order.site_lon)
        problems = candidates._problems(order.kind, order.product_model, member,
                                        loads[member.id], clock, needed,
                                        vans if needed else None)
        score = (100 - km - candidates.PENALTY["per_job"] * loads[member.id]
                 - sum(candidates.PENALTY[p] for p in problems))
        rows.append((member.id, round(score, 2), round(km, 3),
                     not problems & candidates.UNAVAILABLE, where.source))
    return sorted(rows, key=lambda row: (-row[1], row[2], row[0]))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(town=city(), site=st.tuples(lat, lon), kind=st.sampled_from(["repair", "install"]),
       model=st.sampled_from(["GT06N", "JT701", None]),
       planned=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 2)), max_size=3),
       limit=st.none() | st.integers(1, 50))
def test_the_vectorised_ranking_equals_scoring_one_by_one(app, town, site, kind, model, planned,
                                                          limit):
    members, in_hand, reported, loads, vans = town
    order = SimpleNamespace(site_lat=site[0], site_lon=site[1], kind=kind, product_model=model,
                            planned_parts=[SimpleNamespace(sku=s, qty=q) for s, q in planned])
    needed = candidates._parts_needed(order)
    with app.test_request_context(), \
            mock.patch.object(candidates, "jobs_in_hand", lambda: in_hand), \
            mock.patch.object(candidates, "loads_today", lambda now: loads), \
            mock.patch.object(candidates, "reported_positions", lambda: reported):
        ranked = candidates.rank(order, NOW, lambda ids: vans, members, limit)
    expected = one_by_one(order, members, in_hand, reported, loads, vans, needed)[:limit]
    assert [c.technician_id for c in ranked] == [row[0] for row in expected]
    for candidate, (_id, score, km, available, source) in zip(ranked, expected, strict=True):
        assert candidate.score == pytest.approx(score, abs=1e-9)
        assert candidate.distance_km == pytest.approx(km, abs=1e-9)
        assert candidate.available is available
        assert candidate.position_source == source
        assert candidate.load == loads[candidate.technician_id]


def test_working_hours_are_compared_to_the_microsecond(app):
    """The arrays compare clocks as the rule does: from the start, up to the end."""
    from board.fleet import build

    member = Member(1, "T", 30.2, 120.1, ("repair",), time(12, 0), time(12, 0, 0, 1), 1, False)
    fleet = build([member], {}, {}, {})
    for clock in (time(11, 59, 59, 999_999), time(12, 0), time(12, 0, 0, 1)):
        assert bool(fleet.on_shift(clock)[0]) is on_shift(member, clock)
