"""The customer link: no login, status and ETA, nothing else about the customer, 404 for a
guessed or expired token, documents after completion, language from the browser."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox
from tests.support.clock import freeze
from tests.world import order_on_site, repair_request, signature_png
from workorders.models import WorkOrder
from workorders.promises import links
from workorders.promises.models import CustomerLink

START = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Shanghai


def _path(url: str) -> str:
    return url[url.index("/t/"):]


def test_the_link_opens_without_login_and_shows_status_and_eta_but_no_contact(
        monkeypatch, world, client):
    freeze(monkeypatch, START)
    created = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
    order_id, url = created["id"], created["tracking_url"]
    assert url.startswith("http") and "/t/" in url
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                                 json={"technician_id": world.technician.id}).status_code == 200
    order = db.session.get(WorkOrder, order_id)
    order.site_lat, order.site_lon = 30.27, 120.13
    db.session.commit()
    # 6 km away at the default 30 km/h: 12 minutes.
    assert world.tech.post(f"/api/v1/workorders/{order_id}/status",
                           json={"status": "en_route", "lat": 30.216, "lon": 120.13}
                           ).status_code == 200

    page = client.get(_path(url), headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert order.number in html and "en route" in html
    assert "Expected arrival: 2026-12-02 09:12" in html
    for private in ("13800138000", "+8613800138000", "文三路", "杭州顺达物流", "王伟",
                    "终端不上线"):
        assert private not in html
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in html
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_chinese_by_default_and_the_technicians_given_name(monkeypatch, world, client):
    freeze(monkeypatch, START)
    world.technician.user.name = "李小龙"
    db.session.commit()
    order_id = order_on_site(world)
    url = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    html = client.get(_path(url)).get_data(as_text=True)
    assert 'lang="zh-Hans"' in html and "您的工单" in html
    assert "小龙" in html and "李小龙" not in html


def test_a_guessed_malformed_or_expired_token_is_a_404(monkeypatch, world, client):
    freeze(monkeypatch, START)
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    url = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    token = url.rsplit("/", 1)[1]
    assert len(token) == 43  # 256 bits in URL-safe base64
    guessed = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/t/{guessed}", "/t/short", f"/t/{token}x"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.headers["X-Robots-Tag"].startswith("noindex")
    # The token is not stored: only its SHA-256 and the salt it is derived from.
    link = db.session.scalar(select(CustomerLink).where(CustomerLink.order_id == order_id))
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (link.salt, link.token_hash)

    order = db.session.get(WorkOrder, order_id)
    order.status, order.cancelled_at, order.cancel_reason = "cancelled", START, "customer"
    db.session.commit()
    assert client.get(f"/t/{token}").status_code == 200
    freeze(monkeypatch, START + timedelta(days=31))
    assert client.get(f"/t/{token}").status_code == 404
    assert links.order_for_token(token) is None


def test_an_order_from_before_links_gets_one_when_first_read(world):
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    db.session.execute(CustomerLink.__table__.delete())
    db.session.commit()
    url = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    assert url == world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    db.session.expire_all()
    assert links.order_for_token(url.rsplit("/", 1)[1]).id == order_id


def test_after_completion_the_service_sheet_is_offered(world, client):
    order_id = order_on_site(world)
    done = world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "重新接线", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    outbox.drain()
    url = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    html = client.get(_path(url)).get_data(as_text=True)
    assert "service_sheet.pdf" in html
    pdf = client.get(_path(url) + "/service_sheet.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(_path(url) + "/secrets.pdf").status_code == 404


def test_the_link_is_rate_limited(app, world, client):
    app.config["DISPATCH_LINK_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get("/t/" + "A" * 43).status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404] and statuses[3:] == [429, 429]
