"""Complaints through the API: numbering, due dates, flows by severity, follow-ups, lists."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.auth.models import User
from dispatch.errors import ValidationFailed
from dispatch.extensions import db
from dispatch.handovers.log import Notification
from dispatch.registry.models import Customer
from dispatch.sequences import Sequence
from workorders.care import complaints
from workorders.care.models import Complaint


def _body(world, **extra):
    return {"customer_id": world.customer.id, "severity": "minor", "channel": "hotline",
            "description": "安装师傅迟到两小时", **extra}


def _count() -> int:
    return db.session.scalar(select(func.count(Complaint.id)))


def test_numbers_restart_at_the_month_boundary_in_the_configured_zone(world, make_user,
                                                                     monkeypatch):
    agent = make_user("agent")
    numbers = []
    for at in (datetime(2026, 1, 31, 15, 58, tzinfo=UTC), datetime(2026, 1, 31, 15, 59, tzinfo=UTC),
               datetime(2026, 1, 31, 16, 0, tzinfo=UTC),  # 1 February, 00:00 in Shanghai
               datetime(2026, 2, 3, 8, 0, tzinfo=UTC)):
        monkeypatch.setattr(complaints, "utcnow", lambda at=at: at)
        complaint = complaints.register_complaint(_body(world), agent)
        db.session.commit()
        numbers.append(complaint.number)
        assert complaint.due_at == at + timedelta(days=15)
    assert numbers == ["2601-001", "2601-002", "2602-001", "2602-002"]


def test_ten_concurrent_registrations_get_gapless_unique_numbers(app, world, make_user, backend):
    if backend != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (--db=postgresql)")
    agent_id, customer_id = make_user("agent").id, world.customer.id
    barrier, numbers, failures = threading.Barrier(10), [], []

    def register() -> None:
        with app.app_context():
            try:
                agent = db.session.get(User, agent_id)
                barrier.wait(timeout=10)
                complaint = complaints.register_complaint(
                    {"customer_id": customer_id, "severity": "major", "channel": "mail",
                     "description": "并发"}, agent)
                db.session.commit()
                numbers.append(complaint.number)
            except Exception as exc:
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    prefix = numbers[0][:5]
    assert sorted(numbers) == [f"{prefix}{n:03d}" for n in range(1, 11)]


def test_register_minor_resolved_at_once_and_overseas_due_in_20_days(world):
    world.customer.overseas = True
    db.session.commit()
    response = world.agent.post("/api/v1/complaints", json=_body(
        world, resolution="已向客户道歉并重新预约"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "resolved" and body["overseas"] is True
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["due_at"]) - received == timedelta(days=20)
    assert len(body["number"]) == 8 and body["number"][4] == "-"
    assert response.headers["Location"].endswith(f"/complaints/{body['id']}")


def test_refusals_write_nothing(world, api_as):
    assert api_as(None).post("/api/v1/complaints", json=_body(world)).status_code == 401
    assert world.dispatcher.post("/api/v1/complaints", json=_body(world)).status_code == 403
    assert world.tech.post("/api/v1/complaints", json=_body(world)).status_code == 403
    bad = world.agent.post("/api/v1/complaints", json=_body(world, severity="huge",
                                                               description=""))
    assert bad.status_code == 422 and "severity" in bad.get_json()["error"]["fields"]
    major = world.agent.post("/api/v1/complaints", json=_body(world, severity="major",
                                                                resolution="x", description=" "))
    assert major.status_code == 422
    assert set(major.get_json()["error"]["fields"]) == {"description", "resolution"}
    assert _count() == 0 and db.session.scalar(select(func.count(Sequence.name)).where(
        Sequence.name.like("complaint:%"))) == 0


def test_secret_customer_is_not_there_for_agents(world):
    secret = Customer(name="保密客户", contact_name="某", phone="+8613900000000", address="某地",
                      confidentiality="secret")
    db.session.add(secret)
    db.session.commit()
    response = world.agent.post("/api/v1/complaints", json={**_body(world), "customer_id": secret.id})
    assert response.status_code == 422 and "customer_id" in response.get_json()["error"]["fields"]
    assert world.manager.post("/api/v1/complaints",
                              json={**_body(world), "customer_id": secret.id}).status_code == 201
    assert world.agent.get("/api/v1/complaints?view=all").get_json()["items"] == []


def test_critical_escalates_and_notifies_managers(world, make_user):
    other_manager = make_user("manager")
    created = world.agent.post("/api/v1/complaints", json=_body(world, severity="critical"))
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "escalated"
    notified = db.session.scalars(select(Notification.user_id)).all()
    assert other_manager.id in notified and len(notified) >= 2
    base = f"/api/v1/complaints/{body['id']}"
    resolve = {"resolution": "更换终端", "cause": "device", "responsible_department": "vendor"}
    assert world.agent.post(f"{base}/resolve", json=resolve).status_code == 403
    assert world.manager.post(f"{base}/resolve", json={**resolve, "cause": "x"}).status_code == 422
    assert world.agent.post(f"{base}/follow-ups", json={"reached": True}).status_code == 409
    resolved = world.manager.post(f"{base}/resolve", json=resolve)
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert world.agent.post(f"{base}/resolve", json=resolve).status_code == 409
    assert world.agent.post(f"{base}/close").status_code == 409  # no follow-up yet
    assert world.agent.post(f"{base}/follow-ups", json={"reached": False}).status_code == 201
    assert world.agent.post(f"{base}/follow-ups",
                            json={"reached": True, "satisfied": True}).status_code == 201
    assert world.agent.post(f"{base}/follow-ups", json={"reached": True}).status_code == 409
    closed = world.agent.post(f"{base}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert len(closed.get_json()["follow_ups"]) == 2


def test_same_day_notice_and_lists(world, make_user, monkeypatch):
    agent = make_user("agent")
    registered = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    monkeypatch.setattr(complaints, "utcnow", lambda: registered)
    told = complaints.register_complaint(_body(world, severity="major"), agent)
    silent = complaints.register_complaint(_body(world, severity="major"), agent)
    complaints.record_notice(told, {"promised_reply_at": "2026-03-04T17:00"}, agent)
    db.session.commit()
    assert told.promised_reply_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    same_evening = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    next_day = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    assert not complaints.missed_notice(silent, same_evening)
    assert complaints.missed_notice(silent, next_day) and not complaints.missed_notice(told, next_day)
    assert [c.number for c in complaints.complaint_list(agent, "no_notice", next_day)] == [
        silent.number]
    assert complaints.complaint_list(agent, "overdue", next_day) == []
    soon = registered + timedelta(days=13)
    assert len(complaints.complaint_list(agent, "due_soon", soon)) == 2
    late = registered + timedelta(days=16)
    assert len(complaints.complaint_list(agent, "overdue", late)) == 2
    with pytest.raises(ValidationFailed) as refused:
        complaints.record_notice(silent, {"promised_reply_at": "2026-03-01T10:00"}, agent)
    assert "after registration" in refused.value.fields["promised_reply_at"]
