"""The activation check and completion of an order that installs a terminal (SPEC §10)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dispatch import storage
from dispatch.extensions import db
from dispatch.jobs.models import Job
from tests.tracking.conftest import install_on_site, settle
from tests.world import signature_png

SITE = (30.2084, 120.2119)


def completion(**extra):
    return {"payment_method": "none", "amount_collected": "0",
            "signature_png_base64": signature_png(), **extra}


def fitted(world, traccar) -> str:
    """An install on site with its terminal (HZ00000003) and SIM recorded and registered."""
    base = install_on_site(world, lat=SITE[0], lon=SITE[1])
    assert world.tech.post(f"{base}/swaps", json={"kind": "terminal", "new": "HZ00000003"}
                           ).status_code == 201
    assert world.tech.post(f"{base}/swaps", json={"kind": "sim", "new": "8986001234567890138"}
                           ).status_code == 201
    settle()
    assert "HZ00000003" in traccar.state.by_unique
    return base


def test_completion_waits_for_a_fresh_fix_near_the_site(world, traccar):
    base = fitted(world, traccar)
    waiting = world.tech.get(f"{base}/activation").get_json()
    assert waiting["status"] == "silent" and waiting["unique_id"] == "HZ00000003"
    assert waiting["last_fix_at"] is None
    refused = world.tech.post(f"{base}/complete", json=completion())
    assert refused.status_code == 422
    assert "activation" in refused.get_json()["error"]["fields"]

    traccar.report("HZ00000003", 30.25, 120.25)  # about 5.7 km away: the wrong vehicle?
    far = world.tech.get(f"{base}/activation").get_json()
    assert far["status"] == "silent" and far["distance_m"] > 5000
    assert world.tech.post(f"{base}/complete", json=completion()).status_code == 422

    traccar.report("HZ00000003", 30.2085, 120.2120, datetime.now(UTC) - timedelta(minutes=30))
    assert world.tech.get(f"{base}/activation").get_json()["status"] == "silent"  # too old

    traccar.report("HZ00000003", 30.2090, 120.2125)
    near = world.tech.get(f"{base}/activation").get_json()
    assert near["status"] == "reporting" and near["distance_m"] < 150
    assert near["last_fix_at"] is not None
    done = world.tech.post(f"{base}/complete", json=completion())
    assert done.status_code == 200, done.get_json()


def test_an_override_reason_lets_it_complete_and_is_recorded(world, traccar, login, make_user):
    base = fitted(world, traccar)
    done = world.tech.post(f"{base}/complete", json=completion(
        activation_override_reason="地下车库无信号 underground car park, no signal"))
    assert done.status_code == 200, done.get_json()
    order_id = int(base.rsplit("/", 1)[1])
    manager = login(make_user("manager"))
    listed = manager.get("/tracking/overrides").get_data(as_text=True)
    assert "underground car park" in listed
    shown = manager.get(f"/workorders/{order_id}").get_data(as_text=True)
    assert "underground car park" in shown


def test_the_service_sheet_shows_the_first_fix(world, traccar):
    base = fitted(world, traccar)
    traccar.report("HZ00000003", 30.2090, 120.2125)
    assert world.tech.get(f"{base}/activation").get_json()["status"] == "reporting"
    assert world.tech.post(f"{base}/complete", json=completion()).status_code == 200
    settle()
    order_id = int(base.rsplit("/", 1)[1])
    sheet = db.session.scalars(select(Job).where(Job.kind == "service_sheet",
                                                 Job.order_id == order_id)).one()
    assert sheet.status == "done", sheet.error
    text = "".join(page.extract_text() for page in
                   PdfReader(io.BytesIO(storage.load(sheet.result_path))).pages)
    assert "First fix" in text and "30.20900" in text and "120.21250" in text


def test_platform_down_is_unreachable_and_needs_an_override(app, world, traccar, closed_port):
    base = fitted(world, traccar)
    app.config["DISPATCH_TRACKING_URL"] = f"http://127.0.0.1:{closed_port}"
    answer = world.tech.get(f"{base}/activation")
    assert answer.status_code == 200 and answer.get_json()["status"] == "unreachable"
    assert world.tech.post(f"{base}/complete", json=completion()).status_code == 422
    assert world.tech.post(f"{base}/complete", json=completion(
        activation_override_reason="platform down")).status_code == 200


def test_a_wrong_token_says_rejected(app, world, traccar):
    base = fitted(world, traccar)
    app.config["DISPATCH_TRACKING_TOKEN"] = "wrong"
    answer = world.tech.get(f"{base}/activation").get_json()
    assert answer["status"] == "unreachable" and answer["platform"] == "rejected"


def test_without_the_platform_the_check_never_blocks(world):
    base = install_on_site(world)
    world.tech.post(f"{base}/swaps", json={"kind": "terminal", "new": "HZ00000003"})
    world.tech.post(f"{base}/swaps", json={"kind": "sim", "new": "8986001234567890138"})
    assert world.tech.get(f"{base}/activation").get_json()["status"] == "not_configured"
    assert world.tech.post(f"{base}/complete", json=completion()).status_code == 200


def test_a_repair_without_a_new_terminal_is_not_checked(world, traccar):
    from tests.world import order_on_site

    order_id = order_on_site(world)
    done = world.tech.post(f"/api/v1/workorders/{order_id}/complete",
                           json=completion(resolution="重新接线 rewired"))
    assert done.status_code == 200, done.get_json()


@pytest.mark.parametrize("who", ["agent", "manager", "dispatcher"])
def test_staff_may_read_the_check(world, traccar, api_as, who):
    base = fitted(world, traccar)
    assert api_as(who).get(f"{base}/activation").status_code == 200


def test_another_technician_may_not(world, traccar):
    base = fitted(world, traccar)
    assert world.other_tech.get(f"{base}/activation").status_code == 404
