"""The ceiling app of the load test (``bench/load_bench.py``), served by gunicorn with the same
settings as the real app: nothing but Flask and one SQLAlchemy engine.

- ``GET /ping``: a bare Flask JSON endpoint;
- ``GET /page?after=<id>``: a bare indexed 50-row page query on the same database (keyset over
  ``work_orders`` by primary key, newest first), returned as JSON.
"""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

PAGE = text("SELECT id, number, kind, status, priority, customer_id, created_at FROM work_orders "
            "WHERE id < :after ORDER BY id DESC LIMIT 50")


def create_ceiling_app() -> Flask:
    app = Flask("ceiling")
    engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)

    @app.get("/ping")
    def ping():
        return {"ok": True}

    @app.get("/page")
    def page():
        after = request.args.get("after", type=int) or 2**31 - 1
        with engine.connect() as connection:
            rows = connection.execute(PAGE, {"after": after}).mappings().all()
            connection.commit()  # as the app ends a read: psycopg keeps its prepared statements
        items = [{**row, "created_at": row["created_at"].isoformat()} for row in rows]
        return {"items": items, "next_after": items[-1]["id"] if items else None}

    return app
