"""Drill (#22): a real RQ worker process SIGKILLed while it sends a message to a customer.

The customer wants SMS (or email). The channel is a local server this test controls: it takes
the first request and then holds its answer, so the worker (``flask --app dispatch worker``) is
killed with SIGKILL in the middle of the send, its message row ``sending``. The relay sweep
finds the job's heartbeat stopped, hands it to RQ again, and a second worker sends it.

What "once" means here, precisely — the row says ``sent`` once, and:

- ``not_accepted`` (the gateway had not taken the message when the worker died): the gateway
  receives it exactly once, from the second worker.
- ``sms_accepted`` (the gateway had taken it, the worker died waiting for the answer): the
  gateway receives it twice with the same ``Idempotency-Key`` (the message's event key); a
  gateway that honours the key (as this one does, like the real ones) delivers it once. This is
  at-least-once to the gateway, exactly once to the customer only through that key.
- ``email_accepted`` (the SMTP server had the mail's data, the worker died before its 250): the
  server gets the mail twice with the same ``Message-ID``; SMTP has no idempotency key, so the
  customer may see two copies unless their mail system drops a repeated Message-ID.

Every request carries the working customer link (put in at send time; the stored body holds
``${link}``), and the link opens. No timing assertion: every wait is on a condition, with a
generous deadline for a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from rq import Worker
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.notify.models import Message
from dispatch.notify.templates import LINK
from tests.drills.conftest import app_env
from tests.support.figures import drill_figure
from tests.support.receivers import free_port
from tests.support.services import kill_group, start_worker
from tests.world import repair_request

pytestmark = [pytest.mark.slow, pytest.mark.redis]

WAIT = 180.0  # seconds: a generous deadline for each condition on a loaded machine
#: Seconds without a heartbeat before the sweep reruns the dead worker's job: short for the
#: drill, long enough that a live worker's heartbeat (every quarter of it) is never missed
#: on a loaded machine (that would rerun a send still under way).
STALE = "8"


def _until(condition, what: str, timeout: float = WAIT, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"waited {timeout:.0f} s for {what}")


class HoldingGateway:
    """An SMS gateway whose first request is held: taken (``accept``) or not before holding."""

    def __init__(self, accept: bool) -> None:
        self.accept, self.requests, self.held = accept, [], threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __enter__(self) -> HoldingGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = {"key": self.headers.get("Idempotency-Key"),
                          "text": json.loads(body.decode("utf-8"))["text"]}
                with gateway.lock:
                    first = not gateway.held.is_set()
                    gateway.held.set()
                    if gateway.accept or not first:
                        gateway.requests.append(record)
                if first:
                    gateway.release.wait(WAIT)  # the worker is killed while it waits here
                    return
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def delivered(self) -> dict[str, str]:
        """What a gateway honouring the key delivers: one text per distinct key."""
        with self.lock:
            return {r["key"]: r["text"] for r in self.requests}

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _HoldingInbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if not self.held.is_set():
            self.held.set()
            while not self.release.is_set():  # the worker is killed while it waits for 250
                await asyncio.sleep(0.1)
        return "250 Message accepted for delivery"


def _message(order_id: int) -> Message:
    db.session.expire_all()
    message = db.session.scalars(select(Message).where(Message.order_id == order_id)).one()
    db.session.rollback()
    return message


@pytest.fixture
def workers(tmp_path):
    started: list = []

    def start(env: dict[str, str]):
        process = start_worker(env, "--queue", "notify", "--sweep-interval", "0",
                               new_session=True, log_path=tmp_path / f"worker-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        kill_group(process, signal.SIGKILL)


def _listening(url: str, count: int) -> bool:
    connection = Redis.from_url(url)
    try:
        return len(Worker.all(connection=connection)) >= count
    finally:
        connection.close()


@pytest.mark.parametrize("fate", ["not_accepted", "sms_accepted", "email_accepted"])
def test_worker_killed_mid_send_then_the_sweep_sends_it_once(
        app, world, redis_server, workers, monkeypatch, fate):
    email = fate == "email_accepted"
    inbox = _HoldingInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port()) if email else None
    with HoldingGateway(accept=fate != "not_accepted") as gateway:
        channel = {"DISPATCH_SMTP_HOST": "127.0.0.1", "DISPATCH_SMTP_PORT": str(smtp.port)} \
            if smtp else {"DISPATCH_SMS_URL": gateway.url}
        if smtp:
            smtp.start()
        try:
            app.config.update(REDIS_URL=redis_server.url, DISPATCH_JOB_STALE_SECONDS=STALE,
                              **{k: int(v) if k.endswith("PORT") else v for k, v in channel.items()})
            env = app_env(app, redis_server.url, DISPATCH_JOB_STALE_SECONDS=STALE, **channel)
            world.customer.contact_preference = "email" if email else "sms"
            world.customer.email = "fleet@shunda.example"
            db.session.commit()
            first = workers(env)
            _until(lambda: _listening(redis_server.url, 1), "the first worker")

            order_id = world.agent.post("/api/v1/workorders",
                                        json=repair_request(world)).get_json()["id"]
            assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
            held = inbox.held if email else gateway.held
            _until(held.is_set, "the worker's send to reach the channel")
            assert _message(order_id).status == "sending"
            kill_group(first, signal.SIGKILL)  # mid-send: the channel has not answered

            # The job's heartbeat stopped with the worker: the sweep requeues it once it is
            # stale and relays it to RQ, where a second worker sends it again.
            workers(env)
            monkeypatch.setattr(outbox, "QUEUED_GRACE", timedelta(0))
            _until(lambda: outbox.sweep()["requeued_abandoned"] >= 1, "the sweep to requeue it",
                   every=0.5)
            # The sweep keeps running, as a worker's sweep thread does (a relay Redis refused
            # is relayed again; one already in Redis runs once: the claim skips a done job).
            _until(lambda: outbox.sweep() is not None and _message(order_id).status == "sent",
                   "the message to be sent", every=1.0)
            inbox.release.set()
            gateway.release.set()
        finally:
            if smtp:
                smtp.stop()

    message = _message(order_id)
    job = db.session.scalars(select(Job).where(Job.dedupe_key == f"notify:{message.id}")).one()
    link = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    db.session.rollback()
    assert LINK in message.body and link not in message.body  # the stored body: no token
    if email:
        received = [(m["Message-ID"], m.get_content()) for m in inbox.messages]
        assert len(received) == 2 and received[0][0] == received[1][0]  # at-least-once
        assert all(link in text for _id, text in received)
        repeats, delivered = len(received), len({mid for mid, _text in received})
    else:
        keys = [r["key"] for r in gateway.requests]
        assert set(keys) == {message.event_key}
        assert len(keys) == (1 if fate == "not_accepted" else 2)
        assert len(gateway.delivered) == 1 and link in gateway.delivered[message.event_key]
        repeats, delivered = len(keys), len(gateway.delivered)
    assert message.attempts == 2 and job.status == "done" and job.attempts == 2
    assert world.agent.client.get(link.removeprefix(app.config["DISPATCH_BASE_URL"])).status_code == 200
    drill_figure(f"notify-kill-{fate}", sends=repeats, delivered=delivered,
                 row_status=message.status, attempts=message.attempts)
