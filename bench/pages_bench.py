"""The busiest pages (issue 20) on the big data set, each against the page-query ceiling of
the same run: the dispatcher's board (page and its data call), the order list, an order's
page, the technician's day (page and its data call) and the manager's overview.

In process (Flask test clients, signed in through the sign-in form as a browser is), on the
load test's PostgreSQL data set (``bench/load_data.py``: 1,000,000 orders by default, generated
once and reused). The ceiling is ``bench/load_ceiling.py``'s bare indexed 50-row page query on
the same database, served by a bare Flask app in the same process; each round times every page
and the ceiling in turn, so a neighbour's burst on the shared machine hits them alike.

Run: ``.venv/bin/python bench/pages_bench.py [--orders N] [--requests N] [--server URL]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ROWS, print_table, record  # noqa: E402
from bench.load_data import (  # noqa: E402
    DISPATCHER,
    PASSWORD,
    autocommit_engine,
    ensure_dataset,
    prepare,
)

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
MANAGER = "bench-manager"
ROUNDS = 5


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", SERVER))
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--technicians", type=int, default=500)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20, help="per page and round")
    args = parser.parse_args(argv)
    try:
        autocommit_engine(f"{args.server.rstrip('/')}/postgres").connect().close()
    except Exception as exc:  # any connection failure skips the bench
        ROWS.append(("pages", f"skipped: no PostgreSQL at {args.server} ({type(exc).__name__})",
                     "—", "—", ""))
        return
    url, generated = ensure_dataset(args.server, args.orders, args.technicians, args.open)
    ROWS.append((f"pages · data set ({args.orders:,} orders)", generated, "—", "—", ""))
    fixtures = prepare(url)
    os.environ["DATABASE_URL"] = url
    from bench.load_ceiling import create_ceiling_app
    from dispatch import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "bench", "FILE_STORAGE": folder,
                          "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            order_id = _setup(app)
        ceiling = create_ceiling_app().test_client()
        browsers = {name: _signed_in(app, username) for name, username in (
            ("dispatcher", DISPATCHER), ("manager", MANAGER),
            ("technician", fixtures["list_technician"]))}
        pages: dict[str, tuple[str, str]] = {
            "board (page)": ("dispatcher", "/board"),
            "board (data call)": ("dispatcher", "/api/v1/dispatch/board"),
            "order list": ("manager", "/workorders/"),
            "order page": ("manager", f"/workorders/{order_id}"),
            "tablet today (page)": ("technician", "/tablet/"),
            "tablet today (data call)": ("technician", "/api/v1/tablet/today"),
            "overview": ("manager", "/overview"),
        }
        timings: dict[str, list[float]] = {name: [] for name in [*pages, "ceiling"]}
        calls: dict[str, Callable[[], object]] = {
            name: _getter(browsers[who], path) for name, (who, path) in pages.items()}
        calls["ceiling"] = _getter(ceiling, "/page")
        for call in calls.values():  # warm: caches, prepared statements, templates
            call()
            call()
        for _round in range(ROUNDS):
            for name, call in calls.items():
                timings[name] += _sample(call, args.requests)
        floor = statistics.median(timings["ceiling"])
        for name in pages:
            values = sorted(timings[name])
            p50, p95 = statistics.median(values), values[int(0.95 * (len(values) - 1))]
            record(f"pages · {name} p50", p50, "ms", "50-row page query p50", floor,
                   "0.1–0.5 s")
            record(f"pages · {name} p95", p95, "ms", "50-row page query p50", floor,
                   "0.1–0.5 s")


def _setup(app) -> int:
    """The manager account and an order with a history to show (the newest completed one)."""
    from sqlalchemy import select

    from dispatch.auth.models import User
    from dispatch.auth.services import create_user
    from dispatch.extensions import db
    from workorders.models import WorkOrder

    if db.session.scalar(select(User).where(User.username == MANAGER)) is None:
        create_user(MANAGER, PASSWORD, ["manager"])
        db.session.commit()
    order_id = db.session.scalar(select(WorkOrder.id).where(WorkOrder.status == "completed")
                                 .order_by(WorkOrder.id.desc()).limit(1))
    db.session.remove()
    return int(order_id)


def _signed_in(app, username: str):
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    response = browser.post("/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": token.group(1)})
    assert response.status_code == 302, f"{username}: sign-in refused"
    return browser


def _getter(client, path: str) -> Callable[[], object]:
    def get() -> object:
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        return response.get_data()
    return get


def _sample(call: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


if __name__ == "__main__":
    main()
    print_table("GPS Dispatch · busiest pages")
