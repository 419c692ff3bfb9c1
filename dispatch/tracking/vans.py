"""Vans on the platform: a technician whose profile names the van's own tracker
(``van_tracker_id``, its uniqueId) is placed on the board by that tracker's latest fix when it
is fresher than what the tablet last reported.

A periodic check (:func:`schedule_vans`) asks for one ``tracking_vans`` job a minute while any
technician has a tracker; the job reads each tracker's device and latest fix.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.technicians.models import Technician
from dispatch.timeutil import utcnow
from dispatch.tracking.platform import PlatformDown
from dispatch.tracking.service import configured, platform

VAN_SLOT_SECONDS = 60


def _with_trackers():
    return select(Technician).where(Technician.van_tracker_id.is_not(None),
                                    Technician.active.is_(True))


def schedule_vans() -> None:
    """Called by every relay sweep: at most one van update a minute."""
    if not configured() or not db.session.scalar(select(exists(_with_trackers()))):
        return
    slot = int(utcnow().timestamp() // VAN_SLOT_SECONDS)
    request_job("tracking_vans", f"tracking_vans:{slot}", {"slot": slot})
    db.session.commit()


def update_van_positions(job: Job | None = None) -> int:
    """Move each technician with a van tracker to its latest fix when that is newer than the
    position on record; returns how many moved. A platform that cannot be asked moves none
    (the next minute tries again)."""
    moved = 0
    link = platform()
    for technician in db.session.scalars(_with_trackers()):
        try:
            device = link.find_device(technician.van_tracker_id or "")
            fix = link.latest_fix(device) if device is not None else None
        except PlatformDown:
            break
        if fix is None or not fix.valid:
            continue
        if technician.last_seen_at is not None and fix.at <= technician.last_seen_at:
            continue
        technician.last_lat, technician.last_lon, technician.last_seen_at = fix.lat, fix.lon, \
            fix.at
        moved += 1
    db.session.commit()
    return moved


def vans_job(job: Job) -> None:
    update_van_positions(job)
    return None
