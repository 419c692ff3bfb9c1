"""Fault drills (issue 11): real PostgreSQL, Redis, RQ workers and gunicorn on 127.0.0.1.

Every process a drill starts is stopped by a fixture finalizer, also when the drill fails.
Helpers: an HTTP client that behaves like the tablet's queue (same ``Idempotency-Key`` on every
retry), orders ready to be completed, and a snapshot of everything a completion writes.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.registry.models import Installation, Terminal, Vehicle
from dispatch.timeutil import utcnow
from inventory.models import StockMovement
from tests.support.clock import local_today
from tests.support.services import Gunicorn, worker_env
from tests.world import load_van, signature_png
from workorders.finance.invoices import Invoice
from workorders.finance.models import Collection
from workorders.models import Swap, WorkOrder, WorkOrderEvent

TRANSIENT = (OSError, http.client.HTTPException)


@pytest.fixture
def postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("fault drill for PostgreSQL (run with --db=postgresql)")


@pytest.fixture
def servers(tmp_path: Path):
    """``servers(env, **options)`` → a :class:`Gunicorn` (its app imported, not serving yet:
    call ``start()``); all are stopped at the end."""
    started: list[Gunicorn] = []

    def make(env: dict[str, str], **options) -> Gunicorn:
        server = Gunicorn(env, log_path=tmp_path / f"gunicorn-{len(started)}.log", **options)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop(graceful=False)  # nothing to finish: the drill has checked what it needs


def app_env(app, redis_url: str = "", **extra: str) -> dict[str, str]:
    return worker_env(app.config["SQLALCHEMY_DATABASE_URI"], redis_url,
                      app.config["FILE_STORAGE"], **extra)


def post(base_url: str, path: str, body: dict, token: str, key: str | None,
         timeout: float = 15) -> tuple[int, dict | None, bool]:
    """One POST (status, JSON body, replayed?); a network failure raises (see ``TRANSIENT``)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed, response.getheader("Idempotent-Replayed") == "true"
    finally:
        connection.close()


@dataclass
class Submission:
    """One write the client keeps sending (same key) until it gets a final answer."""

    path: str
    body: dict
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: int = 0
    status: int | None = None
    replayed: bool = False
    answer: dict | None = None
    errors: list[str] = field(default_factory=list)
    error_times: list[float] = field(default_factory=list)  # time.monotonic() of each
    #: When each failed attempt was sent (``time.monotonic()``): with ``error_times``, the span
    #: the attempt was in flight.
    error_sent: list[float] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def _failed(self, what: str, sent: float) -> None:
        self.errors.append(what)
        self.error_sent.append(sent)
        self.error_times.append(time.monotonic())

    def send(self, base_url: str, token: str) -> bool:
        """One attempt; True when the answer is final (not a network failure or a 5xx)."""
        self.attempts += 1
        sent = time.monotonic()
        try:
            status, answer, replayed = post(base_url, self.path, self.body, token, self.key)
        except TRANSIENT as exc:
            self._failed(type(exc).__name__, sent)
            return False
        if status >= 500:
            self._failed(f"{status} {answer}"[:200], sent)
            return False
        self.status, self.answer, self.replayed = status, answer, replayed
        return True


def prepare_completions(world, count: int) -> list[tuple[int, dict]]:
    """``count`` repair orders on site with ``world.technician``, each on its own truck with a
    terminal to swap (old → a spare from the van) and a harness used; returns (order id, the
    completion body the tablet sends: cash, exactly the fee, signature)."""
    installed_at = utcnow() - timedelta(days=500)
    olds, spares = [], []
    for i in range(count):
        truck = Vehicle(plate=f"浙B{i:05d}", customer=world.customer)
        old = Terminal(terminal_id=f"DR{i:08d}", model="GT06N", sku="TERM-GT06N",
                       status="installed", vehicle=truck,
                       install_date=local_today() - timedelta(days=500))
        db.session.add_all([truck, old, Installation(vehicle=truck, device_kind="terminal",
                                                     terminal=old, installed_at=installed_at)])
        olds.append(old.terminal_id)
        spares.append(f"DS{i:08d}")
    db.session.commit()
    load_van(world.keeper, world.technician.id, {"HARNESS-12V": count}, {"TERM-GT06N": spares})
    prepared = []
    for i in range(count):
        created = world.agent.post("/api/v1/workorders", json={
            "kind": "repair", "customer_id": world.customer.id, "plate": f"浙B{i:05d}",
            "contact_name": "王伟", "contact_phone": "13800138000", "product_model": "GT06N",
            "fault_description": "终端不上线", "purchase_date": "2024-03-01"})
        assert created.status_code == 201, created.get_json()
        order_id = created.get_json()["id"]
        base = f"/api/v1/workorders/{order_id}"
        assert world.manager.post(f"{base}/approve").status_code == 200
        assert world.dispatcher.post(f"{base}/assign", json={
            "technician_id": world.technician.id}).status_code == 200
        for status in ("en_route", "on_site"):
            assert world.tech.post(f"{base}/status", json={"status": status}).status_code == 200
        assert world.tech.post(f"{base}/swaps", json={
            "kind": "terminal", "old": olds[i], "new": spares[i], "reason": "不上线"}).status_code == 201
        assert world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V"}).status_code == 201
        fee = world.tech.get(f"{base}/fee").get_json()["total"]
        prepared.append((order_id, {"resolution": "更换终端", "payment_method": "cash",
                                    "amount_collected": fee, "signature_png_base64": signature_png()}))
    return prepared


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def completion_snapshot(order_id: int) -> dict[str, object]:
    """Everything a completion writes for one order, as counts and states (fresh reads)."""
    db.session.expire_all()
    order = db.session.get(WorkOrder, order_id)
    swap = db.session.scalar(select(Swap).where(Swap.order_id == order_id))
    old = db.session.scalar(select(Terminal).where(Terminal.terminal_id == swap.old_identifier))
    new = db.session.scalar(select(Terminal).where(Terminal.terminal_id == swap.new_identifier))
    moved = dict(db.session.execute(
        select(StockMovement.kind, func.count()).where(StockMovement.work_order_id == order_id)
        .group_by(StockMovement.kind)).all())
    snapshot = {
        "status": order.status, "completed_at": order.completed_at is not None,
        "swap_applied": swap.applied_at is not None,
        "old_terminal": (old.status, old.vehicle_id is not None),
        "new_terminal": (new.status, new.vehicle_id == order.vehicle_id),
        "movements": dict(sorted(moved.items())),
        "collections": _count(Collection, Collection.order_id == order_id),
        "collected": str(order.amount_collected) if order.amount_collected is not None else None,
        "invoices": _count(Invoice, Invoice.order_id == order_id),
        "jobs": _count(Job, Job.order_id == order_id,
                       Job.kind.in_(("service_sheet", "invoice_pdf", "return_tag"))),
        "complete_events": _count(WorkOrderEvent, WorkOrderEvent.order_id == order_id,
                                  WorkOrderEvent.action == "complete"),
    }
    db.session.rollback()
    return snapshot


#: An order of :func:`prepare_completions` after exactly one completion (its parts were held when
#: recorded — `reserve` — and completion releases and consumes them; `jobs` are its documents).
COMPLETED = {
    "status": "completed", "completed_at": True, "swap_applied": True,
    "old_terminal": ("faulty", False), "new_terminal": ("installed", True),
    "movements": {"consume": 2, "release": 2, "reserve": 2, "return_faulty": 1}, "collections": 1,
    "invoices": 1, "jobs": 3,
    "complete_events": 1,
}
#: The counted rows a second application would add to.
COUNTED = ("collections", "invoices", "jobs", "complete_events")


def classify(snapshot: dict[str, object], untouched: dict[str, object], fee: str) -> str:
    """``completed``, ``untouched``, ``doubled`` (a counted row or movement more than once) or
    ``partial`` (anything else: some of the completion's writes without the others)."""
    if snapshot == untouched:
        return "untouched"
    if snapshot == {**COMPLETED, "collected": fee}:
        return "completed"
    movements = snapshot["movements"]
    assert isinstance(movements, dict)
    if any(snapshot[name] > COMPLETED[name] for name in COUNTED) or any(  # type: ignore[operator]
            movements.get(kind, 0) > count for kind, count in COMPLETED["movements"].items()):
        return "doubled"
    return "partial"


def open_transactions() -> int:
    """Other sessions of this database inside a transaction right now (PostgreSQL)."""
    count = db.session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"))
    db.session.rollback()
    return count or 0
