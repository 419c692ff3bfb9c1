"""The tablet's activation panel: after the new terminal is recorded it waits for the first
fix, rides out a dropped poll, and turns to "reporting" once the platform has a fresh fix near
the site."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_tablet_browser import VIEWPORTS, sign_in
from tests.tracking.conftest import closed_port, install_on_site, settle, traccar  # noqa: F401

pytestmark = pytest.mark.browser
SITE = (30.2084, 120.2119)


def test_the_activation_panel_goes_from_waiting_to_reporting(browser, live_server, world,
                                                             traccar):  # noqa: F811
    base = install_on_site(world, lat=SITE[0], lon=SITE[1])
    order_id = int(base.rsplit("/", 1)[1])
    for kind, new in (("terminal", "HZ00000003"), ("sim", "8986001234567890138")):
        assert world.tech.post(f"{base}/swaps", json={"kind": kind, "new": new}).status_code == 201
    settle()
    assert "HZ00000003" in traccar.state.by_unique

    context, page = sign_in(browser, live_server, world.technician.user, VIEWPORTS["tablet"])
    page.goto(f"{live_server}/tablet/#job-{order_id}")
    panel = page.locator("#activation")
    panel.wait_for()
    page.wait_for_selector("#activation[data-status='silent']")
    assert page.locator("#activation-text").inner_text() == "Waiting for the first fix…"
    assert page.locator("#activation-override-field").is_visible()
    screenshot(page, "tablet-activation-1-waiting")

    # A flaky network: polls fail for a while; the last answer stays, with a note.
    page.route("**/activation", lambda route: route.abort())
    page.wait_for_selector("#activation-note:has-text('trying again')")
    assert page.locator("#activation-text").inner_text() == "Waiting for the first fix…"
    page.unroute("**/activation")

    traccar.report("HZ00000003", SITE[0] + 0.0008, SITE[1] + 0.0008)  # about 115 m away
    page.wait_for_selector("#activation[data-status='reporting']")
    text = page.locator("#activation-text").inner_text()
    assert text.startswith("Reporting ✓ — fix ") and "s ago" in text
    assert "m from the site" in text
    assert page.locator("#activation-note").inner_text() == ""
    assert not page.locator("#activation-override-field").is_visible()
    screenshot(page, "tablet-activation-2-reporting")
    context.close()
