"""The platform this installation talks to, and registering installed terminals on it.

``platform()`` builds the adapter from the settings (``DISPATCH_TRACKING_URL``,
``DISPATCH_TRACKING_TOKEN``, ``DISPATCH_TRACKING_TIMEOUT``, ``DISPATCH_TRACKING_RETRIES``); with
no URL it is :class:`~dispatch.tracking.platform.NotConfigured`. Registration runs as an outbox
job (``tracking_register``), so an install, a swap or an import never waits for the platform and
an outage only delays it (:class:`~dispatch.jobs.runner.RetryLater`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.jobs.runner import RetryLater
from dispatch.registry.models import Terminal
from dispatch.timeutil import utcnow
from dispatch.tracking.models import TrackedDevice
from dispatch.tracking.platform import NotConfigured, PlatformDown, TrackingPlatform
from dispatch.tracking.traccar import Traccar

#: The longest a registration waits between two tries while the platform is down.
MAX_RETRY_DELAY = timedelta(minutes=30)


def configured() -> bool:
    return bool(current_app.config.get("DISPATCH_TRACKING_URL"))


def platform() -> TrackingPlatform:
    """The adapter for the current settings (one per app: it keeps its connections)."""
    config = current_app.config
    url = config.get("DISPATCH_TRACKING_URL")
    if not url:
        return NotConfigured()
    key = (url, config.get("DISPATCH_TRACKING_TOKEN") or "",
           float(config.get("DISPATCH_TRACKING_TIMEOUT", 3)),
           int(config.get("DISPATCH_TRACKING_RETRIES", 2)),
           float(config.get("DISPATCH_TRACKING_BACKOFF", 0.25)))
    cached = current_app.extensions.get("dispatch_tracking")
    if cached is None or cached[0] != key:
        cached = current_app.extensions["dispatch_tracking"] = (key, Traccar(*key))
    return cached[1]


def unique_id_of(terminal: Terminal) -> str:
    """SPEC §10: the terminal's IMEI when known, else its terminal ID."""
    return terminal.imei or terminal.terminal_id


def tracked(terminal: Terminal) -> TrackedDevice:
    """The terminal's platform record, created (not yet registered) when missing."""
    row = db.session.scalar(select(TrackedDevice).where(TrackedDevice.terminal_ref == terminal.id))
    if row is None:
        row = TrackedDevice(terminal_ref=terminal.id, unique_id=unique_id_of(terminal))
        db.session.add(row)
        db.session.flush()
    return row


def request_registration(terminals: Iterable[tuple[str, str | None]], dedupe_key: str,
                         order_id: int | None = None, user_id: int | None = None) -> Job | None:
    """Ask (in the caller's transaction) for these terminals — (terminal ID, device name or
    None for the plate of the vehicle it is in) — to be made known to the platform; nothing
    when the platform is not configured. One job per ``dedupe_key``."""
    wanted = sorted({terminal_id: name for terminal_id, name in terminals}.items())
    if not wanted or not configured():
        return None
    return request_job("tracking_register", f"tracking_register:{dedupe_key}",
                       {"terminals": [[terminal_id, name] for terminal_id, name in wanted]},
                       order_id=order_id, user_id=user_id)


def register_terminals(job: Job) -> None:
    """The ``tracking_register`` job: each terminal of the job that has no platform device yet
    gets one (looked up by uniqueId first, so a retried job never creates a second), named
    after the plate it goes into."""
    link = platform()
    if isinstance(link, NotConfigured):
        return None
    for terminal_id, name in job.params.get("terminals", []):
        terminal = db.session.scalar(select(Terminal).where(Terminal.terminal_id == terminal_id))
        name = name or (terminal.vehicle.plate if terminal and terminal.vehicle else None)
        if terminal is None or not name:
            continue
        row = tracked(terminal)
        if row.platform_id is not None:
            continue
        try:
            device, _created = link.ensure_device(row.unique_id, name)
        except PlatformDown as down:
            db.session.commit()  # the terminals done so far stay done
            delay = min(MAX_RETRY_DELAY, timedelta(seconds=30 * 2 ** min(job.attempts, 10)))
            raise RetryLater(f"tracking platform {down.state}", delay) from down
        row.platform_id, row.registered_at = device.platform_id, utcnow()
        db.session.commit()
    return None
