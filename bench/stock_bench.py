"""GET /api/v1/stock latency with 1,000,000 ledger movements, against a bare JSON endpoint.

    .venv/bin/python bench/stock_bench.py                       # SQLite file in /tmp
    .venv/bin/python bench/stock_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432
    .venv/bin/python bench/stock_bench.py --movements 100000 --requests 200   # quicker

It migrates a fresh database (a throwaway database on the PostgreSQL server), bulk-inserts the
movements with balances consistent with them, then times requests through the Flask test client
(same process, no network): the stock endpoint with three filters, and two references measured
in the same run — a bare Flask JSON endpoint, and the same body with the same encoder behind the
app's own bearer-token guard (the floor: what the endpoint pays besides its own query).
Prints p50/p95 and the ratio of each p95 to the bare one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, jsonify
from sqlalchemy import create_engine, insert, text

from bench.common import print_table, record
from dispatch import create_app
from dispatch.auth.models import User, UserRole
from dispatch.auth.services import issue_token
from dispatch.extensions import db
from dispatch.technicians.models import Technician
from dispatch.timeutil import utcnow
from dispatch.web.api import api_requires, rows_response
from inventory.models import Location, Part, StockBalance, StockMovement

SKUS, VANS, WAREHOUSES, CHUNK = 150, 40, 3, 20000


def _database(url: str | None) -> tuple[str, Callable[[], None]]:
    """A fresh database URL and a function that removes it."""
    if not url:
        path = Path(tempfile.gettempdir()) / f"stock_bench_{os.getpid()}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    server = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    name = f"stock_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return f"{server}/{name}", drop


def _load(movements: int, rng: random.Random) -> tuple[User, list[str]]:
    """Parts, locations, technicians, ``movements`` ledger rows and the matching balances."""
    now = utcnow()
    db.session.execute(insert(Part), [
        {"sku": f"SKU-{i:04d}", "name": f"Part {i}", "category": "other", "serialized": False,
         "price": 10, "reorder_point": 5, "active": True, "created_at": now} for i in range(SKUS)])
    db.session.execute(insert(User), [
        {"username": f"bench{i}", "name": f"Tech {i}", "password_hash": "x", "active": True,
         "created_at": now} for i in range(VANS + 1)])
    keeper = db.session.query(User).filter_by(username="bench0").one()
    db.session.add(UserRole(user_id=keeper.id, role="warehouse"))
    techs = [u.id for u in db.session.query(User).filter(User.username != "bench0")]
    db.session.execute(insert(Technician), [
        {"user_id": uid, "home_lat": 30.2, "home_lon": 120.1, "skills": [], "daily_capacity": 8,
         "active": True, "contractor": False, "created_at": now, "phone": ""} for uid in techs])
    tech_ids = [t.id for t in db.session.query(Technician)]
    rows = [{"code": "MAIN", "name": "Main", "kind": "warehouse", "is_default": True}]
    rows += [{"code": f"WH{i}", "name": f"WH {i}", "kind": "warehouse", "is_default": False}
             for i in range(1, WAREHOUSES)]
    rows += [{"code": f"VAN-{t}", "name": f"Van {t}", "kind": "van", "technician_id": t,
              "is_default": False} for t in tech_ids]
    db.session.execute(insert(Location), [{**r, "created_at": now} for r in rows])
    db.session.commit()
    locations = {loc.code: loc.id for loc in db.session.query(Location)}
    warehouses = [locations["MAIN"], *(locations[f"WH{i}"] for i in range(1, WAREHOUSES))]
    vans = [v for code, v in locations.items() if code.startswith("VAN-")]
    skus = [f"SKU-{i:04d}" for i in range(SKUS)]
    on_hand: dict[tuple[int, str], int] = {}
    batch = []
    for n in range(movements):
        sku = rng.choice(skus)
        roll = rng.random()
        source = rng.choice(warehouses) if roll < 0.7 else rng.choice(vans)
        held = on_hand.get((source, sku), 0)
        if roll < 0.25 or held == 0:
            kind, qty, src, dst = "receive", rng.randint(1, 50), None, rng.choice(warehouses)
        elif roll < 0.7:
            kind, qty, src, dst = "transfer", rng.randint(1, held), source, rng.choice(vans)
        else:
            kind, qty, src, dst = "consume", rng.randint(1, min(held, 3)), source, None
        if src is not None:
            on_hand[(src, sku)] -= qty
        if dst is not None:
            on_hand[(dst, sku)] = on_hand.get((dst, sku), 0) + qty
        batch.append({"at": now, "kind": kind, "sku": sku, "qty": qty, "from_location_id": src,
                      "to_location_id": dst, "reason": "", "serial": None,
                      "work_order_id": None, "user_id": keeper.id})
        if len(batch) == CHUNK or n == movements - 1:
            db.session.connection().execute(StockMovement.__table__.insert(), batch)
            batch = []
    db.session.execute(insert(StockBalance), [
        {"location_id": loc, "sku": sku, "on_hand": qty, "reserved": 0}
        for (loc, sku), qty in on_hand.items()])
    db.session.commit()
    return keeper, skus


def _time(client, path: str, headers: dict[str, str], n: int) -> list[float]:
    for _ in range(20):  # warm-up
        client.get(path, headers=headers)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:200]
    return samples


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args(argv)
    url, drop = _database(args.database_url)
    try:
        app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        sample_body: dict = {}

        @app.get("/bench/guarded")
        @api_requires("stock.view")
        def guarded():
            return rows_response(sample_body)  # what the stock endpoint pays besides its query

        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            started = time.perf_counter()
            keeper, skus = _load(args.movements, random.Random(1))
            loaded = time.perf_counter() - started
            token = issue_token(keeper)
            db.session.commit()
            sample_body.update(app.test_client().get(
                "/api/v1/stock?location=MAIN", headers={"Authorization": f"Bearer {token}"}
            ).get_json())

        bare = Flask("bare")
        bare.get("/bare")(lambda: jsonify(sample_body))
        auth = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        results = [("bare Flask JSON endpoint", _time(bare.test_client(), "/bare", {}, args.requests))]
        results.append(("same body and encoder behind the API token guard (floor)",
                        _time(client, "/bench/guarded", auth, args.requests)))
        for label, path in [("GET /api/v1/stock?location=MAIN", "/api/v1/stock?location=MAIN"),
                            ("GET /api/v1/stock?sku=…", f"/api/v1/stock?sku={skus[7]}"),
                            ("GET /api/v1/stock?location=VAN-…&sku=…",
                             f"/api/v1/stock?location=VAN-1&sku={skus[3]}")]:
            results.append((label, _time(client, path, auth, args.requests)))
        backend = url.split(":", 1)[0]
        base = _p(results[0][1], 95)
        for label, samples in results[1:]:
            record(f"{label} p95 ({args.movements:,} movements, {backend})", _p(samples, 95),
                   "ms", "bare JSON p95", base, "≤ 2×")
        print(f"stock: {args.movements:,} movements loaded in {loaded:.1f}s", file=sys.stderr)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
    return 0


if __name__ == "__main__":
    main()
    print_table("Stock")
