"""The platform adapter: answers from a Traccar-compatible server, and states instead of errors
when the platform is down, refuses the token, or is not configured at all."""

from __future__ import annotations

import pytest

from dispatch.tracking.platform import NOT_CONFIGURED, REJECTED, UNREACHABLE, PlatformDown
from dispatch.tracking.service import platform


def test_a_device_is_created_once_and_found_afterwards(traccar):
    device, created = platform().ensure_device("860000000000019", "浙A12345")
    again, created_again = platform().ensure_device("860000000000019", "浙A12345")
    assert (created, created_again) == (True, False)
    assert again.platform_id == device.platform_id and device.name == "浙A12345"
    assert traccar.posts("/api/devices") == 1


def test_the_latest_fix_comes_from_the_device_position(traccar):
    device, _ = platform().ensure_device("HZ00000002", "浙A12345")
    assert platform().latest_fix(device) is None
    traccar.report("HZ00000002", 30.2701, 120.1301)
    fix = platform().latest_fix(device)
    assert fix is not None and (fix.lat, fix.lon) == (30.2701, 120.1301)


def test_device_statuses_come_page_by_page(traccar):
    for number in range(5):
        traccar.add_device(f"DEV{number}", f"浙A1000{number}")
    pages = list(platform().device_statuses(2))
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(d.unique_id for page in pages for d in page) == [f"DEV{n}" for n in range(5)]


def test_commands_offered_and_sent(traccar):
    device, _ = platform().ensure_device("HZ00000002", "浙A12345")
    assert "rebootDevice" in platform().command_types(device)
    result = platform().send_command(device, "rebootDevice", {})
    assert result.queued  # never reported: the platform keeps it until the device connects
    assert traccar.state.commands[0]["type"] == "rebootDevice"


def test_a_platform_restarting_is_retried(traccar):
    traccar.state.fail_next = 2
    _device, created = platform().ensure_device("HZ00000002", "浙A12345")
    assert created and traccar.posts("/api/devices") == 1


def test_down_is_unreachable(app, closed_port):
    app.config.update(DISPATCH_TRACKING_URL=f"http://127.0.0.1:{closed_port}",
                      DISPATCH_TRACKING_BACKOFF=0.0)
    with pytest.raises(PlatformDown) as down:
        platform().find_device("HZ00000002")
    assert down.value.state == UNREACHABLE
    assert platform().probe() == UNREACHABLE


def test_a_wrong_token_is_rejected_and_not_retried(app, traccar):
    app.config["DISPATCH_TRACKING_TOKEN"] = "wrong"
    with pytest.raises(PlatformDown) as down:
        platform().find_device("HZ00000002")
    assert down.value.state == REJECTED
    assert len(traccar.state.requests) == 1


def test_without_a_url_everything_is_not_configured(app):
    assert platform().probe() == NOT_CONFIGURED
    with pytest.raises(PlatformDown) as down:
        platform().find_device("HZ00000002")
    assert down.value.state == NOT_CONFIGURED


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_the_status_page_shows_the_state_to_admins(app, traccar, make_user, login, role):
    client = login(make_user(role))
    page = client.get("/tracking/status").get_data(as_text=True)
    assert 'data-state="ok"' in page
    app.config["DISPATCH_TRACKING_TOKEN"] = "wrong"
    page = client.get("/tracking/status").get_data(as_text=True)
    assert 'data-state="rejected"' in page and "DISPATCH_TRACKING_TOKEN" in page
    assert "wrong" not in page  # the token itself is never shown


def test_the_status_page_when_down_or_off(app, make_user, login, closed_port):
    client = login(make_user("admin"))
    assert 'data-state="not_configured"' in client.get("/tracking/status").get_data(as_text=True)
    app.config.update(DISPATCH_TRACKING_URL=f"http://127.0.0.1:{closed_port}",
                      DISPATCH_TRACKING_BACKOFF=0.0)
    assert 'data-state="unreachable"' in client.get("/tracking/status").get_data(as_text=True)


@pytest.mark.parametrize("role", ["agent", "dispatcher", "technician", "finance", "warehouse"])
def test_the_status_page_is_for_admins_and_managers(make_user, login, role):
    assert login(make_user(role)).get("/tracking/status").status_code == 403
