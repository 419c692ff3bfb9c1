"""Shift handover log (R20) and in-app notifications: office tools that need no work orders."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.models import User, UserRole
from dispatch.auth.roles import AGENT, DISPATCHER
from dispatch.errors import Conflict, FieldErrors, Forbidden, NotFound
from dispatch.extensions import Model, db
from dispatch.text import clean_text
from dispatch.timeutil import UTCDateTime, utcnow

SHIFT_ROLES = (AGENT, DISPATCHER)


class Handover(Model):
    """What the outgoing agent or dispatcher leaves for the next shift."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    open_problems: Mapped[str] = mapped_column(Text)
    pending_items: Mapped[str] = mapped_column(Text, default="")
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])


class Notification(Model):
    """A message for one user, shown in the top bar until read."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(200), default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def write_handover(data: dict, user: User) -> Handover:
    """The outgoing agent/dispatcher records open problems and pending items."""
    if not user.has_role(*SHIFT_ROLES):
        raise Forbidden(_l("Only agents and dispatchers keep the handover log."))
    errors = FieldErrors()
    problems = errors.check("open_problems", clean_text, data.get("open_problems"),
                            max_len=4000, required=True)
    pending = errors.check("pending_items", clean_text, data.get("pending_items"), max_len=4000)
    errors.raise_if_any()
    handover = Handover(author_id=user.id, open_problems=problems, pending_items=pending or "")
    db.session.add(handover)
    db.session.flush()
    return handover


def acknowledge_handover(handover_id: int, user: User) -> Handover:
    """The incoming agent/dispatcher confirms they read it (not the author; only once)."""
    if not user.has_role(*SHIFT_ROLES):
        raise Forbidden(_l("Only agents and dispatchers keep the handover log."))
    handover = db.session.get(Handover, handover_id, with_for_update=True)
    if handover is None:
        raise NotFound(_l("No such handover."))
    if handover.acknowledged_at is not None:
        raise Conflict(_l("This handover was already acknowledged."))
    if handover.author_id == user.id:
        raise Conflict(_l("The incoming shift acknowledges a handover, not its author."))
    handover.acknowledged_by_id, handover.acknowledged_at = user.id, utcnow()
    return handover


def pending_handovers(user: User) -> int:
    """How many handovers written by others wait for acknowledgement (for the banner)."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(*SHIFT_ROLES):
        return 0
    return db.session.scalar(select(func.count(Handover.id)).where(
        Handover.acknowledged_at.is_(None), Handover.author_id != user.id)) or 0


def notify_role(role: str, message: str, link: str = "") -> int:
    """Notify every active user holding ``role``; returns how many were notified."""
    users = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                               .where(UserRole.role == role, User.active.is_(True))).all()
    db.session.add_all(Notification(user_id=u.id, message=message[:300], link=link[:200])
                       for u in users)
    return len(users)


def unread_notifications(user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_notifications_read(user: User) -> None:
    db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
