"""The technician closes a repair on the tablet page, at tablet and phone sizes, online and
with the network cut after the job list loaded: the server ends with everything applied once."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.registry.models import Sim, Terminal
from inventory.models import StockMovement
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.world import repair_request
from workorders.finance.invoices import Invoice
from workorders.models import OrderPart, Swap, WorkOrder, WorkOrderEvent
from workorders.photos import OrderPhoto

pytestmark = pytest.mark.browser
VIEWPORTS = {"tablet": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def assigned_order(world) -> int:
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(
        world, lat=30.28, lon=120.16)).get_json()["id"]
    assert world.agent.post(f"/api/v1/workorders/{order_id}/planned-parts", json={
        "items": [{"sku": "HARNESS-12V", "qty": 1}]}).status_code == 200
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign", json={
        "technician_id": world.technician.id}).status_code == 200
    return order_id


def check_layout(page):
    """No horizontal scrolling; every visible control in the page body is at least 44 px."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    small = page.evaluate("""() => [...document.querySelectorAll(
        '#tablet a, #tablet button, #tablet input, #tablet select, #tablet textarea')]
        .filter(e => e.offsetParent !== null && e.type !== 'hidden')
        .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44).map(([n]) => n)""")
    assert small == []


def sign_in(browser, base, user, viewport):
    context = browser.new_context(viewport=viewport, locale="en-US",
                                  geolocation={"latitude": 30.279, "longitude": 120.158},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return context, page


def draw_signature(page):
    canvas = page.locator("canvas.signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(box["x"] + 20 + step * box["width"] / 30,
                        box["y"] + box["height"] / 2 + (step % 5) * 4)
    page.mouse.up()


def saved_everything(page):
    page.wait_for_selector("#sync-status[data-waiting='0'][data-failed='0']", timeout=30_000)


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("network", ["online", "offline"])
def test_technician_closes_a_repair_on_the_tablet(browser, live_server, world, size, network):
    order_id = assigned_order(world)
    shot = f"tablet-{network}-{size}"
    context, page = sign_in(browser, live_server, world.technician.user, VIEWPORTS[size])
    page.goto(f"{live_server}/tablet/")
    job = page.locator(f"a.job-link[data-order='{order_id}']")
    job.wait_for()
    assert "km away" in job.inner_text()
    check_layout(page)
    screenshot(page, f"{shot}-1-jobs")
    if network == "offline":
        context.set_offline(True)

    job.click()
    page.locator("#job-title").wait_for()
    assert page.locator("#job-call").get_attribute("href") == "tel:+8613800138000"
    # Navigation opens the map app of the settings (Amap by default, GCJ-02 coordinates).
    assert page.locator("#job-geo").get_attribute("href").startswith("https://uri.amap.com/navigation")
    assert "HARNESS-12V × 1 — VAN-" in page.locator("#pick-list").inner_text()
    page.click("button[data-status=en_route]")
    page.wait_for_selector("button[data-status=on_site]:not([disabled])")
    page.click("button[data-status=on_site]")
    page.locator("#onsite").wait_for()
    check_layout(page)
    screenshot(page, f"{shot}-2-on-site")

    page.fill("#plate-confirm", "浙a 12345")
    page.click("#plate-form button[type=submit]")
    assert "confirmed" in page.locator("#plate-result").inner_text()
    page.fill("#swap-old", "HZ00000001")
    page.fill("#swap-new", "HZ00000002")
    page.click("#swap-form button[type=submit]")
    page.wait_for_selector("#swap-list li:has-text('HZ00000002')")
    page.select_option("#swap-kind", "sim")
    page.fill("#swap-old", "8986001234567890120")
    page.fill("#swap-new", "8986001234567890123")  # a typing error: the Luhn check catches it
    page.click("#swap-form button[type=submit]")
    assert "check digit" in page.locator("#swap-error").inner_text()
    page.fill("#swap-new", "89860012345678901238")
    page.click("#swap-form button[type=submit]")
    page.wait_for_selector("#swap-list li:has-text('89860012345678901238')")
    page.select_option("#part-sku", "HARNESS-12V")
    page.click("#part-form button[type=submit]")
    page.wait_for_selector("#part-list li:has-text('HARNESS-12V')")
    page.set_input_files("#photo-input", files=[{"name": "before.png", "mimeType": "image/png",
                                                 "buffer": photo_bytes()}])
    page.wait_for_selector("#photo-list li")
    screenshot(page, f"{shot}-3-recorded")

    page.fill("#resolution", "更换终端和SIM卡，线束重接")
    page.wait_for_selector("#fee-amount:text('435.50')")
    page.select_option("#payment-method", "cash")
    assert page.locator("#amount").input_value() == "435.50"
    draw_signature(page)
    screenshot(page, f"{shot}-4-signed")
    page.click("#complete-form button[type=submit]")
    page.locator("#done").wait_for()
    if network == "offline":
        assert int(page.locator("#sync-status").get_attribute("data-waiting")) == 7
        assert "No network" in page.locator("#sync-status").inner_text()
        assert db.session.get(WorkOrder, order_id).status == "assigned"
        screenshot(page, f"{shot}-5-waiting")
        context.set_offline(False)
    saved_everything(page)
    page.locator("a[data-doc=invoice_pdf]").wait_for(timeout=30_000)
    page.locator("a[data-doc=service_sheet]").wait_for(timeout=30_000)
    assert "Everything is saved" in page.locator("#sync-status").inner_text()
    check_layout(page)
    screenshot(page, f"{shot}-6-completed")
    context.close()

    db.session.expire_all()
    order = db.session.get(WorkOrder, order_id)
    assert order.status == "completed" and order.payment_method == "cash"
    assert str(order.amount_collected) == "435.50" and str(order.fee_total) == "435.50"
    assert order.signature_path
    one = select(func.count())
    assert db.session.scalar(one.select_from(WorkOrderEvent).where(
        WorkOrderEvent.order_id == order_id, WorkOrderEvent.action == "complete")) == 1
    assert db.session.scalar(one.select_from(Swap).where(Swap.order_id == order_id)) == 2
    assert db.session.scalar(one.select_from(OrderPart).where(OrderPart.order_id == order_id)) == 3
    assert db.session.scalar(one.select_from(StockMovement).where(
        StockMovement.work_order_id == order_id, StockMovement.kind == "consume")) == 3
    assert db.session.scalar(one.select_from(OrderPhoto).where(OrderPhoto.order_id == order_id)) == 1
    assert db.session.scalar(one.select_from(Invoice).where(Invoice.order_id == order_id)) == 1
    new_terminal = db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ00000002"))
    assert new_terminal.status == "installed" and new_terminal.vehicle_id == world.truck.id
    new_sim = db.session.scalar(select(Sim).where(Sim.iccid == "89860012345678901238"))
    old_terminal = db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ00000001"))
    assert new_sim.status == "installed" and old_terminal.status != "installed"


def test_a_reassignment_made_while_offline_is_shown_not_dropped(browser, live_server, world):
    order_id = assigned_order(world)
    context, page = sign_in(browser, live_server, world.technician.user, VIEWPORTS["phone"])
    page.goto(f"{live_server}/tablet/#job-{order_id}")
    page.locator("button[data-status=en_route]:not([disabled])").wait_for()
    context.set_offline(True)
    page.click("button[data-status=en_route]")
    page.wait_for_selector("#sync-status[data-waiting='1']")
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign", json={
        "technician_id": world.other_technician.id}).status_code == 200
    context.set_offline(False)
    page.wait_for_selector("#sync-status[data-failed='1']")
    refused = page.locator("#job-queue li.queue-failed")
    assert "refused" in refused.inner_text()
    assert "assigned" in page.locator("#job-title").inner_text()
    assert "Refused by the server" in page.locator("#job-state").inner_text()
    screenshot(page, "tablet-conflict-phone")
    refused.locator("button").click()
    page.wait_for_selector("#sync-status[data-failed='0'][data-waiting='0']")
    context.close()
    assert db.session.get(WorkOrder, order_id).status == "assigned"


def test_the_old_side_starts_with_the_devices_reported_at_intake(browser, live_server, world):
    """A vehicle fitted before the registry knew its devices: the swap form offers what the
    customer reported at intake, and the server records it (SPEC §10)."""
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(
        world, plate="浙B77777", terminal_id="JT00004711", iccid="8986009988776655440",
        lat=30.28, lon=120.16)).get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign", json={
        "technician_id": world.technician.id}).status_code == 200
    context, page = sign_in(browser, live_server, world.technician.user, VIEWPORTS["phone"])
    page.goto(f"{live_server}/tablet/#job-{order_id}")
    page.locator("button[data-status=en_route]:not([disabled])").click()
    page.locator("button[data-status=on_site]:not([disabled])").click()
    page.locator("#onsite").wait_for()
    assert page.locator("#swap-old").input_value() == "JT00004711"
    page.select_option("#swap-kind", "sim")
    assert page.locator("#swap-old").input_value() == "8986009988776655440"
    page.select_option("#swap-kind", "terminal")
    page.fill("#swap-new", "HZ00000002")
    page.click("#swap-form button[type=submit]")
    page.wait_for_selector("#swap-list li:has-text('HZ00000002')")
    saved_everything(page)
    context.close()
    swap = db.session.scalars(select(Swap).where(Swap.order_id == order_id)).one()
    assert (swap.old_identifier, swap.new_identifier) == ("JT00004711", "HZ00000002")


def server_reaches(page, check) -> None:
    """Wait (up to 30 s) until the tablet's queued change reached the server and ``check``
    holds there; the tablet sends in the background, so a click is not yet a change."""
    for _ in range(150):
        db.session.expire_all()
        if check():
            return
        page.wait_for_timeout(200)
    assert check()


def test_a_part_or_swap_recorded_by_mistake_is_corrected_or_removed(browser, live_server, world):
    """Before completion the technician corrects a part's quantity, removes a part and removes
    a swap (issue 20); the holds on the van follow. A class-D customer shows before starting."""
    from inventory import locations
    from inventory.stock import balance

    world.customer.credit_class = "D"
    db.session.commit()
    order_id = assigned_order(world)
    context, page = sign_in(browser, live_server, world.technician.user, VIEWPORTS["phone"])
    page.goto(f"{live_server}/tablet/")
    assert "Credit class D" in page.locator(f"a.job-link[data-order='{order_id}']").inner_text()
    page.goto(f"{live_server}/tablet/#job-{order_id}")
    assert page.locator("#job-credit").is_visible()
    page.locator("button[data-status=en_route]:not([disabled])").click()
    page.locator("button[data-status=on_site]:not([disabled])").click()
    page.locator("#onsite").wait_for()
    page.select_option("#part-sku", "RELAY-5P")
    page.fill("#part-qty", "3")
    page.click("#part-form button[type=submit]")
    page.select_option("#swap-kind", "sim")
    page.fill("#swap-new", "89860012345678901238")
    page.click("#swap-form button[type=submit]")
    van = locations.van_for(world.technician.id).id
    server_reaches(page, lambda: db.session.scalar(select(func.count()).select_from(Swap).where(
        Swap.order_id == order_id)) == 1 and balance(van, "RELAY-5P") == (5, 3))
    line_id = db.session.scalars(select(OrderPart.id).where(OrderPart.order_id == order_id,
                                                            OrderPart.sku == "RELAY-5P")).one()
    swap_id = db.session.scalars(select(Swap.id).where(Swap.order_id == order_id)).one()
    page.locator(f"#part-qty-{line_id}").fill("1")
    page.evaluate("TabletApp.render()")  # a background render keeps what was typed
    assert page.locator(f"#part-qty-{line_id}").input_value() == "1"
    page.click(f"#part-fix-{line_id}")
    server_reaches(page, lambda: balance(van, "RELAY-5P") == (5, 1))
    page.locator(f"#swap-remove-{swap_id}").click()
    server_reaches(page, lambda: db.session.get(Swap, swap_id) is None)
    page.locator(f"#part-remove-{line_id}").click()
    server_reaches(page, lambda: db.session.get(OrderPart, line_id) is None)
    saved_everything(page)
    check_layout(page)
    context.close()
    assert db.session.scalar(select(func.count()).select_from(OrderPart).where(
        OrderPart.order_id == order_id)) == 0
    assert balance(van, "RELAY-5P") == (5, 0) and balance(van, "SIM-IOT") == (2, 0)
