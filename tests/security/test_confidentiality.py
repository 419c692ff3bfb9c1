"""R18 everywhere: every customer-bearing endpoint, API and page, as every role.

The expectations are written here by hand from the table in ``docs/rules.md`` (R18), not read
from ``dispatch/registry/visibility.py``: a confidential customer's contact name, phone and
address are for agents, managers, dispatchers and the technician of its order; a secret
customer's anything is for managers and the technician of its order. The walk takes every GET
route from the app's url_map, so an endpoint added later is walked too (a route whose
parameters the walk cannot fill fails the test until it is taught them).
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dispatch.extensions import db
from dispatch.imports.kinds import KINDS
from dispatch.jobs.models import Job
from tests.world import order_on_site, signature_png

CONF_MARKERS = ("13911112222", "钱保密", "保密路777号")
SECRET_MARKERS = ("绝密客户乙", "孙秘密", "13933334444", "绝密街999号", "京B54321")
ROLES = ("agent", "manager", "dispatcher", "finance", "warehouse", "admin", "technician",
         "other_technician")
SEE_CONFIDENTIAL = {"agent", "manager", "dispatcher", "technician"}
SEE_SECRET = {"manager", "technician"}
#: Route parameters the walk does not fill, and why no customer data hides behind them.
NOT_WALKED = {
    "filename": "static files and the map library",
    "user_id": "a staff account (username, name, roles): the admin's alone "
               "(tests/accounts/test_accounts.py), no customer data",
    "token": "a set-password link (a form, no customer) or a customer link (the order's own "
             "customer, no contact data: tests/promises/test_customer_link.py)",
    "name": "a customer link's document (service sheet, invoice): only with the link's token",
    "run_id": "an import run is its uploader's own file",
    "plan_id": "a day plan is its starter's own, made from the orders that user sees "
               "(tests/board/test_jointplan.py)",
    "photo_id": "a photo of the work, read only through its order's visibility",
}
SKIP_ENDPOINTS = {"static", "board.leaflet_file", "openapi.spec", "tablet.service_worker",
                  "tablet.manifest", "auth.set_password", "web.health"}


def _complete(world, api, order_id: int, payment: str, amount: str) -> None:
    done = api.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "更换线束", "payment_method": payment, "amount_collected": amount,
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()


@pytest.fixture
def scene(app, world, make_user, login):
    """A confidential customer (the world's) and a secret one, each with a completed order
    assigned to ``world.technician``, a complaint, a callback and their documents."""
    world.customer.confidentiality = "confidential"
    world.customer.contact_name, world.customer.phone = "钱保密", "+8613911112222"
    world.customer.address = "浙江省杭州市西湖区保密路777号"
    db.session.commit()
    conf_order = order_on_site(world, contact_name="钱保密", contact_phone="13911112222",
                               address="浙江省杭州市西湖区保密路777号")
    assert world.tech.post(f"/api/v1/workorders/{conf_order}/parts",
                           json={"sku": "HARNESS-12V", "qty": 1}).status_code == 201
    _complete(world, world.tech, conf_order, "cash", "25.50")
    conf_complaint = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "workorder_id": conf_order, "severity": "critical",
        "channel": "hotline", "description": "技师迟到"}).get_json()["id"]
    assert world.agent.post("/api/v1/callbacks", json={
        "workorder_id": conf_order, "reached": True, "satisfaction": 4,
        "notes": "满意"}).status_code == 201

    secret = world.manager.post("/api/v1/customers", json={
        "name": "绝密客户乙公司", "contact_name": "孙秘密", "phone": "13933334444",
        "address": "北京市朝阳区绝密街999号", "confidentiality": "secret"}).get_json()
    vehicle = world.manager.post(f"/api/v1/customers/{secret['id']}/vehicles",
                                 json={"plate": "京B54321"}).get_json()
    created = world.manager.post("/api/v1/workorders", json={
        "kind": "repair", "customer_id": secret["id"], "plate": "京B54321",
        "contact_name": "孙秘密", "contact_phone": "13933334444", "product_model": "GT06N",
        "address": "北京市朝阳区绝密街999号", "purchase_date": "2024-03-01",
        "fault_description": "不定位"})
    assert created.status_code == 201, created.get_json()
    secret_order = created.get_json()["id"]
    base = f"/api/v1/workorders/{secret_order}"
    assert world.manager.post(f"{base}/approve").status_code == 200
    assert world.manager.post(f"{base}/assign",
                              json={"technician_id": world.technician.id}).status_code == 200
    for status in ("en_route", "on_site"):
        assert world.tech.post(f"{base}/status", json={"status": status}).status_code == 200
    assert world.tech.post(f"{base}/parts",
                           json={"sku": "HARNESS-12V", "qty": 1}).status_code == 201
    _complete(world, world.tech, secret_order, "cash", "25.50")
    secret_complaint = world.manager.post("/api/v1/complaints", json={
        "customer_id": secret["id"], "workorder_id": secret_order, "severity": "critical",
        "channel": "hotline", "description": "泄密投诉"}).get_json()["id"]
    app.extensions["dispatch_jobs"].drain()

    users = {"technician": world.technician.user, "other_technician": world.other_technician.user,
             **{role: make_user(role) for role in ROLES if "technician" not in role}}
    clients = {role: login(user, fresh=True) for role, user in users.items()}
    targets = {
        "confidential": {"customer_id": [world.customer.id], "order_id": [conf_order],
                         "vehicle_id": [world.truck.id], "complaint_id": [conf_complaint],
                         "job_id": _jobs(conf_order)},
        "secret": {"customer_id": [secret["id"]], "order_id": [secret_order],
                   "vehicle_id": [vehicle["id"]], "complaint_id": [secret_complaint],
                   "job_id": _jobs(secret_order)},
    }
    shared = {"technician_id": [world.technician.id], "terminal_pk": [world.old_terminal.id],
              "sim_pk": [world.old_sim.id], "part_id": [world.parts["HARNESS-12V"].id],
              "kind_name": sorted(KINDS), "fmt": ["csv", "xlsx"]}
    return SimpleNamespace(clients=clients, targets=targets, shared=shared, world=world,
                           conf_order=conf_order, secret_order=secret_order, secret=secret)


def _jobs(order_id: int) -> list[int]:
    jobs = list(db.session.scalars(db.select(Job.id).where(Job.order_id == order_id)))
    assert jobs
    return jobs


def _text(response) -> str:
    kind = response.mimetype or ""
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if "spreadsheet" in kind:
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return response.get_data(as_text=True)


def _urls(app, params: dict[str, list]) -> list[str]:
    """Every GET route with its parameters filled from ``params`` (each combination)."""
    urls, unfilled = [], set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        names = sorted(rule.arguments)
        missing = [name for name in names if name not in params]
        if missing:
            unfilled.update(name for name in missing if name not in NOT_WALKED)
            continue
        combos: list[dict] = [{}]
        for name in names:
            combos = [{**combo, name: value} for combo in combos for value in params[name]]
        for combo in combos:
            path = rule.rule
            for name, value in combo.items():
                path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), path)
            urls.append(path)
    assert not unfilled, f"teach the walk these route parameters (or say why not): {unfilled}"
    return sorted(set(urls))


def test_every_customer_bearing_endpoint_as_every_role(app, scene):
    leaks = []
    for target, markers, seers in (("confidential", CONF_MARKERS, SEE_CONFIDENTIAL),
                                   ("secret", SECRET_MARKERS, SEE_SECRET)):
        urls = _urls(app, {**scene.shared, **scene.targets[target]})
        searches = [f"/api/v1/customers?q={markers[0]}", f"/customers?q={markers[0]}"]
        for role, client in scene.clients.items():
            for url in urls + searches:
                response = client.get(url)
                assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
                if role in seers or response.status_code >= 300:
                    continue
                body = _text(response).replace(f'value="{markers[0]}"', "").replace(
                    f"q={markers[0]}", "")  # the search box and the language switch echo it
                leaks += [f"{role} GET {url}: {marker}" for marker in markers if marker in body]
    assert not leaks, "\n".join(leaks)


def test_the_walk_reaches_the_customer_records(app, scene):
    """The walk is not vacuous: the roles that see in full find every marker, the masked ones
    get the records (200) with the contact data masked."""
    cid = scene.world.customer.id
    agent = scene.clients["agent"].get(f"/api/v1/customers/{cid}").get_json()
    assert (agent["contact_name"], agent["phone"]) == ("钱保密", "+8613911112222")
    for role in ("finance", "warehouse"):
        shown = scene.clients[role].get(f"/api/v1/customers/{cid}")
        assert shown.status_code == 200
        body = shown.get_json()
        assert (body["name"], body["contact_name"]) == ("杭州顺达物流有限公司", "钱**")
        assert body["phone"].endswith("2222") and "13911112222" not in body["phone"]
        assert body["address"] == "浙江省杭州市…" and body["lat"] is None and body["notes"] == ""
        page = scene.clients[role].get(f"/customers/{cid}").get_data(as_text=True)
        assert "杭州顺达物流有限公司" in page and "钱**" in page
    manager = scene.clients["manager"].get(f"/api/v1/customers/{scene.secret['id']}").get_json()
    assert manager["contact_name"] == "孙秘密"
    tablet = scene.clients["technician"].get("/api/v1/tablet/today").get_data(as_text=True)
    assert "孙秘密" in tablet or scene.clients["technician"].get(
        f"/api/v1/workorders/{scene.secret_order}").get_json()["contact_name"] == "孙秘密"


@pytest.mark.parametrize("role", ["finance", "warehouse"])
def test_search_does_not_match_what_the_reader_may_not_see(scene, role):
    """A match on a masked field would confirm it: finance and warehouse search a confidential
    customer by its name, plate or devices, not by its contact name, phone or address."""
    client = scene.clients[role]
    for q in CONF_MARKERS:
        assert client.get(f"/api/v1/customers?q={q}").get_json()["total"] == 0, q
        assert client.get(f"/api/v1/workorders?q={q}").get_json()["total"] == 0, q
    assert client.get("/api/v1/customers?q=顺达").get_json()["total"] == 1
    assert client.get("/api/v1/customers?q=浙A12345").get_json()["total"] == 1
    agent = scene.clients["agent"]
    assert agent.get("/api/v1/customers?q=13911112222").get_json()["total"] == 1
