"""Tracking platform benchmark (issue 21), against the Traccar-compatible test server.

- **The activation check** (``workorders/tracking/activation.py`` ``check``: the order's new
  terminal looked up, the platform's device read, its position read when it is a new one,
  the distance to the site) — p95 of many calls while the tablet polls a terminal that keeps
  its latest fix (one platform call), and with a new fix before every call (two calls) —
  against **a bare HTTP round trip** to the same server (``GET /api/devices?uniqueId=…`` with
  a kept-alive ``requests`` session), in the same run. Target: p95 ≤ 1.5× the bare round trip.
  The API endpoint (token, access check, JSON) is printed too.
- **The silent-device sync** of 100,000 installed terminals: every device page read from the
  platform (2,000 a page), matched to the registry, last-seen times written in batches —
  first run (every row new) and a second run with 10 % of the devices changed. Target ≤ 60 s;
  the baseline is reading the pages alone.

The test server validates against the OpenAPI document in the tests; here it does not
(openapi-core takes tens of milliseconds per call and ~30 µs per device, which would measure
the validator, not the link).

Run: ``.venv/bin/python bench/tracking_bench.py [--repeat N] [--devices N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import insert, select

from bench.common import bench_app, pct, print_table, record, sample
from tests.support.traccar_server import TraccarServer

SITE = (30.2084, 120.2119)


def _order(app):
    """An install order whose new terminal (HZB0000001) is on the platform, with a user."""
    from dispatch.auth.services import create_user, issue_token
    from dispatch.extensions import db
    from dispatch.registry.models import Customer, Terminal, Vehicle
    from workorders.models import Swap, WorkOrder

    user = create_user("bench-agent", "bench-password-1", ["agent"])
    customer = Customer(name="基准客户", contact_name="李", phone="+8613900000000",
                        address="杭州", lat=SITE[0], lon=SITE[1])
    vehicle = Vehicle(plate="浙B00001", customer=customer)
    terminal = Terminal(terminal_id="HZB0000001", model="GT06N")
    db.session.add_all([customer, vehicle, terminal])
    db.session.flush()
    order = WorkOrder(number="WO-BENCH-1", kind="install", customer=customer, vehicle=vehicle,
                      site_address="杭州", site_lat=SITE[0], site_lon=SITE[1], contact_name="李",
                      contact_phone="+8613900000000", product_model="GT06N", owner_id=user.id,
                      created_by_id=user.id)
    db.session.add_all([order, Swap(order=order, kind="terminal", new_identifier="HZB0000001")])
    db.session.commit()
    token = issue_token(user)
    db.session.commit()
    return order, token


def activation(repeat: int) -> None:
    from workorders.tracking import activation as check

    with bench_app() as app, TraccarServer(validate=False) as server:
        app.config.update(DISPATCH_TRACKING_URL=server.url,
                          DISPATCH_TRACKING_TOKEN=server.state.token)
        order, token = _order(app)
        server.add_device("HZB0000001", "浙B00001")
        server.report("HZB0000001", SITE[0] + 0.0005, SITE[1] + 0.0005)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {server.state.token}"
        url = f"{server.url}/api/devices"

        def bare() -> None:
            session.get(url, params={"uniqueId": "HZB0000001"}, timeout=3).json()

        def steady() -> None:
            assert check.check(order).status == "reporting"

        def moving() -> None:
            server.report("HZB0000001", SITE[0] + 0.0005, SITE[1] + 0.0005)
            assert check.check(order).status == "reporting"

        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def endpoint() -> None:
            response = client.get(f"/api/v1/workorders/{order.id}/activation", headers=headers)
            assert response.status_code == 200

        # Interleaved rounds, so a busy machine slows both sides alike.
        times: dict[str, list[float]] = {"bare": [], "steady": [], "moving": [], "endpoint": []}
        for _round in range(10):
            for name, fn in (("bare", bare), ("steady", steady), ("moving", moving),
                             ("endpoint", endpoint)):
                times[name] += sample(fn, max(1, repeat // 10))
        base = pct(times["bare"], 95)
        record("activation check p95 (polling, fix unchanged: 1 platform call)",
               pct(times["steady"], 95), "ms", "bare HTTP round trip p95", base, "≤ 1.5×")
        record("activation check p95 (a new fix every call: 2 platform calls)",
               pct(times["moving"], 95), "ms", "bare HTTP round trip p95", base, "")
        record("GET /api/v1/workorders/{id}/activation p95 (token, access, JSON)",
               pct(times["endpoint"], 95), "ms", "bare HTTP round trip p95", base, "")


def _registry(count: int) -> None:
    """``count`` customers, vehicles and installed terminals, bulk-inserted."""
    from dispatch.extensions import db
    from dispatch.registry.models import Customer, Terminal, Vehicle

    chunk = 10_000
    for start in range(0, count, chunk):
        numbers = range(start, min(count, start + chunk))
        db.session.execute(insert(Customer), [
            {"id": n + 1, "name": f"客户{n}", "contact_name": "李", "phone": f"+86139{n:08d}",
             "address": "杭州"} for n in numbers])
        db.session.execute(insert(Vehicle), [
            {"id": n + 1, "plate": f"P{n:07d}", "customer_id": n + 1} for n in numbers])
        db.session.execute(insert(Terminal), [
            {"id": n + 1, "terminal_id": f"T{n:09d}", "imei": f"86{n:013d}", "model": "GT06N",
             "status": "installed", "vehicle_id": n + 1} for n in numbers])
        db.session.commit()


def silent_sync(count: int) -> None:
    from dispatch.extensions import db
    from dispatch.tracking import sync
    from dispatch.tracking.models import TrackedDevice
    from dispatch.tracking.service import platform

    with bench_app() as app, TraccarServer(validate=False) as server:
        app.config.update(DISPATCH_TRACKING_URL=server.url,
                          DISPATCH_TRACKING_TOKEN=server.state.token,
                          DISPATCH_TRACKING_PAGE_SIZE=2000)
        _registry(count)
        now = datetime.now(UTC)
        with server.state.lock:
            for n in range(count):
                server._add(f"86{n:013d}", f"P{n:07d}", status="offline",
                            last_update=now - timedelta(hours=n % 200))
        start = time.perf_counter()
        pages = sum(len(page) for page in platform().device_statuses(2000))
        read_only = time.perf_counter() - start
        assert pages == count
        start = time.perf_counter()
        first = sync.sync_statuses()
        first_s = time.perf_counter() - start
        assert first["added"] == count, first
        with server.state.lock:
            for n in range(0, count, 10):
                device = server.state.by_unique[f"86{n:013d}"]
                device.last_update, device.status = now, "online"
        start = time.perf_counter()
        second = sync.sync_statuses()
        second_s = time.perf_counter() - start
        assert second["updated"] == count // 10, second
        assert db.session.scalar(select(TrackedDevice.id).limit(1)) is not None
        record(f"silent sync, {count:,} devices, first run (all new)", first_s, "s",
               "reading the pages alone", read_only, "≤ 60 s")
        record(f"silent sync, {count:,} devices, 10 % changed", second_s, "s",
               "reading the pages alone", read_only, "≤ 60 s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--devices", type=int, default=100_000)
    args = parser.parse_args(argv)
    activation(args.repeat)
    silent_sync(args.devices)
    print_table("Tracking platform")


if __name__ == "__main__":
    main()
