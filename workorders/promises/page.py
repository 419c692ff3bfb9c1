"""What the customer link shows: status, timeline, window, the technician's given name, a
live ETA while en route, and the service sheet and invoice once the work is done — nothing
else about the customer (no phone, no address, no notes)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.geo.distance import distance_km, eta_minutes
from dispatch.jobs.models import Job
from dispatch.timeutil import local_text, utcnow
from workorders.lifecycle import FINISHED
from workorders.models import WorkOrder

#: The history entries a customer sees (state changes, not internal notes or parts).
TIMELINE_ACTIONS = ("intake", "approve", "assign", "en_route", "on_site", "complete", "close",
                    "cancel")
#: Documents offered after completion: the link's name → the job kind that builds it.
DOCUMENTS = {"service_sheet": "service_sheet", "invoice": "invoice_pdf"}


def given_name(full: str) -> str:
    """The given name: the first word of a Western name, the characters after the one-character
    surname of a Chinese name (王小明 → 小明)."""
    full = full.strip()
    if " " in full:
        return full.split()[0]
    if len(full) >= 2 and all(unicodedata.name(ch, "").startswith("CJK") for ch in full):
        return full[1:]
    return full


def latest_position(order: WorkOrder) -> tuple[float, float, datetime] | None:
    """The technician's latest reported position, else where they set off from."""
    technician = order.technician
    if technician is not None and technician.last_lat is not None and \
            technician.last_lon is not None and technician.last_seen_at is not None:
        return technician.last_lat, technician.last_lon, technician.last_seen_at
    for event in reversed(order.events):
        if event.action == "en_route" and event.lat is not None and event.lon is not None:
            return event.lat, event.lon, event.at
    return None


def eta(order: WorkOrder, now: datetime | None = None) -> datetime | None:
    """When the technician should arrive (en route only): distance from the latest position
    to the site at the average speed setting, counted from when the position was taken."""
    if order.status != "en_route" or order.site_lat is None or order.site_lon is None:
        return None
    position = latest_position(order)
    if position is None:
        return None
    lat, lon, seen_at = position
    minutes = eta_minutes(distance_km(lat, lon, order.site_lat, order.site_lon),
                          float(current_app.config["DISPATCH_AVERAGE_SPEED_KMH"]))
    return max(now or utcnow(), seen_at + timedelta(minutes=float(minutes)))


def ready_documents(order: WorkOrder) -> dict[str, Job]:
    """The latest built service sheet and invoice of a finished order."""
    if order.status not in FINISHED:
        return {}
    jobs = db.session.scalars(select(Job).where(
        Job.order_id == order.id, Job.kind.in_(DOCUMENTS.values()), Job.status == "done")
        .order_by(Job.id)).all()
    found = {job.kind: job for job in jobs}
    return {name: found[kind] for name, kind in DOCUMENTS.items() if kind in found}


def window_text(order: WorkOrder) -> str:
    if order.window_start and order.window_end:
        start, end = local_text(order.window_start), local_text(order.window_end)
        return f"{start} – {end[11:] if start[:10] == end[:10] else end}"
    if order.scheduled_for:
        return order.scheduled_for.isoformat()
    return ""


def page_data(order: WorkOrder, now: datetime | None = None) -> dict[str, Any]:
    technician = order.technician
    return {
        "number": order.number, "kind": order.kind, "status": order.status,
        "window": window_text(order),
        "technician": given_name(technician.name) if technician and order.status not in (
            "new", "approved", "cancelled") else "",
        "eta": eta(order, now),
        "timeline": [(event.action, event.at) for event in order.events
                     if event.action in TIMELINE_ACTIONS],
        "documents": list(ready_documents(order)),
    }
