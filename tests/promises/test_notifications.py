"""Messages to the customer: written with the change, sent through the outbox once, logged
per order; log, SMTP (a real local server) and the SMS webhook (a local HTTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.notify import delivery
from dispatch.notify.models import Message
from dispatch.notify.templates import LINK
from tests.support.clock import freeze
from tests.support.receivers import SmsGateway, SmtpServer
from tests.world import order_on_site, repair_request, signature_png
from workorders.models import WorkOrder

START = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def _messages(order_id: int | None = None) -> list[Message]:
    query = select(Message).order_by(Message.id)
    if order_id is not None:
        query = query.where(Message.order_id == order_id)
    return list(db.session.scalars(query))


def _complete(world, order_id: int) -> None:
    done = world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "重新接线", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()


def test_approval_en_route_and_completion_each_notify_once_on_the_log_channel(world):
    order_id = order_on_site(world)
    _complete(world, order_id)
    outbox.drain()
    db.session.expire_all()
    messages = _messages(order_id)
    assert [m.event for m in messages] == ["order_approved", "order_en_route", "order_completed"]
    assert {m.channel for m in messages} == {"log"} and {m.status for m in messages} == {"sent"}
    assert all(m.attempts == 1 for m in messages)
    number = db.session.get(WorkOrder, order_id).number
    # The stored body keeps the link's place, never the token (#22): the link is put in at send.
    assert all(number in m.body and LINK in m.body and "/t/" not in m.body for m in messages)
    assert messages[0].language == "zh_Hans" and "已确认" in messages[0].subject

    log = world.agent.get(f"/api/v1/workorders/{order_id}/notifications")
    assert log.status_code == 200
    items = log.get_json()["items"]
    assert [(i["event"], i["channel"], i["status"]) for i in items] == [
        ("order_approved", "log", "sent"), ("order_en_route", "log", "sent"),
        ("order_completed", "log", "sent")]
    assert items[0]["to"] == "+8613800138000" and items[0]["sent_at"]
    assert world.tech.get(f"/api/v1/workorders/{order_id}/notifications").status_code == 403


def test_a_change_that_is_refused_writes_no_message(world):
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert world.agent.post(f"/api/v1/workorders/{order_id}/approve").status_code == 403
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 409
    assert [m.event for m in _messages(order_id)] == ["order_approved"]


def test_a_customer_who_wants_none_gets_a_logged_skip(world):
    world.customer.contact_preference = "none"
    db.session.commit()
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    (message,) = _messages(order_id)
    assert message.status == "skipped" and message.recipient == ""
    assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "notify")) == 0


def test_an_email_arrives_at_a_real_smtp_server_with_the_number_and_link(app, world):
    world.customer.contact_preference, world.customer.email = "email", "fleet@shunda.example"
    world.customer.language = "en"
    db.session.commit()
    with SmtpServer() as smtp:
        app.config.update(DISPATCH_SMTP_HOST="127.0.0.1", DISPATCH_SMTP_PORT=smtp.port)
        order_id = world.agent.post("/api/v1/workorders",
                                    json=repair_request(world)).get_json()["id"]
        assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
        outbox.drain()
        assert len(smtp.messages) == 1
        mail = smtp.messages[0]
    order = db.session.get(WorkOrder, order_id)
    link = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    assert mail["To"] == "fleet@shunda.example"
    assert order.number in mail["Subject"] and "confirmed" in mail["Subject"]
    body = mail.get_content()
    assert order.number in body and link in body
    stored = _messages(order_id)[0]
    assert link not in stored.body and LINK in stored.body
    token = link.rsplit("/t/", 1)[1]
    assert token not in stored.body + stored.subject
    assert world.agent.client.get(f"/t/{token}").status_code == 200  # the link opens
    assert mail["Message-ID"].startswith("<order_approved.")
    db.session.expire_all()
    assert _messages(order_id)[0].status == "sent"


def test_the_sms_webhook_receives_the_rendered_template(app, world):
    with SmsGateway() as gateway:
        app.config.update(DISPATCH_SMS_URL=gateway.url,
                          DISPATCH_SMS_AUTH_HEADER="Authorization: Bearer gw-secret",
                          DISPATCH_SMS_TEMPLATE='{"mobile": "$to", "content": "$text", '
                                                '"ref": "$key"}')
        order_id = world.agent.post("/api/v1/workorders",
                                    json=repair_request(world)).get_json()["id"]
        assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
        outbox.drain()
        (request,) = gateway.requests
    number = db.session.get(WorkOrder, order_id).number
    assert request["headers"]["Authorization"] == "Bearer gw-secret"
    assert request["body"]["mobile"] == "+8613800138000"
    link = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    assert number in request["body"]["content"] and link in request["body"]["content"]
    assert world.agent.client.get(link.removeprefix(app.config["DISPATCH_BASE_URL"])).status_code == 200
    (stored,) = _messages(order_id)
    assert link not in stored.body and "${link}" in stored.body
    assert request["body"]["ref"] == request["headers"]["Idempotency-Key"]


def test_a_failed_send_is_logged_with_why_and_retried_by_the_sweep(app, world, monkeypatch):
    freeze(monkeypatch, START)
    with SmsGateway(fail_first=1) as gateway:
        app.config.update(DISPATCH_SMS_URL=gateway.url)
        order_id = world.agent.post("/api/v1/workorders",
                                    json=repair_request(world)).get_json()["id"]
        assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
        outbox.drain()
        db.session.expire_all()
        (message,) = _messages(order_id)
        assert message.status == "failed" and "503" in message.error
        item = world.agent.get(f"/api/v1/workorders/{order_id}/notifications").get_json()["items"][0]
        assert item["status"] == "failed" and "503" in item["error"]
        delivery.retry_failed()  # too soon: waits a minute first
        assert not gateway.requests
        freeze(monkeypatch, START + timedelta(minutes=2))
        outbox.sweep()
        outbox.drain()
        assert len(gateway.requests) == 1
    db.session.expire_all()
    message = _messages(order_id)[0]
    assert (message.status, message.attempts) == ("sent", 2)


@pytest.mark.parametrize("preference", ["sms", "email"])
def test_complaint_registered_promised_and_answered_are_messaged(app, world, preference):
    world.customer.contact_preference, world.customer.email = preference, "fleet@shunda.example"
    db.session.commit()
    complaint = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "major", "channel": "hotline",
        "description": "终端反复掉线"}).get_json()
    promised = (datetime.fromisoformat(complaint["received_at"]) + timedelta(days=1)).isoformat()
    assert world.agent.post(f"/api/v1/complaints/{complaint['id']}/notice",
                            json={"promised_reply_at": promised}).status_code == 200
    assert world.manager.post(f"/api/v1/complaints/{complaint['id']}/resolve", json={
        "resolution": "已更换终端", "cause": "device",
        "responsible_department": "vendor"}).status_code == 200
    outbox.drain()
    db.session.expire_all()
    messages = list(db.session.scalars(select(Message).where(
        Message.complaint_id == complaint["id"]).order_by(Message.id)))
    assert [m.event for m in messages] == ["complaint_registered", "complaint_promised",
                                           "complaint_answered"]
    assert all(complaint["number"] in m.body for m in messages)
    assert "已更换终端" in messages[2].body
    assert messages[0].recipient == ("+8613800138000" if preference == "sms"
                                     else "fleet@shunda.example")
