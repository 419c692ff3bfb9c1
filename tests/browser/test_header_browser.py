"""The header stays small: under 15 % of a 390 × 844 phone screen (a menu button opens the
navigation), and a manager's links fit one row on a desktop screen."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _signed_in(browser, base, user, viewport, path):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}{path}")
    return context, page


@pytest.mark.parametrize("role, path", [("technician", "/tablet/"), ("manager", "/overview"),
                                        ("agent", "/search")])
def test_header_under_15_percent_of_a_phone_screen(browser, live_server, make_user,
                                                   make_technician, role, path):
    user = make_technician().user if role == "technician" else make_user(role)
    context, page = _signed_in(browser, live_server, user, PHONE, path)
    header = page.locator("#topbar").bounding_box()
    assert header["height"] < 0.15 * PHONE["height"], header
    assert not page.locator("#topbar nav").is_visible()
    screenshot(page, f"header-{role}-phone-closed")
    page.click("#menu-button")
    assert page.locator("#topbar nav").is_visible()
    assert page.locator("#menu-button").get_attribute("aria-expanded") == "true"
    first_link = page.locator("#topbar nav > a").first
    assert first_link.bounding_box()["height"] >= 44  # a finger's target
    screenshot(page, f"header-{role}-phone-open")
    context.close()


def test_managers_desktop_navigation_is_one_row_with_groups(browser, live_server, make_user):
    context, page = _signed_in(browser, live_server, make_user("manager"),
                               {"width": 1366, "height": 800}, "/overview")
    nav = page.locator("#topbar nav").bounding_box()
    assert nav["height"] < 60, nav  # one row of 44 px targets
    assert not page.locator("#menu-button").is_visible()
    page.click("details.nav-group summary >> nth=0")
    assert page.locator("details.nav-group[open] .nav-drop a").first.is_visible()
    screenshot(page, "header-manager-desktop")
    context.close()
