"""A repair and an install run through the pages in a real browser, from intake to closed."""

import re

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.registry.models import Terminal
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.world import order_on_site
from workorders.models import WorkOrder

pytestmark = pytest.mark.browser


def sign_in(browser, base, user, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page


def draw_signature(page):
    box = page.locator("canvas.signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 30):
        page.mouse.move(box["x"] + 20 + step * 15, box["y"] + box["height"] / 2 + (step % 5) * 6)
    page.mouse.up()


def run_order(browser, live_server, world, make_user, kind, swaps, parts, shot):
    agent, manager, dispatcher = make_user("agent"), make_user("manager"), make_user("dispatcher")
    page = sign_in(browser, live_server, agent)
    page.goto(f"{live_server}/workorders/new?customer_id={world.customer.id}")
    page.select_option("#f-kind", kind)
    page.fill("#f-plate", "浙A 12345" if kind == "repair" else "浙AD12345")
    page.fill("#f-product_model", "GT06N")
    page.fill("#f-fault_description", "终端不上线")
    page.click("button:has-text('Register order')")
    number = page.locator("h1").inner_text().split()[0]
    assert number.startswith("WO-")
    order_url = page.url
    screenshot(page, f"{shot}-1-registered")

    manager_page = sign_in(browser, live_server, manager)
    manager_page.goto(f"{live_server}/workorders/approvals")
    manager_page.locator("tr", has_text=number).locator("button:has-text('Approve')").click()
    dispatcher_page = sign_in(browser, live_server, dispatcher)
    dispatcher_page.goto(order_url)
    dispatcher_page.select_option("#f-technician_id", str(world.technician.id))
    dispatcher_page.click("aside button:has-text('Assign')")
    assert "assigned" in dispatcher_page.locator("#order-status").inner_text()

    tech_page = sign_in(browser, live_server, world.technician.user, {"width": 1280, "height": 800})
    tech_page.goto(order_url)
    tech_page.click("button[data-action=en_route]")
    tech_page.click("button[data-action=on_site]")
    for device, old, new in swaps:
        tech_page.select_option("#f-kind", device)
        tech_page.fill("#swap-form #f-old", old)
        tech_page.fill("#swap-form #f-new", new)
        tech_page.click("#swap-form button[type=submit]")
        assert tech_page.locator("#swaps").inner_text().count(new) == 1
    for sku in parts:
        tech_page.select_option("#f-sku", sku)
        tech_page.click("#part-form button[type=submit]")
    screenshot(tech_page, f"{shot}-2-on-site")
    fee = tech_page.locator("#fee-to-collect").inner_text()
    tech_page.fill("#complete-form #f-resolution", "已处理")
    tech_page.select_option("#f-payment_method", "cash" if not fee.endswith("¥0.00") else "none")
    draw_signature(tech_page)
    tech_page.click("#complete-form button[type=submit]")
    assert "completed" in tech_page.locator("#order-status").inner_text(), \
        tech_page.locator(".flash-error, .error").all_inner_texts()
    screenshot(tech_page, f"{shot}-3-completed")

    if kind == "repair":  # R14: the callback comes before closing
        page.goto(f"{live_server}/care/callbacks")
        row = page.locator(f"#callback-queue tr[data-order='{number}']")
        row.locator("select[name=satisfaction]").select_option("5")
        row.locator("button[type=submit]").click()
        assert page.locator(f"#callback-queue tr[data-order='{number}']").count() == 0
    if not fee.endswith("¥0.00"):  # SPEC §10: the cash is handed over before closing
        from dispatch.extensions import db
        from workorders.finance.collections import record_handover

        record_handover({"technician_id": world.technician.id, "amount": fee.split("¥")[-1]},
                        make_user("finance"))
        db.session.commit()
    page.goto(order_url)
    page.click("button[data-action=close]")
    assert "closed" in page.locator("#order-status").inner_text()
    return number, fee


def test_repair_and_install_through_the_pages(browser, live_server, world, make_user):
    number, fee = run_order(browser, live_server, world, make_user, "repair",
                            swaps=[("terminal", "HZ00000001", "HZ00000002"),
                                   ("sim", "8986001234567890120", "89860012345678901238")],
                            parts=["HARNESS-12V"], shot="repair")
    assert fee == "CN¥435.50"
    order = db.session.scalars(select(WorkOrder).where(WorkOrder.number == number)).one()
    db.session.refresh(order)
    assert order.status == "closed" and order.signature_path and str(order.amount_collected) == "435.50"

    _number, install_fee = run_order(
        browser, live_server, world, make_user, "install",
        swaps=[("terminal", "", "HZ00000003"), ("sim", "", "8986001234567890138")],
        parts=["RELAY-5P"], shot="install")
    assert install_fee == "CN¥0.00"
    installed = db.session.scalars(select(Terminal).where(Terminal.terminal_id == "HZ00000003")).one()
    db.session.refresh(installed)
    assert installed.vehicle.plate == "浙AD12345"


def test_vehicle_page_shows_device_history(browser, live_server, world, make_user):
    run_order(browser, live_server, world, make_user, "repair",
              swaps=[("terminal", "HZ00000001", "HZ00000002")], parts=[], shot="history")
    page = sign_in(browser, live_server, make_user("agent"))
    page.goto(f"{live_server}/vehicles/{world.truck.id}")
    history = page.locator("#device-history").inner_text()
    assert "HZ00000001" in history and "HZ00000002" in history and "still installed" in history
    screenshot(page, "vehicle-device-history")


def test_the_swap_form_offers_the_devices_reported_at_intake(browser, live_server, world):
    """A vehicle the registry has no devices for: the old side follows the device kind with
    what intake reported, and leaves alone what the technician typed."""
    order_id = order_on_site(world, plate="浙B77777", terminal_id="JT00004711",
                             iccid="8986009988776655440")
    page = sign_in(browser, live_server, world.technician.user)
    page.goto(f"{live_server}/workorders/{order_id}")
    old = page.locator("#swap-form #f-old")
    assert old.input_value() == "JT00004711"
    page.select_option("#f-kind", "sim")
    assert old.input_value() == "8986009988776655440"
    old.fill("8986009988776655002")
    page.select_option("#f-kind", "terminal")
    assert old.input_value() == "8986009988776655002"
