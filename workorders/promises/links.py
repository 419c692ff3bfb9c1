"""The customer link: ``/t/<token>``, no login, for one order (SPEC §10).

The token is HMAC-SHA256(secret key, salt) in URL-safe base64: 256 bits nobody can guess. The
database keeps the salt and the token's SHA-256 (found by it, so a guessed token is looked up
in one index probe and never compared slowly); without the secret key the table gives no
token away. A link stops working ``DISPATCH_LINK_DAYS_AFTER_CLOSING`` (30) days after the
order was closed or cancelled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.extensions import db
from dispatch.timeutil import utcnow
from workorders.models import WorkOrder
from workorders.promises.models import CustomerLink

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def _token(salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"customer-link:" + salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(order: WorkOrder) -> CustomerLink:
    salt = secrets.token_hex(16)
    return CustomerLink(order=order, salt=salt, token_hash=_hash(_token(salt)))


def add_links_to_new_orders(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: every new order gets its customer link in the same transaction."""
    for order in list(session.new):
        if isinstance(order, WorkOrder):
            session.add(new_link(order))


def ensure_link(order: WorkOrder) -> bool:
    """Give an order from before links existed its link (flushed: the caller commits);
    True when one was made now."""
    if db.session.scalar(select(CustomerLink.id).where(CustomerLink.order_id == order.id)):
        return False
    db.session.add(new_link(order))
    db.session.flush()
    return True


def link_token(order: WorkOrder) -> str:
    """The order's token (made now, in the caller's transaction, if the order had none)."""
    salt = db.session.scalar(select(CustomerLink.salt).where(CustomerLink.order_id == order.id))
    if salt is None:
        link = new_link(order)
        db.session.add(link)
        db.session.flush()
        salt = link.salt
    return _token(salt)


def tracking_url(order: WorkOrder) -> str:
    base = current_app.config["DISPATCH_BASE_URL"].rstrip("/")
    return f"{base}/t/{link_token(order)}"


def link_for_order(order_id: int) -> str:
    """The customer link of order ``order_id``: what a message's ``${link}`` becomes when it
    is sent (installed into ``dispatch.notify.templates`` by ``dispatch.wiring.init_hooks``)."""
    return tracking_url(db.session.get_one(WorkOrder, order_id))


def link_days() -> float:
    return float(current_app.config.get("DISPATCH_LINK_DAYS_AFTER_CLOSING") or 30)


def expired(order: WorkOrder, now: datetime | None = None) -> bool:
    ended = order.closed_at or order.cancelled_at
    return ended is not None and (now or utcnow()) > ended + timedelta(days=link_days())


def order_for_token(token: str, now: datetime | None = None) -> WorkOrder | None:
    """The order a customer link opens, or ``None`` (malformed, unknown or expired)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    link = db.session.scalar(select(CustomerLink).where(CustomerLink.token_hash == _hash(token)))
    if link is None or not hmac.compare_digest(_token(link.salt), token):
        return None
    return None if expired(link.order, now) else link.order
