"""The warehouse keeper's and the finance clerk's days, in English and Chinese: receive
terminals with their IMEIs (two columns), load a van from one scanned list and the day's pick
lists; read the reconciliation, export it with the page's columns and open an invoice that
names the seller and says it is not a tax fapiao."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.registry.models import Terminal
from inventory import locations
from inventory.models import Part
from inventory.stock import balance, van_stock
from tests.browser.journeys import LOCALES, Steps, open_as
from tests.documents.conftest import complete_repair_with_swap
from tests.world import repair_request

pytestmark = pytest.mark.browser
TEXT = {"en": {"loaded": "Van loaded", "adjustments": "Adjustments"},
        "zh": {"loaded": "已装车", "adjustments": "调整"}}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_warehouse_day(lang, browser, live_server, world, api_as):
    db.session.add(Part(sku="TERM-TK915", name="TK915 终端", category="terminal", serialized=True,
                        price=Decimal("420.00"), model_code="TK915"))
    db.session.commit()
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    world.manager.post(f"/api/v1/workorders/{order_id}/approve")
    api_as(world.keeper).post("/api/v1/stock/receipts", json={"sku": "HARNESS-12V", "qty": 20})
    page = open_as(browser, live_server, world.keeper, lang)
    steps = Steps("warehouse", lang)
    van = locations.van_for(world.other_technician.id).code
    db.session.commit()

    page.goto(f"{live_server}/inventory/receive")
    page.select_option("#f-sku", "TERM-TK915")
    page.fill("#f-qty", "2")
    page.fill("#f-serials", "TK9150001\t860000000000025\nTK9150002\t860000000000033")
    steps.shot(page, "receive-terminals")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/inventory/receive" not in url)
    unit = db.session.scalar(select(Terminal).where(Terminal.terminal_id == "TK9150001"))
    assert unit.imei == "860000000000025" and unit.model == "TK915"
    steps.shot(page, "received")

    page.goto(f"{live_server}/inventory/load-van")
    page.select_option("#f-to", van)
    page.fill("#f-lines", "NOT-A-PART\n")
    page.click("#load-van-form button[type=submit]")
    page.locator("#e-lines").wait_for()
    assert "1" in page.locator("#e-lines").inner_text()
    steps.shot(page, "load-refused")
    page.fill("#f-lines", "TK9150001\nTK9150002\nHARNESS-12V\n")
    page.click("#load-van-form button[type=submit]")
    page.wait_for_url(lambda url: "/inventory/load-van" not in url)
    assert TEXT[lang]["loaded"] in page.locator(".flash").first.inner_text()
    db.session.expire_all()
    loaded = van_stock(world.other_technician.id)
    assert loaded.get("TERM-TK915") == 2 and loaded.get("HARNESS-12V") == 1
    steps.shot(page, "van-loaded")

    # The day's pick lists: an order's reserved parts go into its technician's van.
    world.dispatcher.post(f"/api/v1/workorders/{order_id}/planned-parts",
                          json={"items": [{"sku": "HARNESS-12V", "qty": 5}]})
    world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                          json={"technician_id": world.other_technician.id})
    page.goto(f"{live_server}/workorders/pick-lists")
    page.locator(f"section[data-van='{van}']").wait_for()
    steps.shot(page, "pick-lists")
    main = locations.main_warehouse()
    assert balance(main.id, "HARNESS-12V")[1] == 5  # reserved at the warehouse for pick-up
    page.click("#load-all")
    page.locator(".flash").first.wait_for()
    db.session.expire_all()
    assert balance(main.id, "HARNESS-12V")[1] == 0
    assert balance(locations.by_code(van).id, "HARNESS-12V") == (6, 5)
    steps.shot(page, "pick-lists-loaded")
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finance_day(lang, browser, live_server, world, make_user, app):
    app.config.update(DISPATCH_SELLER_NAME="杭州示例定位科技有限公司",
                      DISPATCH_SELLER_TAX_ID="91330100MA2XXXXX1K")
    complete_repair_with_swap(world)  # paid in cash: an invoice and its PDF
    outbox.drain()
    page = open_as(browser, live_server, make_user("finance"), lang)
    steps = Steps("finance", lang)
    page.goto(f"{live_server}/finance/")
    header = page.locator("table thead").first.inner_text()
    assert TEXT[lang]["adjustments"] in header
    steps.shot(page, "reconciliation")
    export = page.locator("a[href*='reconciliation.csv']").get_attribute("href")
    language = {"Accept-Language": LOCALES[lang]}
    exported = page.request.get(f"{live_server}{export}", headers=language)
    rows = list(csv.reader(io.StringIO(exported.text().lstrip("\ufeff"))))
    cells = [c.strip() for c in header.split("\t") if c.strip()]
    assert rows[0] == cells
    page.goto(f"{live_server}/finance/invoices")
    link = page.locator("table a[href$='.pdf']").first
    link.wait_for()
    steps.shot(page, "invoices")
    pdf = page.request.get(f"{live_server}{link.get_attribute('href')}")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "杭州示例定位科技有限公司" in text and "91330100MA2XXXXX1K" in text
    assert "not a tax fapiao" in text
    page.context.close()
