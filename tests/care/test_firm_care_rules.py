"""Softened care rules made firm: a promised reply by the due date (R16), overdue counts in the
monthly statistics (R17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.errors import ValidationFailed
from dispatch.extensions import db
from tests.support.clock import freeze
from workorders.care import complaints
from workorders.care.stats import monthly_stats


def _body(world, **extra):
    return {"customer_id": world.customer.id, "severity": "major", "channel": "hotline",
            "description": "终端频繁掉线", **extra}


def test_a_promised_reply_may_not_be_later_than_the_due_date(world, make_user, api_as):
    agent = make_user("agent")
    complaint = complaints.register_complaint(_body(world), agent)
    db.session.commit()
    due = complaint.due_at
    with pytest.raises(ValidationFailed) as refused:
        complaints.record_notice(complaint, {
            "promised_reply_at": (due + timedelta(hours=1)).isoformat()}, agent)
    assert "due date" in refused.value.fields["promised_reply_at"]
    db.session.rollback()
    api = api_as(agent)
    late = api.post(f"/api/v1/complaints/{complaint.id}/notice",
                    json={"promised_reply_at": (due + timedelta(days=2)).isoformat()})
    assert late.status_code == 422 and "promised_reply_at" in late.get_json()["error"]["fields"]
    db.session.expire_all()
    assert complaint.promised_reply_at is None and complaint.notice_at is None
    on_time = api.post(f"/api/v1/complaints/{complaint.id}/notice",
                       json={"promised_reply_at": due.isoformat()})
    assert on_time.status_code == 200, on_time.get_json()


def test_monthly_overdue_counts_only_what_is_overdue(world, make_user, monkeypatch):
    """Registered on 1 March (due 16 March): on 10 March neither the open one nor the one
    resolved on time is overdue; one resolved after its due time is; by 20 March the open one
    is too."""
    agent = make_user("agent")
    registered = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(complaints, "utcnow", lambda: registered)
    still_open = complaints.register_complaint(_body(world), agent)
    on_time = complaints.register_complaint(_body(world), agent)
    late = complaints.register_complaint(_body(world), agent)
    on_time.status, on_time.resolved_at = "resolved", registered + timedelta(days=3)
    late.status, late.resolved_at = "resolved", registered + timedelta(days=17)
    db.session.commit()
    assert still_open.due_at == registered + timedelta(days=15)
    freeze(monkeypatch, datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    assert monthly_stats(2026, 3)["overdue"] == 1
    freeze(monkeypatch, datetime(2026, 3, 20, 2, 0, tzinfo=UTC))
    assert monthly_stats(2026, 3)["overdue"] == 2
