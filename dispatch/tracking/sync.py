"""The silent-device sync: the platform's device statuses into each installed terminal's
last-seen time, in pages from the platform and batched writes here.

A periodic check (:func:`schedule_sync`, on every relay sweep) asks for one ``tracking_sync``
job per ``DISPATCH_TRACKING_SYNC_MINUTES`` slot; the job (:func:`sync_statuses`) reads every
device page by page, matches them to installed terminals by uniqueId (IMEI, else terminal ID)
and writes only what changed, in batches of :data:`WRITE_BATCH` rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.jobs.runner import RetryLater
from dispatch.registry.models import Terminal
from dispatch.timeutil import utcnow
from dispatch.tracking.models import TrackedDevice
from dispatch.tracking.platform import Device, PlatformDown
from dispatch.tracking.service import configured, platform

WRITE_BATCH = 5000


def schedule_sync() -> None:
    """Called by every relay sweep: one sync per period, while the platform is configured."""
    if not configured():
        return
    minutes = max(1, int(current_app.config["DISPATCH_TRACKING_SYNC_MINUTES"]))
    slot = int(utcnow().timestamp() // (minutes * 60))
    request_job("tracking_sync", f"tracking_sync:{slot}", {"slot": slot})
    db.session.commit()


def sync_statuses(job: Job | None = None) -> dict[str, int]:
    """Read every device's status from the platform and keep the last-seen times."""
    try:
        seen = _platform_devices()
    except PlatformDown as down:
        if job is None:
            raise
        raise RetryLater(f"tracking platform {down.state}", _retry_delay()) from down
    return _store(seen, utcnow())


def _retry_delay() -> timedelta:
    return timedelta(minutes=max(1, int(current_app.config["DISPATCH_TRACKING_SYNC_MINUTES"])))


def _platform_devices() -> dict[str, Device]:
    page_size = int(current_app.config["DISPATCH_TRACKING_PAGE_SIZE"])
    seen: dict[str, Device] = {}
    for page in platform().device_statuses(page_size):
        for device in page:
            seen[device.unique_id] = device
    return seen


def _store(seen: dict[str, Device], now: datetime) -> dict[str, int]:
    installed = db.session.execute(select(Terminal.id, Terminal.imei, Terminal.terminal_id)
                                   .where(Terminal.status == "installed")).all()
    rows = {row.terminal_ref: row for row in db.session.execute(
        select(TrackedDevice.id, TrackedDevice.terminal_ref, TrackedDevice.unique_id,
               TrackedDevice.platform_id, TrackedDevice.last_seen_at,
               TrackedDevice.platform_status))}
    taken = {row.unique_id for row in rows.values()}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    matched = 0
    for terminal_ref, imei, terminal_id in installed:
        device = (seen.get(imei) if imei else None) or seen.get(terminal_id)
        if device is None:
            continue
        matched += 1
        row = rows.get(terminal_ref)
        if row is None:
            if device.unique_id in taken:
                continue
            taken.add(device.unique_id)
            inserts.append({"terminal_ref": terminal_ref, "unique_id": device.unique_id,
                            "platform_id": device.platform_id, "registered_at": now,
                            "last_seen_at": device.last_update,
                            "platform_status": device.status[:12], "synced_at": now})
        elif (row.last_seen_at != device.last_update or row.platform_status != device.status
              or row.platform_id != device.platform_id):
            updates.append({"id": row.id, "platform_id": device.platform_id,
                            "last_seen_at": device.last_update,
                            "platform_status": device.status[:12], "synced_at": now})
    for start in range(0, len(inserts), WRITE_BATCH):
        db.session.execute(insert(TrackedDevice), inserts[start:start + WRITE_BATCH])
        db.session.commit()
    for start in range(0, len(updates), WRITE_BATCH):
        db.session.execute(update(TrackedDevice), updates[start:start + WRITE_BATCH])
        db.session.commit()
    db.session.commit()
    return {"platform_devices": len(seen), "matched": matched, "added": len(inserts),
            "updated": len(updates)}


def sync_job(job: Job) -> None:
    """The ``tracking_sync`` job."""
    sync_statuses(job)
    return None
