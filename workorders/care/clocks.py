"""The complaint clocks (R15, R16): the 3-day answer, the same-day notice and the promised
reply times — kept or missed — with the alerts they raise.

A promise is *kept* when the complaint was answered (resolved) by the promised time, *missed*
when that time passed first, *replaced* when a later promise was made before it fell due, and
*pending* until then. The alerts are raised once each by the relay sweep's periodic check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from dispatch.auth.models import User
from dispatch.auth.roles import AGENT, MANAGER
from dispatch.extensions import db
from dispatch.notify.alerts import alert_once
from dispatch.timeutil import day_bounds, local_clock, local_day, local_text, utcnow
from dispatch.validators import parse_clock
from workorders.care.complaints import visible_complaints
from workorders.care.models import Complaint, ComplaintPromise

PROMISE_STATES = ("pending", "kept", "missed", "replaced")
UNRESOLVED = ("open", "escalated")


def promise_state(promise: ComplaintPromise, complaint: Complaint, now: datetime) -> str:
    answered = complaint.resolved_at
    if answered is not None and answered <= promise.promised_at:
        return "kept"
    later = [p for p in complaint.promises if p.id > promise.id]
    if later and later[0].made_at < promise.promised_at and (answered is None
                                                           or answered > promise.promised_at):
        return "replaced"
    if answered is not None or now > promise.promised_at:
        return "missed"
    return "pending"


@dataclass(frozen=True)
class PromiseRow:
    complaint: Complaint
    promise: ComplaintPromise
    state: str


def promise_list(user: User, state: str = "all", now: datetime | None = None) -> list[PromiseRow]:
    """Promised reply times of the complaints ``user`` may see, newest first, by state."""
    now = now or utcnow()
    query = (visible_complaints(user).join(ComplaintPromise, ComplaintPromise.complaint_id
                                           == Complaint.id)
             .options(contains_eager(Complaint.promises))
             .order_by(ComplaintPromise.promised_at.desc(), ComplaintPromise.id))
    complaints = db.session.scalars(query.limit(2000)).unique().all()
    rows = [PromiseRow(c, p, promise_state(p, c, now)) for c in complaints for p in c.promises]
    rows.sort(key=lambda row: row.promise.promised_at, reverse=True)
    return [row for row in rows if state == "all" or row.state == state][:500]


def notice_alert_time() -> time:
    return parse_clock(current_app.config.get("DISPATCH_NOTICE_ALERT_AT") or "16:00")


def alert_missing_notices(now: datetime) -> int:
    """R15, late in the day: agents are told of today's unsolved complaints with no notice."""
    if local_clock(now) < notice_alert_time():
        return 0
    start, end = day_bounds(local_day(now))
    waiting = db.session.scalars(select(Complaint).where(
        Complaint.received_at >= start, Complaint.received_at < end,
        Complaint.status.in_(UNRESOLVED), Complaint.notice_at.is_(None))).all()
    return sum(alert_once(
        f"notice_due:{c.id}", (AGENT,),
        str(_l("Complaint %(number)s: tell the customer today when the answer will come.",
               number=c.number)), f"/care/complaints/{c.id}") for c in waiting)


def alert_overdue_answers(now: datetime) -> int:
    """R15: a complaint past its 3-day answer without one is reported to the managers."""
    overdue = db.session.scalars(select(Complaint).where(
        Complaint.status.in_(UNRESOLVED), Complaint.answer_due_at < now).limit(500)).all()
    return sum(alert_once(
        f"answer_overdue:{c.id}", (MANAGER,),
        str(_l("Complaint %(number)s has no answer after 3 days (due %(due)s).",
               number=c.number, due=local_text(c.answer_due_at))),
        f"/care/complaints/{c.id}") for c in overdue)


def alert_missed_promises(now: datetime) -> int:
    """R16: a promised reply time passed with the complaint unanswered."""
    rows = db.session.execute(select(ComplaintPromise, Complaint).join(Complaint).where(
        Complaint.status.in_(UNRESOLVED), ComplaintPromise.promised_at < now,
        ComplaintPromise.promised_at == Complaint.promised_reply_at).limit(500)).all()
    return sum(alert_once(
        f"promise_missed:{p.id}", (AGENT, MANAGER),
        str(_l("Complaint %(number)s: the reply promised for %(at)s was not given.",
               number=c.number, at=local_text(p.promised_at))),
        f"/care/complaints/{c.id}") for p, c in rows)


def check_complaint_clocks() -> None:
    """The sweep's periodic check: raise what is due now (each alert once)."""
    now = utcnow()
    alert_missing_notices(now)
    alert_overdue_answers(now)
    alert_missed_promises(now)
    db.session.commit()
