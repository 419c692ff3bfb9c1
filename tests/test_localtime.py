"""Days, clocks and months in the configured zone (``dispatch.timeutil``): around midnight,
across daylight-saving changes, and as the pages' default day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch import create_app, timeutil
from dispatch.timeutil import (
    day_bounds,
    last_month,
    local_clock,
    local_day,
    local_moment,
    local_text,
    month_bounds,
)

ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe")
_APPS: dict = {}


def _zone_app(zone: str):
    """An app configured for ``zone`` (the helpers need no database)."""
    if zone not in _APPS:
        _APPS[zone] = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "test",
                                  "SQLALCHEMY_DATABASE_URI": "sqlite://", "DISPATCH_TIMEZONE": zone})
    return _APPS[zone]


@pytest.fixture
def shanghai():
    with _zone_app("Asia/Shanghai").app_context():
        yield


@pytest.fixture
def berlin():
    with _zone_app("Europe/Berlin").app_context():
        yield


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_local_day_turns_at_local_midnight(shanghai):
    before, at = utc(2026, 1, 4, 15, 59, 59), utc(2026, 1, 4, 16, 0)
    assert (local_day(before), local_clock(before)) == (date(2026, 1, 4), time(23, 59, 59))
    assert (local_day(at), local_clock(at)) == (date(2026, 1, 5), time(0, 0))
    assert local_text(at) == "2026-01-05 00:00" and local_text(utc(2026, 1, 5, 6, 5)) == "2026-01-05 14:05"
    assert local_text(None) == ""
    assert day_bounds(date(2026, 1, 5)) == (at, utc(2026, 1, 5, 16, 0))
    assert month_bounds(2026, 12) == (utc(2026, 11, 30, 16, 0), utc(2026, 12, 31, 16, 0))


def test_today_and_last_month_follow_the_zone_not_utc(shanghai, monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: utc(2026, 3, 31, 17, 0))  # 01:00 on 1 April
    assert local_day() == date(2026, 4, 1)
    assert last_month() == "2026-03"
    assert last_month(date(2026, 1, 15)) == "2025-12"


def test_a_naive_moment_is_refused(shanghai):
    """``astimezone`` would read it in the server's zone, which is what this module prevents."""
    with pytest.raises(ValueError, match="naive"):
        local_day(datetime(2026, 1, 5, 12, 0))


def test_days_across_daylight_saving_changes(berlin):
    spring, autumn = day_bounds(date(2026, 3, 29)), day_bounds(date(2026, 10, 25))
    assert spring == (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0))
    assert autumn == (utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0))
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    assert local_day(utc(2026, 3, 28, 22, 59)) == date(2026, 3, 28)
    assert local_day(utc(2026, 3, 28, 23, 0)) == date(2026, 3, 29)
    assert local_day(utc(2026, 10, 24, 21, 59)) == date(2026, 10, 24)
    assert local_day(utc(2026, 10, 24, 22, 0)) == date(2026, 10, 25)
    # The clock jumps 02:00 → 03:00 in spring and shows 02:30 twice in autumn.
    assert local_clock(utc(2026, 3, 29, 1, 0)) == time(3, 0)
    assert local_clock(utc(2026, 10, 25, 0, 30)) == local_clock(utc(2026, 10, 25, 1, 30)) == time(2, 30)
    assert local_moment(date(2026, 3, 29), time(9, 0)) == utc(2026, 3, 29, 7, 0)
    assert local_moment(date(2026, 3, 29), time(2, 30)) == utc(2026, 3, 29, 1, 30)  # skipped hour
    start, end = month_bounds(2026, 3)
    assert end - start == timedelta(days=31, hours=-1)


@settings(max_examples=200, deadline=None)  # the first example of a zone builds its app
@given(st.sampled_from(ZONES),
       st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC)))
def test_every_moment_lies_in_the_bounds_of_its_local_day(zone, moment):
    """Including zones whose clocks change at midnight (Santiago) or by half an hour."""
    with _zone_app(zone).app_context():
        day = local_day(moment)
        start, end = day_bounds(day)
        assert start <= moment < end
        assert local_day(start) == day and local_clock(start) <= local_clock(moment)
        assert local_day(end) == day + timedelta(days=1)
        assert local_day(end - timedelta(microseconds=1)) == day
        assert timedelta(hours=22) <= end - start <= timedelta(hours=26)


def test_a_zone_set_in_the_config_is_also_the_zone_pages_show_times_in():
    """The ``when`` filter (Flask-Babel) follows ``DISPATCH_TIMEZONE`` given as an override."""
    app = _zone_app("Europe/Berlin")
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Europe/Berlin"


# Where UTC and Shanghai disagree on the date: 17:00 UTC on 31 March is 01:00 on 1 April there.
FROZEN = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    """The clock of :mod:`dispatch.timeutil`, which ``local_day()`` reads, at ``FROZEN``."""
    monkeypatch.setattr(timeutil, "utcnow", lambda: FROZEN)


def test_document_runs_default_to_the_configured_zones_today(login, make_user, frozen):
    page = login(make_user("manager")).get("/documents/runs").get_data(as_text=True)
    assert 'name="date" type="date" value="2026-04-01"' in page
    assert 'id="month" name="month" type="month" value="2026-04"' in page
    assert 'id="report-month" name="month" type="month" value="2026-04"' in page


def test_the_board_defaults_to_the_configured_zones_today(login, make_user, frozen):
    page = login(make_user("dispatcher")).get("/board").get_data(as_text=True)
    assert 'data-today="2026-04-01"' in page and 'value="2026-04-01"' in page
