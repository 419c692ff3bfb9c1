"""The app's clock for tests: the configured zone's date, and a clock to fix.

A "day" or a "year" (invoice numbers, finance days, reports) is a calendar day in
``DISPATCH_TIMEZONE`` (Asia/Shanghai by default), not the machine's: between 16:00 and 24:00
UTC Shanghai is already on the next day. Tests take today's date from here, never from
``date.today()``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

import dispatch.timeutil
from dispatch.timeutil import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPATCH_TIMEZONE"])


def local_now() -> datetime:
    """Now on the app's clock, in the configured zone."""
    return utcnow().astimezone(zone())


def local_today() -> date:
    return local_now().date()


def local_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in the configured zone."""
    return moment.astimezone(zone()).date()


def freeze(monkeypatch, moment: datetime) -> None:
    """Fix the app's clock at ``moment`` for every caller.

    Modules import the clock by name (``from dispatch.timeutil import utcnow``) and models
    hold it as a column default (``default=utcnow``), so replacing ``dispatch.timeutil.utcnow``
    would reach none of them. They all call the one function, though, and it looks up
    ``datetime`` in its own module's globals on each call: that is what is replaced.
    """
    assert moment.tzinfo is not None

    class FrozenDateTime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return moment.astimezone(tz) if tz is not None else moment.astimezone(UTC).replace(tzinfo=None)

    monkeypatch.setattr(dispatch.timeutil, "datetime", FrozenDateTime)
    # The clock as the code under test sees it (imported by name, and as a column default).
    from workorders.finance import invoices
    from workorders.models import WorkOrder

    assert utcnow() == invoices.utcnow() == moment
    assert WorkOrder.__table__.c.created_at.default.arg(None) == moment
