"""Queueing and delivering messages through the outbox, once per event.

``queue_message`` adds the message row and its outbox job to the caller's transaction (the
change that causes it commits with it, or neither exists). ``deliver`` is the job: it marks
the row ``sending`` (committed) before calling the channel and ``sent`` after, so a row
already ``sent`` is never sent again, whoever runs the job again (a sweep after a crash, a
duplicate relay). A worker killed between the gateway accepting and the row saying ``sent``
leaves it ``sending``: the sweep runs it again with the same key (see ``channels``).

A failed send is ``failed`` with its reason; ``retry_failed`` (a periodic check of the sweep)
queues it again after a growing pause, up to ``DISPATCH_NOTIFY_ATTEMPTS`` attempts.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import String, select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job, retry
from dispatch.notify import channels
from dispatch.notify.models import Message
from dispatch.notify.templates import render
from dispatch.timeutil import utcnow

KIND = "notify"


def channel_for(preference: str, email: str, phone: str) -> tuple[str, str] | None:
    """(channel, recipient) for a customer's preference; ``None`` when they want none. A
    preferred channel that is not configured (or has no address) falls back to ``log``."""
    if preference == "none":
        return None
    if preference == "email" and email and channels.configured("email"):
        return "email", email
    if preference == "sms" and phone and channels.configured("sms"):
        return "sms", phone
    return "log", email if preference == "email" else phone


def queue_message(event_key: str, event: str, *, preference: str, email: str, phone: str,
                  language: str, params: dict[str, object], order_id: int | None = None,
                  complaint_id: int | None = None, customer_id: int | None = None) -> Message:
    """The message for ``event_key`` (made once; a second call returns the first)."""
    existing = db.session.scalar(select(Message).where(Message.event_key == event_key))
    if existing is not None:
        return existing
    route = channel_for(preference, email, phone)
    subject, body = render(event, language, params)
    message = Message(event_key=event_key, event=event, order_id=order_id,
                      complaint_id=complaint_id, customer_id=customer_id,
                      channel=route[0] if route else "log", recipient=route[1] if route else "",
                      language=language, subject=subject[:200], body=body,
                      status="queued" if route else "skipped",
                      error=None if route else "the customer asked for no messages")
    db.session.add(message)
    db.session.flush()
    if route:
        request_job(KIND, f"notify:{message.id}", {"message_id": message.id}, order_id=order_id)
    return message


def deliver(job: Job) -> None:
    """Send the job's message unless it went out already (the outbox job of kind ``notify``)."""
    message = db.session.scalar(select(Message).where(Message.id == job.params["message_id"])
                                .with_for_update())
    if message is None or message.status in ("sent", "skipped"):
        db.session.commit()
        return None
    message.status, message.attempts, message.updated_at = "sending", message.attempts + 1, utcnow()
    db.session.commit()
    try:
        channels.send(message)
    except Exception as exc:
        db.session.rollback()
        failed = db.session.get_one(Message, message.id)
        failed.status, failed.updated_at = "failed", utcnow()
        failed.error = f"{type(exc).__name__}: {exc}"[:1000]
        db.session.commit()
        raise
    message.status, message.sent_at, message.error = "sent", utcnow(), None
    message.updated_at = message.sent_at
    db.session.commit()
    return None


def max_attempts() -> int:
    return int(current_app.config.get("DISPATCH_NOTIFY_ATTEMPTS") or 5)


def retry_failed() -> None:
    """Queue failed messages again, each after 1, 2, 4… minutes, until the attempts run out."""
    now = utcnow()
    rows = db.session.execute(
        select(Message, Job).join(Job, Job.dedupe_key == "notify:" + Message.id.cast(String))
        .where(Message.status == "failed", Message.attempts < max_attempts(),
               Job.status == "failed").limit(500)).all()
    for message, job in rows:
        if now - message.updated_at < timedelta(minutes=2 ** (message.attempts - 1)):
            continue
        message.status, message.updated_at = "queued", now
        retry(job.id)
    db.session.commit()
