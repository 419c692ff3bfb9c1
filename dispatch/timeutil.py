"""UTC storage, configured-zone days and clocks.

Moments are stored and passed around as aware UTC datetimes. Whatever is a calendar day, a
wall-clock time or a month is read in the configured zone (``DISPATCH_TIMEZONE``) here, and
only here: ``zoneinfo`` handles daylight-saving changes (a local day may last 23 or 25 hours).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from dispatch import settings


def utcnow() -> datetime:
    return datetime.now(UTC)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC")
    return moment.astimezone(settings.timezone())


def local_day(moment: datetime | None = None) -> date:
    """The calendar day of ``moment`` (default: now) in the configured zone."""
    return _local(moment if moment is not None else utcnow()).date()


def local_clock(moment: datetime) -> time:
    """The wall-clock time of ``moment`` in the configured zone."""
    return _local(moment).time()


def local_text(moment: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` (24-hour) in the configured zone; empty for no moment."""
    return _local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def window_text(start: datetime | None, end: datetime | None) -> str:
    """A time window, ``YYYY-MM-DD HH:MM–HH:MM`` in the configured zone; empty without one."""
    if start is None or end is None:
        return ""
    return f"{local_text(start)}–{_local(end):%H:%M}"


def local_moment(day: date, clock: time = time.min) -> datetime:
    """The UTC instant of wall-clock ``clock`` on the local ``day`` (a time skipped by a
    daylight-saving change is read with the offset before it)."""
    return datetime.combine(day, clock, tzinfo=settings.timezone()).astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Where the local ``day`` starts and the next one starts, as UTC instants (half-open)."""
    return local_moment(day), local_moment(day + timedelta(days=1))


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """Where the local calendar month starts and the next one starts, as UTC instants."""
    following = date(year + month // 12, month % 12 + 1, 1)
    return local_moment(date(year, month, 1)), local_moment(following)


def last_month(day: date | None = None) -> str:
    """``YYYY-MM`` of the month before ``day`` (default: the local today)."""
    first = (day or local_day()).replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_type(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Alembic hook: write :class:`UTCDateTime` columns as plain ``sa.DateTime(timezone=True)``."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
