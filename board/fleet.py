"""The technicians as arrays, for ranking candidates in one vectorised pass.

What candidates need of every active technician — home, skills, trained models, working hours,
capacity, the site of the job in hand, today's load, the last reported position — is read once
into numpy arrays and kept per process (:func:`dispatch.cache.cached`, the ``board`` cache): it
is read again after a committed change to orders, technicians or their accounts moves the
board's version, on a new local day, and at least every ``DISPATCH_BOARD_MAX_AGE_SECONDS`` for
the reported positions (which move no version; the board shows them as old). A request then
only compares arrays with the order (:func:`board.candidates.rank`).

Van stock is not in it: the stock ledger moves no version, so a cached copy could offer a van
emptied since. It is read per request, for the orders that plan parts, from one query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from flask import current_app
from numpy.typing import NDArray

from board.positions import JobInHand, fresh_since, jobs_in_hand, loads_today
from board.roster import Member, Reported, active_members, reported_positions
from dispatch.cache import cached
from dispatch.timeutil import local_day

#: Position sources, as :func:`board.positions.position_of` names them, by code.
SOURCES = ("job", "reported", "home")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """``moment`` as whole microseconds since 1970 (exact, unlike a float timestamp)."""
    return (moment - _EPOCH) // _MICRO


def clock_micros(clock: time) -> int:
    """A time of day as microseconds since midnight (exact)."""
    return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1_000_000 + clock.microsecond


@dataclass
class Fleet:
    """Every active technician, index ``i`` of each array for ``members[i]``."""

    members: list[Member]
    ids: NDArray[np.int64]
    job_lat: NDArray[np.float64]      # the site of the job in hand (NaN: none)
    job_lon: NDArray[np.float64]
    seen_lat: NDArray[np.float64]     # the last reported position (NaN: none)
    seen_lon: NDArray[np.float64]
    seen_at: NDArray[np.int64]        # when, in microseconds since 1970 (int64 min: never)
    home_lat: NDArray[np.float64]
    home_lon: NDArray[np.float64]
    start: NDArray[np.int64]          # working hours, microseconds since midnight
    end: NDArray[np.int64]
    capacity: NDArray[np.int64]
    load: NDArray[np.int64]           # orders today: in hand and completed
    has_models: NDArray[np.bool_]
    _skills: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    _models: dict[str | None, NDArray[np.bool_]] = field(default_factory=dict)

    def skilled(self, kind: str) -> NDArray[np.bool_]:
        """Who has ``kind``'s skill (computed once per kind and kept)."""
        found = self._skills.get(kind)
        if found is None:
            found = self._skills[kind] = np.array([kind in m.skills for m in self.members],
                                                  dtype=bool)
        return found

    def trained(self, model: str | None) -> NDArray[np.bool_]:
        """Who is trained on ``model``: named in their "model:" skills (kept per model)."""
        found = self._models.get(model)
        if found is None:
            found = self._models[model] = np.array([model in m.models for m in self.members],
                                                   dtype=bool)
        return found

    def positions(self, now: datetime) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                NDArray[np.int64]]:
        """Where each technician is or will be next (latitudes, longitudes, source codes):
        the job in hand, else a position reported since :func:`fresh_since`, else home."""
        in_hand = ~np.isnan(self.job_lat)
        fresh = ~in_hand & (self.seen_at >= micros(fresh_since(now)))
        source = np.where(in_hand, 0, np.where(fresh, 1, 2))
        lat = np.where(in_hand, self.job_lat, np.where(fresh, self.seen_lat, self.home_lat))
        lon = np.where(in_hand, self.job_lon, np.where(fresh, self.seen_lon, self.home_lon))
        return lat, lon, source

    def on_shift(self, local_time: time) -> NDArray[np.bool_]:
        clock = clock_micros(local_time)
        return (self.start <= clock) & (clock < self.end)


def build(members: list[Member], in_hand: Mapping[int, JobInHand], loads: Mapping[int, int],
          reported: Mapping[int, Reported]) -> Fleet:
    """The arrays of ``members`` from what :mod:`board.positions` and :mod:`board.roster` read."""
    nan, never = float("nan"), np.iinfo(np.int64).min
    jobs = [in_hand.get(m.id) for m in members]
    seen = [reported.get(m.id) for m in members]
    return Fleet(
        members=members,
        ids=np.array([m.id for m in members], dtype=np.int64),
        job_lat=np.array([j.lat if j else nan for j in jobs], dtype=float),
        job_lon=np.array([j.lon if j else nan for j in jobs], dtype=float),
        seen_lat=np.array([r.lat if r else nan for r in seen], dtype=float),
        seen_lon=np.array([r.lon if r else nan for r in seen], dtype=float),
        seen_at=np.array([micros(r.seen_at) if r else never for r in seen], dtype=np.int64),
        home_lat=np.array([m.home_lat for m in members], dtype=float),
        home_lon=np.array([m.home_lon for m in members], dtype=float),
        start=np.array([clock_micros(m.work_start) for m in members], dtype=np.int64),
        end=np.array([clock_micros(m.work_end) for m in members], dtype=np.int64),
        capacity=np.array([m.daily_capacity for m in members], dtype=np.int64),
        load=np.array([loads.get(m.id, 0) for m in members], dtype=np.int64),
        has_models=np.array([bool(m.models) for m in members], dtype=bool))


def _read(now: datetime) -> Fleet:
    return build(active_members(), jobs_in_hand(), loads_today(now), reported_positions())


def fleet(now: datetime) -> Fleet:
    """Every active technician as arrays, as of the board's version (see the module)."""
    day: date = local_day(now)
    return cached("board", lambda: _read(now), variant=("fleet", day),
                  max_age=current_app.config["DISPATCH_BOARD_MAX_AGE_SECONDS"])
