"""Alerts to staff when a promise slips: in the app, and by email when configured.

Each alert has a key (``arrival_late:42``, ``notice_due:7``…) and is raised once: the periodic
checks may run as often as they like.
"""

from __future__ import annotations

from flask import current_app

from dispatch.extensions import db
from dispatch.handovers.log import notify_role
from dispatch.notify import channels
from dispatch.notify.delivery import queue_message
from dispatch.notify.models import AlertSent


def alert_emails() -> list[str]:
    raw = current_app.config.get("DISPATCH_ALERT_EMAILS") or ""
    return [address.strip() for address in raw.split(",") if address.strip()]


def alert_once(key: str, roles: tuple[str, ...], message: str, link: str = "") -> bool:
    """Raise the alert ``key`` unless it was raised before; True when raised now."""
    if db.session.get(AlertSent, key) is not None:
        return False
    db.session.add(AlertSent(key=key))
    for role in roles:
        notify_role(role, message, link)
    if channels.configured("email"):
        base = current_app.config["DISPATCH_BASE_URL"].rstrip("/")
        for address in alert_emails():
            queue_message(f"alert:{key}:{address}"[:120], "staff_alert", preference="email",
                          email=address, phone="", language="en",
                          params={"message": message, "link": f"{base}{link}" if link else ""})
    db.session.flush()
    return True
