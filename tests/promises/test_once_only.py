"""Each event is messaged once, whatever happens to the worker (a hypothesis test).

Hypothesis draws a sequence of order and complaint events and, for each message's first
attempt, a fate: sent, the worker killed before the gateway got it, killed after the gateway
accepted it (before the row said "sent"), or a network error. The kill is a ``BaseException``
thrown inside the job, so nothing after it is committed — the state a SIGKILLed worker leaves.
Then the relay sweep runs (twice, the clock moved past the stale-worker time and the retry
pause) and the in-process worker does what it re-queued.

Then: one message row per event, every one ``sent``; the SMS gateway received one distinct
key per event, each exactly once except those whose worker died after the gateway accepted,
which it received twice with the same ``Idempotency-Key`` (and a gateway drops the repeat).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox, runner
from dispatch.jobs.models import Job
from dispatch.notify import channels
from dispatch.notify.models import Message
from tests.support.clock import freeze
from tests.support.receivers import SmsGateway
from tests.world import repair_request, signature_png

FATES = ("sent", "killed_before", "killed_after", "network_error")
ORDER_STEPS = ("approve", "assign", "en_route", "on_site", "complete")
MESSAGED = {"approve", "en_route", "complete"}
_days = itertools.count()


class Killed(BaseException):
    """The worker process dies here (not an error the job could catch and record)."""


def _order_step(world, order_id: int, step: str) -> None:
    base = f"/api/v1/workorders/{order_id}"
    if step == "approve":
        response = world.manager.post(f"{base}/approve")
    elif step == "assign":
        response = world.dispatcher.post(f"{base}/assign",
                                         json={"technician_id": world.technician.id})
    elif step in ("en_route", "on_site"):
        response = world.tech.post(f"{base}/status", json={"status": step, "lat": 30.26,
                                                            "lon": 120.12})
    else:
        response = world.tech.post(f"{base}/complete", json={
            "resolution": "重新接线", "payment_method": "none", "amount_collected": "0",
            "signature_png_base64": signature_png()})
    assert response.status_code == 200, (step, response.get_json())


def _complaint_step(world, state: dict, step: str) -> int:
    if step == "register":
        body = world.agent.post("/api/v1/complaints", json={
            "customer_id": world.customer.id, "severity": "major", "channel": "hotline",
            "description": "掉线"}).get_json()
        state.update(id=body["id"], received=datetime.fromisoformat(body["received_at"]))
        return 1
    if step == "promise":
        at = (state["received"] + timedelta(hours=len(state.setdefault("promises", [])) + 1))
        state["promises"].append(at)
        assert world.agent.post(f"/api/v1/complaints/{state['id']}/notice",
                                json={"promised_reply_at": at.isoformat()}).status_code == 200
        return 1
    assert world.manager.post(f"/api/v1/complaints/{state['id']}/resolve", json={
        "resolution": "已处理", "cause": "device", "responsible_department": "vendor"}
    ).status_code == 200
    return 1


events = st.lists(st.sampled_from(("order", "order", "complaint")), min_size=1, max_size=6)
fates = st.lists(st.sampled_from(FATES), min_size=1, max_size=8)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=events, fate_list=fates)
def test_each_event_is_messaged_once_even_when_the_worker_dies_mid_send(
        app, world, monkeypatch, plan, fate_list):
    # Each example a day later than the one before (the API tokens were made at the real now).
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=next(_days))
    freeze(monkeypatch, start)
    app.config["DISPATCH_JOB_STALE_SECONDS"] = "60"
    first_message = db.session.scalar(select(Message.id).order_by(Message.id.desc())) or 0
    relayed: list[int] = []
    real_relay = outbox.relay
    monkeypatch.setattr(outbox, "relay", lambda ids, queues_of=None: relayed.extend(ids))

    with SmsGateway() as gateway:
        app.config["DISPATCH_SMS_URL"] = gateway.url
        expected, order_id, order_steps, complaint = 0, None, 0, {}
        complaint_steps = iter(("register", "promise", "promise", "answer"))
        for kind in plan:
            if kind == "order":
                if order_id is None or order_steps == len(ORDER_STEPS):
                    order_id = world.agent.post("/api/v1/workorders",
                                                json=repair_request(world)).get_json()["id"]
                    order_steps = 0
                step = ORDER_STEPS[order_steps]
                _order_step(world, order_id, step)
                order_steps += 1
                expected += step in MESSAGED
            else:
                step = next(complaint_steps, None)
                if step is not None:
                    expected += _complaint_step(world, complaint, step)

        messages = list(db.session.scalars(select(Message).where(Message.id > first_message)
                                           .order_by(Message.id)))
        assert len(messages) == expected
        fate_of = {m.event_key: fate_list[i % len(fate_list)] for i, m in enumerate(messages)}
        real_send = channels.SENDERS["sms"]

        def fated_send(message: Message) -> None:
            fate = fate_of.get(message.event_key, "sent") if message.attempts == 1 else "sent"
            if fate == "killed_before":
                raise Killed
            if fate == "network_error":
                raise ConnectionError("gateway unreachable")
            real_send(message)
            if fate == "killed_after":
                raise Killed

        monkeypatch.setitem(channels.SENDERS, "sms", fated_send)
        jobs = db.session.scalars(select(Job.id).where(
            Job.kind == "notify", Job.id.in_(relayed)).order_by(Job.id)).all()
        assert len(jobs) == expected
        for job_id in jobs:
            try:
                runner.run_job(job_id)
            except (Killed, ConnectionError):
                pass
            finally:
                db.session.rollback()  # what the dead worker had not committed is gone

        monkeypatch.setattr(outbox, "relay", real_relay)
        for minutes in (5, 30):
            freeze(monkeypatch, start + timedelta(minutes=minutes))
            outbox.sweep()
            outbox.drain()
        db.session.expire_all()
        messages = list(db.session.scalars(select(Message).where(Message.id > first_message)))
        assert len(messages) == expected
        assert {m.status for m in messages} <= {"sent"}
        requests = [r["headers"]["Idempotency-Key"] for r in gateway.requests]
        assert set(requests) == {m.event_key for m in messages}
        for message in messages:
            repeats = 2 if fate_of[message.event_key] == "killed_after" else 1
            assert requests.count(message.event_key) == repeats, message.event_key
