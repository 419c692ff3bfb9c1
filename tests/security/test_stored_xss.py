"""Stored XSS: markup typed into every free-text field a user can enter is shown as text.

One world where customer, vehicle, terminal, SIM, part, technician, work order (fault, contact,
address, model, swap reason, resolution, fee override reason, cancel reason), complaint
(description, resolution, follow-up), callback and cash handover all carry hostile markup. Every
page that shows them is fetched: the raw markup never appears, its escaped form does. The PDFs
that show them (service sheet, invoice, return tag, handover receipt) are built and read back:
the markup is there literally, as text (reportlab's paragraph markup did not interpret it).
"""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.jobs import outbox
from tests.documents.conftest import pdf_text
from tests.world import order_on_site, repair_request, signature_png

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + IMG  # 55 characters: fits every free-text field but the shortest
SHORT = "<b onmouseover=alert(1)>"  # for fields of at most 40 characters
RAW = (SCRIPT, "<img src=x onerror", "<b onmouseover")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")
ESCAPED_SHORT = "&lt;b onmouseover=alert(1)&gt;"


def _ok(response, status=(200, 201)):
    assert response.status_code in status, response.get_data(as_text=True)[:500]
    return response.get_json()


@pytest.fixture
def hostile(world, api_as, make_user):
    """The world, with hostile markup in every free-text field; returns ids and clients."""
    customer_id, truck_id = world.customer.id, world.truck.id
    _ok(world.agent.patch(f"/api/v1/customers/{customer_id}", json={
        "name": "顺达" + PAYLOAD, "contact_name": "王伟" + PAYLOAD, "address": "文三路" + PAYLOAD,
        "notes": PAYLOAD}))
    _ok(world.agent.patch(f"/api/v1/vehicles/{truck_id}", json={"description": PAYLOAD}))
    keeper = api_as("warehouse")
    _ok(keeper.patch(f"/api/v1/terminals/{world.spare_terminal.id}", json={
        "model": PAYLOAD, "firmware": SHORT}))
    _ok(keeper.patch(f"/api/v1/sims/{world.spare_sim.id}", json={"carrier": SHORT}))
    _ok(keeper.patch(f"/api/v1/parts/{world.parts['RELAY-5P'].id}", json={"name": PAYLOAD}))
    world.technician.user.name = "李师傅" + PAYLOAD
    db.session.commit()

    order_id = order_on_site(world, fault_description=PAYLOAD, contact_name="王" + PAYLOAD,
                             address="杭州" + PAYLOAD, product_model=SHORT)
    base = f"/api/v1/workorders/{order_id}"
    _ok(world.tech.post(f"{base}/swaps", json={
        "kind": "terminal", "old": "HZ00000001", "new": "HZ00000002", "reason": PAYLOAD}))
    _ok(world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P"}))
    _ok(world.manager.post(f"{base}/fee-override", json={"amount": "100.00", "reason": PAYLOAD}))
    _ok(world.tech.post(f"{base}/complete", json={
        "resolution": PAYLOAD, "payment_method": "cash", "amount_collected": "100.00",
        "signature_png_base64": signature_png()}))

    cancelled = _ok(world.agent.post("/api/v1/workorders", json=repair_request(world)))["id"]
    _ok(world.agent.post(f"/api/v1/workorders/{cancelled}/cancel", json={"reason": PAYLOAD}))

    complaint = _ok(world.agent.post("/api/v1/complaints", json={
        "customer_id": customer_id, "workorder_id": order_id, "severity": "minor",
        "channel": "hotline", "description": PAYLOAD}))["id"]
    _ok(world.agent.post(f"/api/v1/complaints/{complaint}/resolve", json={
        "resolution": PAYLOAD, "cause": "device", "responsible_department": "field_service"}))
    _ok(world.agent.post(f"/api/v1/complaints/{complaint}/follow-ups", json={
        "reached": True, "satisfied": True, "notes": PAYLOAD}))
    _ok(world.agent.post("/api/v1/callbacks", json={
        "workorder_id": order_id, "reached": True, "satisfaction": 5, "notes": PAYLOAD}))
    finance = api_as("finance")
    handover = _ok(finance.post("/api/v1/finance/handovers", json={
        "technician_id": world.technician.id, "amount": "100.00", "note": PAYLOAD}))
    outbox.drain()
    return {"order": order_id, "cancelled": cancelled, "complaint": complaint,
            "customer": customer_id, "truck": truck_id, "terminal": world.spare_terminal.id,
            "handover": handover, "finance": finance}


def _assert_escaped(url: str, html: str, expect: tuple[str, ...] = ESCAPED) -> None:
    for raw in RAW:
        assert raw not in html, f"{url}: raw {raw!r} in the page"
    for escaped in expect:
        assert escaped in html, f"{url}: {escaped!r} not shown"


def test_free_text_markup_is_escaped_on_every_page(world, hostile, login, make_user):
    manager = login(make_user("manager"), fresh=True)
    # page → how many times the escaped script must at least show (one per field it shows)
    pages = {
        f"/customers/{hostile['customer']}": 4,  # name, contact, address, notes
        "/customers": 2,
        f"/vehicles/{hostile['truck']}": 2,  # owner, description
        f"/terminals/{hostile['terminal']}": 1,  # model
        f"/workorders/{hostile['order']}": 10,  # customer, contact, address, fault, resolution,
        # swap reason, part, fee override reason, technician, history notes, complaint, callback
        f"/workorders/{hostile['cancelled']}": 2,  # customer, cancel reason
        "/workorders/": 2,
        f"/care/complaints/{hostile['complaint']}": 3,  # description, resolution, follow-up
        "/care/complaints": 1,
        "/inventory/parts": 1,
        "/technicians/": 1,
        f"/technicians/{world.technician.id}": 1,
        "/audit": 0,
        "/board": 0,
    }
    for url, at_least in pages.items():
        response = manager.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        _assert_escaped(url, html, ESCAPED if at_least else ())
        assert html.count(ESCAPED[0]) >= at_least, (url, html.count(ESCAPED[0]))
    audit = manager.get("/audit").get_data(as_text=True)
    assert "\\u003cscript\\u003e" in audit  # the changes as JSON, script-safe
    keeper = login(make_user("warehouse"), fresh=True)
    for url in ("/terminals", "/sims", f"/inventory/vans/{world.technician.id}"):
        response = keeper.get(url)
        assert response.status_code == 200, url
        _assert_escaped(url, response.get_data(as_text=True), ())
    agent = login(make_user("agent"), fresh=True)
    for url in ("/care/callbacks", f"/workorders/{hostile['order']}"):
        response = agent.get(url)
        assert response.status_code == 200, url
        _assert_escaped(url, response.get_data(as_text=True), ())
    tech = login(world.technician.user, fresh=True)
    tablet = tech.get("/tablet/")
    _assert_escaped("/tablet/", tablet.get_data(as_text=True), ())


def test_free_text_markup_is_literal_text_in_the_pdfs(world, hostile):
    docs = {item["kind"]: item for item in world.manager.get(
        f"/api/v1/workorders/{hostile['order']}/documents").get_json()["items"]}
    assert {k: d["status"] for k, d in docs.items()} == {
        "service_sheet": "done", "invoice_pdf": "done", "return_tag": "done"}
    squeezed = re.sub(r"\s+", "", PAYLOAD)
    texts = {kind: re.sub(r"\s+", "", pdf_text(world.manager.get(doc["url"]).data))
             for kind, doc in docs.items()}
    # the sheet: customer, contact, address, fault, resolution, swap reason, part, technician
    assert texts["service_sheet"].count(squeezed) >= 6, texts["service_sheet"][:3000]
    assert squeezed in texts["invoice_pdf"]  # the customer's name
    assert squeezed in texts["return_tag"]  # "plate: fault symptom"
    receipt = hostile["finance"].get(hostile["handover"]["receipt_url"])
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    assert squeezed in re.sub(r"\s+", "", pdf_text(receipt.data))


def test_pdf_paragraphs_escape_markup_directly():
    """The building block itself: reportlab would raise on ``<script>`` or try to load the
    ``<img>``; escaped, both are text."""
    from workorders.documents import pdfs

    data = pdfs.render([[pdfs.paragraph(PAYLOAD), pdfs.table([["a", PAYLOAD], [SHORT, "&amp;"]],
                                                             [100, 300])]])
    text = re.sub(r"\s+", "", pdf_text(data))
    assert re.sub(r"\s+", "", PAYLOAD) in text and "&amp;" in text and SHORT.replace(" ", "") in text


def test_board_script_puts_names_in_the_map_as_text():
    """The board's map tooltips are built from technician names: Leaflet treats a string as
    HTML, so the script must hand it DOM text, never a string."""
    from pathlib import Path

    import dispatch

    static = Path(dispatch.__file__).parent / "static" / "js"
    for script in static.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML", source), script
        for call in re.findall(r"\.bind(?:Tooltip|Popup)\(([^)]*)\)", source):
            assert call.strip().startswith("asText("), (script.name, call)
