"""Candidates are ranked by the documented score, against an oracle written from the rule alone.

docs/decisions.md, "Candidate score": 100 − km − 2 × jobs today, minus 1,000 without the
kind's skill, 300 at capacity, 200 off shift, 15 when not trained on the model, 10 when the van
lacks the planned parts; higher is better, everyone is listed (SPEC §8: best first; who is off
shift, at capacity or lacks the skill is not available). Ties: the nearer first, then the lower
id. Distances are geopy's geodesic (SPEC §5). Nothing here comes from the ranking code but the
function under test: the numbers are literal.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time
from types import SimpleNamespace
from unittest import mock

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import candidates
from board.roster import Member

SITE = (30.2741, 120.1551)  # 武林广场, Hangzhou
#: 12:00 in Shanghai (UTC+8 all year).
NOON = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
#: Working hours, and whether 12:00 falls in them: hours run from the start up to the end.
SHIFTS = [((time(8, 30), time(17, 30)), True), ((time(12, 0), time(20, 0)), True),
          ((time(0, 0), time(12, 0)), False), ((time(13, 0), time(22, 0)), False)]
SKUS = ("RELAY-5P", "HARNESS-12V")


@st.composite
def technicians(draw):
    """A technician at home (no job in hand, no reported position) a whole number of quarter
    kilometres from the site, in any direction: distinct distances never tie by accident, and
    equal ones tie exactly, which is when distance and then id decide."""
    quarters, bearing = draw(st.integers(0, 80)), draw(st.integers(0, 359))
    home = geodesic(kilometers=quarters / 4).destination(SITE, bearing)
    (start, end), on_shift = draw(st.sampled_from(SHIFTS))
    member = Member(
        draw(st.integers(1, 10_000)), "T", home.latitude, home.longitude,
        draw(st.sampled_from([(), ("repair",), ("install",), ("install", "repair")])),
        start, end, draw(st.integers(0, 4)), draw(st.booleans()),
        draw(st.sampled_from([(), ("GT06N",), ("JT701",), ("GT06N", "JT701")])))
    return SimpleNamespace(member=member, on_shift=on_shift, load=draw(st.integers(0, 5)),
                           van=draw(st.dictionaries(st.sampled_from(SKUS), st.integers(0, 3))))


def _oracle(order, crew, needed):
    """(id, score, km, available) best first, from the documented rule."""
    rows = []
    for t in crew:
        m = t.member
        km = geodesic((m.home_lat, m.home_lon), SITE).km
        skilled, free = order.kind in m.skills, t.load < m.daily_capacity
        score = 100 - km - 2 * t.load
        score -= 0 if skilled else 1000
        score -= 0 if free else 300
        score -= 0 if t.on_shift else 200
        # Training is judged for those whose record names models ("model:…" skills); with
        # none named it is not recorded, and nothing is taken off.
        score -= 15 if m.models and order.product_model not in m.models else 0
        score -= 10 if any(t.van.get(sku, 0) < qty for sku, qty in needed.items()) else 0
        rows.append((m.id, round(score, 2), round(km, 3), skilled and free and t.on_shift))
    # Best score, then nearer (to the metre, as reported), then the lower id.
    return sorted(rows, key=lambda row: (-row[1], row[2], row[0]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), size=st.integers(1, 25), kind=st.sampled_from(["repair", "install"]),
       model=st.sampled_from(["GT06N", "JT701"]),
       planned=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 2)), max_size=3),
       limit=st.none() | st.integers(1, 30))
def test_ranking_follows_the_documented_score(app, data, size, kind, model, planned, limit):
    assert app.config["DISPATCH_TIMEZONE"] == "Asia/Shanghai"  # what NOON and SHIFTS assume
    crew = data.draw(st.lists(technicians(), min_size=size, max_size=size,
                              unique_by=lambda t: t.member.id))
    order = SimpleNamespace(site_lat=SITE[0], site_lon=SITE[1], kind=kind, product_model=model,
                            planned_parts=[SimpleNamespace(sku=s, qty=q) for s, q in planned])
    needed = Counter()
    for sku, qty in planned:
        needed[sku] += qty
    vans = {t.member.id: t.van for t in crew}
    loads = Counter({t.member.id: t.load for t in crew})
    with app.test_request_context(), mock.patch.object(candidates, "loads_today",
                                                       lambda now: loads):
        ranked = candidates.rank(order, NOON, lambda ids: vans, [t.member for t in crew], limit)
    expected = _oracle(order, crew, needed)[:limit]
    assert [c.technician_id for c in ranked] == [row[0] for row in expected]
    for candidate, (_id, score, km, available) in zip(ranked, expected, strict=True):
        assert candidate.score == pytest.approx(score, abs=1e-9)
        assert candidate.distance_km == pytest.approx(km, abs=1e-9)
        assert candidate.available is available
        assert candidate.position_source == "home"


def test_the_oracle_on_a_hand_worked_example():
    """The oracle itself, on three technicians worked out by hand (km rounded to quarters)."""
    here = geodesic(kilometers=2).destination(SITE, 90)
    there = geodesic(kilometers=4).destination(SITE, 180)

    def tech(id_, place, skills=("repair",), load=0, cap=8, on_shift=True, models=()):
        member = Member(id_, "T", place.latitude, place.longitude, skills, time(8, 30),
                        time(17, 30), cap, False, models)
        return SimpleNamespace(member=member, on_shift=on_shift, load=load, van={})

    order = SimpleNamespace(kind="repair", product_model="GT06N")
    crew = [tech(1, there),                                   # 100 − 4 − 10 = 86
            tech(2, here, load=1),                            # 100 − 2 − 2 − 10 = 86, nearer
            tech(3, here, models=("JT701",)),                 # 100 − 2 − 15 − 10 = 73
            tech(4, here, skills=("install",), on_shift=False, load=2, cap=2)]
    # No van holds the relay (−10 each); the last: 100 − 2 − 4 − 1000 − 300 − 200 − 10.
    rows = _oracle(order, crew, {"RELAY-5P": 1})
    assert [(row[0], row[1], row[3]) for row in rows] == [
        (2, 86.0, True), (1, 86.0, True), (3, 73.0, True), (4, -1416.0, False)]
