"""The activation check (SPEC §10): does the terminal an order installs report, fresh and near
the site? ``reporting`` = a fix no older than ``DISPATCH_ACTIVATION_MAX_AGE_MINUTES`` within
``DISPATCH_ACTIVATION_MAX_DISTANCE_M`` of the site (a site without a point is not measured).

The first ``reporting`` answer is kept on the order as its evidence (when and where that fix
was), printed on the service sheet. Completion asks :func:`require_reporting`: an order that
installs a terminal completes only while it reports, or with an override reason, which is
recorded and listed for managers. Without the platform the check is ``not_configured`` and
never blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.geo.distance import distance_km
from dispatch.labels import label
from dispatch.registry import devices
from dispatch.registry.models import Terminal
from dispatch.text import clean_text
from dispatch.timeutil import utcnow
from dispatch.tracking.platform import NOT_CONFIGURED, UNREACHABLE, NotConfigured, PlatformDown
from dispatch.tracking.service import platform, unique_id_of
from workorders.models import WorkOrder
from workorders.tracking.models import OrderActivation

STATUSES = ("reporting", "silent", "unknown_device", UNREACHABLE, NOT_CONFIGURED)


@dataclass(frozen=True)
class Activation:
    status: str
    unique_id: str | None
    checked_at: datetime
    last_fix_at: datetime | None = None
    distance_m: int | None = None
    lat: float | None = None
    lon: float | None = None
    #: What the platform said: ok, unreachable, rejected (the token), not_configured.
    platform: str = "ok"

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "unique_id": self.unique_id,
                "last_fix_at": self.last_fix_at.isoformat() if self.last_fix_at else None,
                "distance_m": self.distance_m, "checked_at": self.checked_at.isoformat(),
                "platform": self.platform}


def new_terminal(order: WorkOrder) -> Terminal | None:
    """The terminal the order puts into the vehicle (install or terminal change), if any."""
    for swap in order.swaps:
        if swap.kind == "terminal" and swap.new_identifier:
            return devices.find_terminal(swap.new_identifier)
    return None


def installs_terminal(order: WorkOrder) -> bool:
    return any(s.kind == "terminal" and s.new_identifier for s in order.swaps)


def check(order: WorkOrder) -> Activation:
    """Ask the platform now (one device read, and the position when it is a new one)."""
    now = utcnow()
    terminal = new_terminal(order)
    unique_id = unique_id_of(terminal) if terminal is not None else None
    link = platform()
    if isinstance(link, NotConfigured):
        return Activation(NOT_CONFIGURED, unique_id, now, platform=NOT_CONFIGURED)
    if unique_id is None:  # no terminal recorded yet: nothing to look for
        return Activation("unknown_device", None, now)
    try:
        device = link.find_device(unique_id)
        if device is None:
            return Activation("unknown_device", unique_id, now)
        fix = link.latest_fix(device)
    except PlatformDown as down:
        status = NOT_CONFIGURED if down.state == NOT_CONFIGURED else UNREACHABLE
        return Activation(status, unique_id, now, platform=down.state)
    if fix is None:
        return Activation("silent", unique_id, now)
    distance = None
    if order.site_lat is not None and order.site_lon is not None:
        distance = round(distance_km(order.site_lat, order.site_lon, fix.lat, fix.lon) * 1000)
    config = current_app.config
    fresh = now - fix.at <= timedelta(minutes=config["DISPATCH_ACTIVATION_MAX_AGE_MINUTES"])
    near = distance is None or distance <= config["DISPATCH_ACTIVATION_MAX_DISTANCE_M"]
    return Activation("reporting" if fresh and near and fix.valid else "silent", unique_id, now,
                      fix.at, distance, fix.lat, fix.lon)


def evidence(order_id: int) -> OrderActivation | None:
    return db.session.scalar(select(OrderActivation).where(OrderActivation.order_id == order_id))


def keep_evidence(order: WorkOrder, result: Activation) -> OrderActivation | None:
    """The first ``reporting`` fix becomes the order's evidence (later ones change nothing)."""
    row = evidence(order.id)
    if result.status != "reporting" or (row is not None and row.fix_at is not None):
        return row
    if row is None:
        row = OrderActivation(order_id=order.id, unique_id=result.unique_id or "",
                              status=result.status)
        db.session.add(row)
    row.unique_id, row.status, row.checked_at = result.unique_id or "", result.status, \
        result.checked_at
    row.fix_at, row.fix_lat, row.fix_lon = result.last_fix_at, result.lat, result.lon
    row.distance_m = result.distance_m
    return row


def check_and_keep(order: WorkOrder) -> Activation:
    result = check(order)
    if result.status == "reporting":
        keep_evidence(order, result)
        db.session.commit()
    return result


def require_reporting(order: WorkOrder, user: User, override: Any, errors: FieldErrors) -> None:
    """Completion's rule: an order that installs a terminal needs ``reporting`` now (or
    evidence already kept), else an ``activation_override_reason``, which is recorded."""
    if not installs_terminal(order):
        return
    reason = errors.check("activation_override_reason", clean_text, override, max_len=300) or ""
    kept = evidence(order.id)
    if kept is not None and kept.fix_at is not None:
        return
    result = check(order)
    if result.status in ("reporting", NOT_CONFIGURED):
        keep_evidence(order, result)
        return
    if not reason.strip():
        errors.add("activation", _l("The new terminal does not report yet (%(status)s): wait for "
                                    "its first fix near the site, or give an override reason.",
                                    status=_status_text(result)))
        return
    row = kept or OrderActivation(order_id=order.id, unique_id=result.unique_id or "",
                                  status=result.status)
    db.session.add(row)
    row.status, row.checked_at = result.status, result.checked_at
    row.fix_at, row.fix_lat, row.fix_lon = result.last_fix_at, result.lat, result.lon
    row.distance_m = result.distance_m
    row.override_reason, row.override_by_id, row.override_at = reason.strip(), user.id, utcnow()


def _status_text(result: Activation) -> str:
    text = str(label(result.status))
    if result.distance_m is not None:
        text += f", {result.distance_m} m"
    return text


def overrides(limit: int = 200) -> list[OrderActivation]:
    """Completions let through without a reporting terminal, newest first (managers' list)."""
    return list(db.session.scalars(
        select(OrderActivation).where(OrderActivation.override_reason.is_not(None))
        .order_by(OrderActivation.override_at.desc()).limit(limit)))
