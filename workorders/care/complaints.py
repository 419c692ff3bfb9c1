"""Complaints (R9, R15–R17): registration with a ``YYMM-NNN`` number, the flow by severity,
the same-day notice, responsibility, follow-ups after resolution, and the due-date lists.

minor: the agent resolves it at once. major / critical: escalated to a manager, who resolves
it; a critical one notifies every manager immediately. Due 15 calendar days after
registration, 20 for overseas customers (R17).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from dispatch.auth.models import User
from dispatch.auth.roles import MANAGER
from dispatch.errors import Conflict, FieldErrors, Forbidden, NotFound, ValidationFailed
from dispatch.extensions import db
from dispatch.handovers.log import notify_role
from dispatch.registry.models import CONFIDENTIALITY, Customer
from dispatch.registry.services import get_customer
from dispatch.registry.visibility import listed_levels, stored_name
from dispatch.sequences import next_value
from dispatch.text import boolean, choice, clean_text
from dispatch.timeutil import day_bounds, local_day, local_text, utcnow
from dispatch.validators import parse_datetime
from workorders.access import get_order
from workorders.care.models import (
    ANSWER_DAYS,
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    SEVERITIES,
    Complaint,
    ComplaintFollowUp,
    ComplaintPromise,
)

DUE_DAYS, DUE_DAYS_OVERSEAS, DUE_SOON_DAYS, MAX_FOLLOW_UPS = 15, 20, 3, 2


def complaint_number(at: datetime) -> str:
    """The next ``YYMM-NNN`` for the month of ``at`` in the configured zone (gapless)."""
    yymm = local_day(at).strftime("%y%m")
    return f"{yymm}-{next_value(f'complaint:{yymm}'):03d}"


def due_date(received_at: datetime, overseas: bool) -> datetime:
    """R17: registration + 15 calendar days, or 20 when the customer is overseas."""
    return received_at + timedelta(days=DUE_DAYS_OVERSEAS if overseas else DUE_DAYS)


def register_complaint(data: Mapping[str, Any], user: User) -> Complaint:
    """Record a complaint; a minor one may carry its resolution and is resolved at once."""
    if not user.can("complaint.create"):
        raise Forbidden(_l("Your role does not allow this."))
    errors = FieldErrors()
    customer: Customer | None = None
    try:
        customer = get_customer(int(data.get("customer_id") or 0), user)
    except (NotFound, ValueError, TypeError):
        errors.add("customer_id", _l("Choose a customer."))
    order_id = data.get("workorder_id")
    if order_id not in (None, ""):
        try:
            order = get_order(int(order_id), user)
            if customer is not None and order.customer_id != customer.id:
                errors.add("workorder_id", _l("This order belongs to another customer."))
        except (NotFound, ValueError, TypeError):
            errors.add("workorder_id", _l("No such work order."))
    severity = errors.check("severity", choice, data.get("severity"), SEVERITIES)
    channel = errors.check("channel", choice, data.get("channel"), CHANNELS)
    description = errors.check("description", clean_text, data.get("description"),
                               max_len=4000, required=True)
    overseas = errors.check("overseas", boolean, data.get("overseas"))
    resolution = errors.check("resolution", clean_text, data.get("resolution"), max_len=4000)
    if resolution and severity != "minor":
        errors.add("resolution", _l("Only a minor complaint is resolved at registration."))
    errors.raise_if_any()
    assert customer is not None
    now = utcnow()
    overseas = bool(overseas or customer.overseas)
    complaint = Complaint(
        number=complaint_number(now), customer_id=customer.id,
        workorder_id=int(order_id) if order_id not in (None, "") else None,
        channel=channel, severity=severity, description=description, overseas=overseas,
        received_at=now, due_at=due_date(now, overseas),
        answer_due_at=now + timedelta(days=ANSWER_DAYS), created_by_id=user.id,
        owner_id=user.id, status="open" if severity == "minor" else "escalated")
    db.session.add(complaint)
    db.session.flush()
    if resolution:
        complaint.resolution, complaint.status = resolution, "resolved"
        complaint.resolved_at, complaint.resolved_by_id = now, user.id
    if severity == "critical":
        notify_role(MANAGER, str(_l("Critical complaint %(number)s: %(customer)s",
                                    number=complaint.number, customer=stored_name(customer))),
                    f"/care/complaints/{complaint.id}")
    return complaint


def visible_complaints(user: User) -> Select[Complaint]:
    """Complaints ``user`` may see: not those of secret customers unless a manager (R18)."""
    query = select(Complaint)
    listed = listed_levels(user)
    if len(listed) < len(CONFIDENTIALITY):
        query = query.join(Customer, Customer.id == Complaint.customer_id).where(
            Customer.confidentiality.in_(listed))
    return query


def get_complaint(complaint_id: int, user: User, *, for_update: bool = False) -> Complaint:
    query = visible_complaints(user).where(Complaint.id == complaint_id)
    if for_update:
        query = query.with_for_update(of=Complaint)
    complaint = db.session.scalar(query)
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    return complaint


def transfer_complaint(complaint: Complaint, new_owner_id: Any, user: User) -> Complaint:
    """R13: a complaint's owner answers for it until it is closed; it moves only explicitly, by
    its owner or a manager, to an active agent or manager (who may handle complaints)."""
    if user.id != complaint.owner_id and not user.has_role("manager"):
        raise Forbidden(_l("Only the owner or a manager can hand this complaint over."))
    if complaint.status == "closed":
        raise Conflict(_l("This complaint is closed."))
    new_owner = None
    with contextlib.suppress(TypeError, ValueError):
        new_owner = db.session.get(User, int(new_owner_id))
    if new_owner is None or not new_owner.active or not new_owner.can("complaint.create"):
        raise ValidationFailed(_l("Some fields are not valid."),
                               {"user_id": str(_l("Choose an active agent or manager."))})
    complaint.owner_id = new_owner.id
    return complaint


def record_notice(complaint: Complaint, data: Mapping[str, Any], user: User) -> Complaint:
    """R15: the customer was told when the answer will come (the promised reply time)."""
    if complaint.status in ("resolved", "closed"):
        raise Conflict(_l("This complaint is already resolved."))
    errors = FieldErrors()
    promised = errors.check("promised_reply_at", parse_datetime, data.get("promised_reply_at"))
    if promised is not None and promised <= complaint.received_at:
        errors.add("promised_reply_at", _l("The promised time must be after registration."))
    elif promised is not None and promised > complaint.due_at:  # R16, SPEC §10
        errors.add("promised_reply_at", _l("Promise a reply by the complaint's due date (%(due)s) "
                                           "at the latest.", due=local_text(complaint.due_at)))
    errors.raise_if_any()
    assert promised is not None
    now = utcnow()
    complaint.promised_reply_at, complaint.notice_at = promised, now
    complaint.promises.append(ComplaintPromise(promised_at=promised, made_at=now,
                                               user_id=user.id))
    return complaint


def resolve_complaint(complaint: Complaint, data: Mapping[str, Any], user: User) -> Complaint:
    """Resolve with cause and responsibility; major/critical ones only by a manager."""
    if complaint.status in ("resolved", "closed"):
        raise Conflict(_l("This complaint is already resolved."))
    if complaint.status == "escalated" and not user.can("complaint.escalated"):
        raise Forbidden(_l("An escalated complaint is resolved by a manager."))
    errors = FieldErrors()
    resolution = errors.check("resolution", clean_text, data.get("resolution"), max_len=4000,
                              required=True)
    cause = errors.check("cause", choice, data.get("cause"), CAUSES)
    department = errors.check("responsible_department", choice,
                              data.get("responsible_department"), DEPARTMENTS)
    person = data.get("responsible_user_id")
    if person not in (None, ""):
        try:
            if db.session.get(User, int(person)) is None:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("responsible_user_id", _l("No such employee."))
    errors.raise_if_any()
    complaint.resolution, complaint.cause = resolution, cause
    complaint.responsible_department = department
    complaint.responsible_user_id = int(person) if person not in (None, "") else None
    complaint.status, complaint.resolved_at, complaint.resolved_by_id = "resolved", utcnow(), user.id
    return complaint


def add_follow_up(complaint: Complaint, data: Mapping[str, Any], user: User) -> Complaint:
    """R16: one or two calls after resolution to check the customer is satisfied."""
    if complaint.status != "resolved":
        raise Conflict(_l("Follow-ups are made after the complaint is resolved."))
    if len(complaint.follow_ups) >= MAX_FOLLOW_UPS:
        raise Conflict(_l("Two follow-ups are already recorded."))
    errors = FieldErrors()
    reached = errors.check("reached", boolean, data.get("reached"))
    satisfied = errors.check("satisfied", boolean, data.get("satisfied"))
    notes = errors.check("notes", clean_text, data.get("notes"), max_len=1000)
    errors.raise_if_any()
    complaint.follow_ups.append(ComplaintFollowUp(
        user_id=user.id, reached=reached, satisfied=satisfied if reached else None,
        notes=notes or ""))
    return complaint


def close_complaint(complaint: Complaint, user: User) -> Complaint:
    """Close a resolved complaint once the customer was reached in a follow-up."""
    if complaint.status != "resolved":
        raise Conflict(_l("Only a resolved complaint can be closed."))
    if not any(f.reached for f in complaint.follow_ups) and \
            len(complaint.follow_ups) < MAX_FOLLOW_UPS:
        raise Conflict(_l("Reach the customer in a follow-up before closing."))
    complaint.status, complaint.closed_at = "closed", utcnow()
    return complaint


def missed_notice(complaint: Complaint, now: datetime | None = None) -> bool:
    """R15: not solved on the day it came in, and the customer was not told that day."""
    day_end = day_bounds(local_day(complaint.received_at))[1]
    now = now or utcnow()
    if now < day_end or (complaint.resolved_at is not None and complaint.resolved_at < day_end):
        return False
    return complaint.notice_at is None or complaint.notice_at >= day_end


def complaint_list(user: User, view: str = "open", now: datetime | None = None) -> list[Complaint]:
    """``open``, ``overdue``, ``due_soon``, ``no_notice`` (R15), ``answer_overdue`` (no answer
    within 3 days, R15) or ``all`` complaints."""
    now = now or utcnow()
    query = visible_complaints(user).order_by(Complaint.due_at)
    unresolved = Complaint.status.in_(("open", "escalated"))
    if view == "overdue":
        query = query.where(unresolved, Complaint.due_at < now)
    elif view == "answer_overdue":
        query = query.where(unresolved, Complaint.answer_due_at < now)
    elif view == "due_soon":
        query = query.where(unresolved, Complaint.due_at >= now,
                            Complaint.due_at < now + timedelta(days=DUE_SOON_DAYS))
    elif view in ("open", "no_notice"):
        query = query.where(Complaint.status != "closed")
    else:
        query = query.order_by(None).order_by(Complaint.received_at.desc())
    rows = db.session.scalars(query.limit(500)).all()
    if view == "no_notice":
        rows = [c for c in rows if missed_notice(c, now)]
    return list(rows)
