"""Try remotely first: a command through the platform from a repair order (or a silent
device), recorded; once the terminal reports after it, the order ends without a visit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from tests.conftest import post_form
from tests.world import repair_request
from workorders.models import WorkOrder
from workorders.tracking.models import RemoteCommand

IMEI = "860000000000019"  # world.old_terminal, in 浙A12345


@pytest.fixture
def repair(world, traccar) -> str:
    traccar.add_device(IMEI, "浙A12345", status="offline")
    created = world.agent.post("/api/v1/workorders", json=repair_request(world))
    assert created.status_code == 201
    return f"/api/v1/workorders/{created.get_json()['id']}"


def test_a_command_is_sent_and_recorded_on_the_order(world, traccar, repair):
    offered = world.agent.get(f"{repair}/commands").get_json()
    assert "rebootDevice" in offered["types"] and offered["platform"] == "ok"
    sent = world.agent.post(f"{repair}/commands", json={"type": "rebootDevice"})
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["outcome"] == "queued"  # offline: the platform keeps it
    assert [c["type"] for c in traccar.state.commands] == ["rebootDevice"]
    assert [c["deviceId"] for c in traccar.state.commands] == [traccar.state.by_unique[IMEI].id]
    history = world.agent.get(repair).get_json()["history"]
    assert history[-1]["action"] == "remote_command"
    assert world.agent.get(f"{repair}/commands").get_json()["items"][0]["type"] == "rebootDevice"


def test_settings_go_with_the_command(world, traccar, repair):
    sent = world.agent.post(f"{repair}/commands", json={
        "type": "setConnection", "server": "gps.example.cn", "port": 5023})
    assert sent.status_code == 201, sent.get_json()
    assert traccar.state.commands[0]["attributes"] == {"server": "gps.example.cn", "port": 5023}


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "engineStop"}, "type"),  # not a type this terminal supports
    ({"type": "setConnection", "port": 5023}, "server"),
    ({"type": "setConnection", "server": "gps.example.cn", "port": 70000}, "port"),
    ({"type": "custom"}, "data"),
])
def test_bad_commands_are_refused_and_nothing_is_sent_or_recorded(world, traccar, repair, body,
                                                                  field):
    refused = world.agent.post(f"{repair}/commands", json=body)
    assert refused.status_code == 422
    assert field in refused.get_json()["error"]["fields"]
    assert traccar.state.commands == []
    assert db.session.scalars(select(RemoteCommand)).all() == []


def test_platform_down_is_a_conflict_and_nothing_is_recorded(app, world, repair, closed_port):
    app.config["DISPATCH_TRACKING_URL"] = f"http://127.0.0.1:{closed_port}"
    refused = world.agent.post(f"{repair}/commands", json={"type": "rebootDevice"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "tracking_unreachable"
    assert db.session.scalars(select(RemoteCommand)).all() == []


def test_resolved_remotely_once_the_terminal_reports(world, traccar, repair):
    assert world.manager.post(f"{repair}/approve").status_code == 200
    world.agent.post(f"{repair}/commands", json={"type": "rebootDevice"})
    early = world.agent.post(f"{repair}/resolve-remotely", json={})
    assert early.status_code == 409  # the terminal has not reported since
    traccar.report(IMEI, 30.27, 120.13)
    done = world.agent.post(f"{repair}/resolve-remotely", json={"note": "rebooted, reporting"})
    assert done.status_code == 200, done.get_json()
    order = world.agent.get(repair).get_json()
    assert order["status"] == "cancelled" and order["technician_id"] is None
    assert order["history"][-1]["action"] == "resolve_remotely"
    assert order["fee"] in (None, "0.00")


def test_only_a_repair_with_a_command_may_be_resolved_remotely(world, traccar, repair):
    assert world.agent.post(f"{repair}/resolve-remotely", json={}).status_code == 409


def test_the_order_page_offers_and_records_a_command(world, traccar, repair, make_user, login):
    order_id = int(repair.rsplit("/", 1)[1])
    client = login(make_user("agent"))
    assert 'id="try-remotely"' in client.get(f"/workorders/{order_id}").get_data(as_text=True)
    sent = post_form(client, f"/tracking/orders/{order_id}/command", {"type": "rebootDevice"})
    assert sent.status_code == 302
    page = client.get(f"/workorders/{order_id}").get_data(as_text=True)
    assert "rebootDevice" in page
    bad = post_form(client, f"/tracking/orders/{order_id}/command", {"type": "custom"})
    assert bad.status_code == 422 and 'id="e-data"' in bad.get_data(as_text=True)


def test_a_technician_may_not_send_commands(world, traccar, repair):
    assert world.tech.post(f"{repair}/commands", json={"type": "rebootDevice"}).status_code == 403


def test_a_command_from_the_silent_queue(world, traccar, make_user, login):
    from datetime import UTC, datetime, timedelta

    from dispatch.tracking import sync

    traccar.add_device(IMEI, "浙A12345", last_update=datetime.now(UTC) - timedelta(days=3))
    sync.sync_statuses()
    client = login(make_user("agent"))
    ref = world.old_terminal.id
    assert "rebootDevice" in client.get(f"/tracking/silent/{ref}").get_data(as_text=True)
    sent = post_form(client, f"/tracking/silent/{ref}", {"type": "rebootDevice"},
                     post_url=f"/tracking/silent/{ref}/command")
    assert sent.status_code == 302
    command = db.session.scalars(select(RemoteCommand)).one()
    assert command.order_id is None and command.terminal_ref == ref
    assert db.session.scalars(select(WorkOrder)).all() == []
