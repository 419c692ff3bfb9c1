"""The tracking platform's status page (admins and managers): is it configured, does it
answer, does it accept our token, and how far registration and the silent-device sync are."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.tracking.models import TrackedDevice
from dispatch.tracking.service import platform
from dispatch.web.security import page_requires

bp = Blueprint("tracking", __name__)


def status_summary() -> dict:
    """What the status page shows (a live probe of the platform included)."""
    count = db.session.scalar(select(func.count()).select_from(TrackedDevice)) or 0
    registered = db.session.scalar(select(func.count()).select_from(TrackedDevice)
                                   .where(TrackedDevice.platform_id.is_not(None))) or 0
    waiting = db.session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == "tracking_register", Job.status == "queued")) or 0
    last_sync = db.session.scalar(select(Job).where(Job.kind == "tracking_sync")
                                  .order_by(Job.id.desc()).limit(1))
    return {"state": platform().probe(), "url": current_app.config.get("DISPATCH_TRACKING_URL"),
            "devices": count, "registered": registered, "waiting": waiting,
            "last_sync": last_sync}


@bp.get("/tracking/status")
@page_requires("tracking.status")
def status():
    return render_template("tracking/status.html", **status_summary())
