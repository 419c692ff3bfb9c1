"""The tablet's day read, photos (checked, visible to the order's viewers only) and the page,
its service worker and its security headers."""

import base64

from dispatch.extensions import db
from tests.tablet.test_idempotency import assigned_order, jpeg_base64
from tests.world import order_on_site
from workorders.models import WorkOrder


def test_today_lists_jobs_in_route_order_with_pick_list_and_van(world):
    first, second = assigned_order(world), assigned_order(world)
    db.session.get(WorkOrder, first).route_position = 2
    db.session.get(WorkOrder, second).route_position = 1
    db.session.commit()
    day = world.tech.get("/api/v1/tablet/today").get_json()
    assert [job["id"] for job in day["jobs"]] == [second, first]
    job = day["jobs"][0]
    assert job["plate"] == "浙A12345" and job["installed"][0]["terminal_id"] == "HZ00000001"
    assert job["fee"]["charged"] is True and job["fee"]["fee"] == "0.00"
    assert {"HARNESS-12V", "TERM-GT06N"} <= {part["sku"] for part in day["van"]}
    assert {"kind": "terminal", "id": "HZ00000002", "sku": "TERM-GT06N"} in day["devices"]
    assert day["plate_pattern"]
    assert world.other_tech.get("/api/v1/tablet/today").get_json()["jobs"] == []
    assert world.agent.get("/api/v1/tablet/today").status_code == 403


def test_photos_are_checked_and_seen_by_the_orders_viewers_only(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}/photos"
    not_image = base64.b64encode(b"%PDF-1.4 not an image").decode()
    assert world.tech.post(base, json={"stage": "before", "image_base64": not_image}).status_code == 422
    assert world.tech.post(base, json={"stage": "during", "image_base64": jpeg_base64()}).status_code == 422
    tiny = world.tech.post(base, json={"stage": "after", "image_base64": jpeg_base64((4, 4))})
    assert tiny.status_code == 422
    created = world.tech.post(base, json={"stage": "after", "image_base64": jpeg_base64()})
    assert created.status_code == 201
    url = created.get_json()["url"]
    image = world.tech.get(url)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert world.dispatcher.get(url).status_code == 200
    assert world.other_tech.get(url).status_code == 404
    assert world.other_tech.get(base).status_code == 404
    assert [p["stage"] for p in world.manager.get(base).get_json()["items"]] == ["after"]
    assert world.other_tech.post(base, json={"stage": "after",
                                             "image_base64": jpeg_base64()}).status_code in (403, 404)


def test_tablet_page_service_worker_and_policy(world, client, login):
    login(world.technician.user)
    page = client.get("/tablet/")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
    worker = client.get("/tablet/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/tablet/"
    assert client.get("/tablet/csrf").get_json()["token"]
    assert client.get("/tablet/manifest.webmanifest").get_json()["start_url"] == "/tablet/"


def test_the_day_read_writes_nothing_and_lists_the_vans_devices_in_order(app, world, api_as,
                                                                           make_technician):
    """A technician without a van yet reads an empty van (none is created by a GET); the van's
    devices come terminals first, each kind in identifier order, only those in stock."""
    from sqlalchemy import func, select

    from dispatch.registry.models import Sim, Terminal
    from inventory.models import Location

    newcomer = make_technician()
    vans = db.session.scalar(select(func.count()).select_from(Location))
    day = api_as(newcomer.user).get("/api/v1/tablet/today").get_json()
    assert (day["jobs"], day["van"], day["devices"]) == ([], [], [])
    assert db.session.scalar(select(func.count()).select_from(Location)) == vans
    listed = world.tech.get("/api/v1/tablet/today").get_json()["devices"]
    van = db.session.scalar(select(Location.id).where(
        Location.technician_id == world.technician.id))
    terminals = db.session.scalars(select(Terminal.terminal_id).where(
        Terminal.location_id == van, Terminal.status == "in_stock")
        .order_by(Terminal.terminal_id)).all()
    sims = db.session.scalars(select(Sim.iccid).where(
        Sim.location_id == van, Sim.status == "in_stock").order_by(Sim.iccid)).all()
    assert [d["id"] for d in listed] == [*terminals, *sims] and terminals
    assert [d["kind"] for d in listed] == ["terminal"] * len(terminals) + ["sim"] * len(sims)
