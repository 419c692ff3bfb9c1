"""What the technician notices: photos shown after upload (tablet, office page, service
sheet), van counts after each use, on site far from the site, and navigation in the map app
of the settings with Chinese map coordinates."""

from __future__ import annotations

import base64
import io

import coordTransform
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.geo.navigation import navigation_url
from dispatch.jobs import outbox
from tests.world import order_on_site, repair_request, signature_png
from workorders.documents.jobs import sheet_photos
from workorders.models import WorkOrder, WorkOrderEvent


def photo(shade: int) -> str:
    """A distinct JPEG per shade (the PDF stores identical images once)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 80, 40)).save(buffer, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _job(world, order_id):
    day = world.tech.get("/api/v1/tablet/today").get_json()
    return day, next(job for job in day["jobs"] if job["id"] == order_id)


def test_photos_show_on_the_tablet_the_order_page_and_the_sheet(world, login, make_user, client):
    order_id = order_on_site(world, lat=30.27, lon=120.13)
    base = f"/api/v1/workorders/{order_id}"
    for shade, stage in enumerate(("before", "before", "before", "after", "after", "after")):
        assert world.tech.post(f"{base}/photos", json={
            "stage": stage, "image_base64": photo(40 * shade)}).status_code == 201
    _day, job = _job(world, order_id)
    assert [p["stage"] for p in job["photos"]] == ["before"] * 3 + ["after"] * 3
    image = world.tech.get(job["photos"][0]["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"

    login(make_user("manager"))
    html = client.get(f"/workorders/{order_id}").get_data(as_text=True)
    assert html.count('<img src="/api/v1/photos/') == 6 and 'id="order-photos"' in html
    assert client.get(job["photos"][5]["url"]).status_code == 200

    order = db.session.get(WorkOrder, order_id)
    chosen = sheet_photos(order)
    assert [caption for caption, _data in chosen] == ["施工前 Before"] * 2 + ["施工后 After"] * 2
    fee = world.tech.get(f"{base}/fee").get_json()["total"]
    assert world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端", "payment_method": "cash" if fee != "0.00" else "none",
        "amount_collected": fee, "signature_png_base64": signature_png()}).status_code == 200
    outbox.drain()
    docs = {d["kind"]: d for d in world.tech.get(f"{base}/documents").get_json()["items"]}
    pdf = PdfReader(io.BytesIO(world.tech.get(docs["service_sheet"]["url"]).data))
    images = [image for page in pdf.pages for image in page.images]
    assert len(images) == 4 + 1  # four photos and the signature
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "现场照片 Photos" in text and "施工前 Before" in text and "施工后 After" in text


def test_van_counts_drop_with_each_part_recorded(world):
    order_id = order_on_site(world)
    day, _found = _job(world, order_id)
    van = {p["sku"]: p["available"] for p in day["van"]}
    assert van["HARNESS-12V"] == 10
    assert world.tech.post(f"/api/v1/workorders/{order_id}/parts",
                           json={"sku": "HARNESS-12V", "qty": 3}).status_code == 201
    day, _found = _job(world, order_id)
    assert {p["sku"]: p["available"] for p in day["van"]}["HARNESS-12V"] == 7


def test_on_site_far_from_the_site_notes_the_distance(world, app):
    created = world.agent.post("/api/v1/workorders", json=repair_request(
        world, lat=30.27, lon=120.13)).get_json()
    order_id = created["id"]
    world.manager.post(f"/api/v1/workorders/{order_id}/approve")
    world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                          json={"technician_id": world.technician.id})
    day, _found = _job(world, order_id)
    assert day["onsite_max_km"] == app.config["DISPATCH_ONSITE_MAX_KM"] == 1
    on_site = world.tech.post(f"/api/v1/workorders/{order_id}/status", json={
        "status": "on_site", "lat": 30.30, "lon": 120.13, "far_confirmed": True})
    assert on_site.status_code == 200, on_site.get_json()
    event = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.order_id == order_id, WorkOrderEvent.action == "on_site")).one()
    assert event.note.startswith("3.3") and event.note.endswith("km ✓")


def test_near_the_site_notes_nothing(world):
    order_id = order_on_site(world, lat=30.26, lon=120.12)
    event = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.order_id == order_id, WorkOrderEvent.action == "on_site")).one()
    assert event.note == ""


@pytest.mark.parametrize("app_name", ["amap", "baidu", "apple", "google", "geo"])
def test_navigation_opens_the_chosen_map_app_with_its_coordinates(app, app_name):
    lat, lon = 30.27, 120.13
    gcj_lon, gcj_lat = coordTransform.wgs84_to_gcj02(lon, lat)
    bd_lon, bd_lat = coordTransform.wgs84_to_bd09(lon, lat)
    with app.test_request_context():
        app.config["DISPATCH_MAP_APP"] = app_name
        url = navigation_url(lat, lon, "文三路100号")
    expected = {"amap": ("https://uri.amap.com/navigation", f"{gcj_lon:.6f}%2C{gcj_lat:.6f}"),
                "baidu": ("https://api.map.baidu.com/direction", f"{bd_lat:.6f}%2C{bd_lon:.6f}"),
                "apple": ("https://maps.apple.com/", f"{gcj_lat:.6f}%2C{gcj_lon:.6f}"),
                "google": ("https://www.google.com/maps/dir/", f"{lat:.6f}%2C{lon:.6f}"),
                "geo": ("geo:30.270000,120.130000", "?q=30.270000,120.130000")}[app_name]
    assert url.startswith(expected[0]) and expected[1] in url, url
    assert abs(gcj_lat - lat) > 1e-4  # the conversion moves the point in China


def test_the_tablet_job_carries_the_navigation_link(world, app):
    order_id = order_on_site(world, lat=30.27, lon=120.13)
    _day, job = _job(world, order_id)
    assert job["navigate_url"].startswith("https://uri.amap.com/navigation")
    assert job["kind"] == "repair" and job["fault_description"]
