"""Live board (issue 23): how soon a committed order change reaches every open board, and how
many bytes it costs a board, against what it replaces (the board's 15 s polling, and the whole
snapshot a poll sends).

The app runs under gunicorn gthread workers (as deployed, ``docs/decisions.md``) on a fresh
PostgreSQL database filled by ``dispatch/synth.py`` (500 technicians, 10,000 open orders
among 60,000), with a private Redis carrying the changes between processes. N boards hold the
stream open; this process commits order changes (an assignment each, through
``workorders.assignment.assign``, as the board's button does) and the boards' readers note when
each change arrives. The delay runs from the start of the commit to the arrival; the bytes are
each change's event as sent, against the snapshot event the same stream began with.

Run: ``.venv/bin/python bench/live_board_bench.py [--boards N] [--changes K] [--open N]``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ROWS, pct, print_table, private_redis, record  # noqa: E402
from bench.load_bench import SERVER, gunicorn, login  # noqa: E402
from bench.load_data import PASSWORD, autocommit_engine  # noqa: E402

POLL_MS = 15_000          # board.js REFRESH_MS: the polling the stream replaces
WORKERS, THREADS = 2, 40  # gthread: a thread per open board, the rest for requests
DATABASE = "dispatch_live_bench"
PATIENCE = 60.0


class Board:
    """One open stream, noting each change's arrival (monotonic) and size in bytes."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=PATIENCE * 2)
        self.connection.request("GET", "/api/v1/dispatch/board/stream",
                                headers={"Authorization": f"Bearer {token}"})
        self.response = self.connection.getresponse()
        if self.response.status != 200:
            raise SystemExit(f"the stream answered {self.response.status}")
        self.snapshot_bytes = 0
        self.arrivals: queue.Queue[tuple[str, str, float, int]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, version, size = "", "", 0
        try:
            for raw in self.response:
                size += len(raw)
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("id: "):
                    version = line[4:]
                elif not line:
                    if kind:
                        self.arrivals.put((kind, version, time.monotonic(), size))
                    kind, version, size = "", "", 0
        except (OSError, AttributeError, http.client.HTTPException):
            return  # closed by this process

    def next(self, kind: str) -> tuple[str, float, int]:
        while True:
            got, version, moment, size = self.arrivals.get(timeout=PATIENCE)
            if got == kind:
                return version, moment, size

    def close(self) -> None:
        self.connection.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", SERVER))
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--orders", type=int, default=60_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--technicians", type=int, default=500)
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        ROWS.append(("live board", "skipped: redis-server is not installed", "—", "—", ""))
        return
    try:
        admin = autocommit_engine(f"{args.server.rstrip('/')}/postgres")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    except Exception as exc:  # any connection failure skips the benchmark
        ROWS.append(("live board", f"skipped: no PostgreSQL at {args.server} "
                     f"({type(exc).__name__})", "—", "—", ""))
        return
    url = f"{args.server.rstrip('/')}/{DATABASE}"
    try:
        with ExitStack() as stack:
            redis_url = stack.enter_context(private_redis())
            files = stack.enter_context(tempfile.TemporaryDirectory())
            app = _prepared_app(url, redis_url, files, args)
            env = {**os.environ, "DISPATCH_ENV": "production",
                   "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_URL": url,
                   "REDIS_URL": redis_url, "FILE_STORAGE": files, "PYTHONPATH": str(ROOT),
                   "DISPATCH_LIVE_STREAMS": str(args.boards + 4)}
            base = stack.enter_context(gunicorn("dispatch:create_app()", env, WORKERS,
                                                "--worker-class", "gthread",
                                                "--threads", str(THREADS)))
            _measure(app, base, args)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def _prepared_app(url: str, redis_url: str, files: str, args: argparse.Namespace) -> Any:
    from flask_migrate import upgrade

    from dispatch import create_app, planner_stats
    from dispatch.auth.services import create_user
    from dispatch.extensions import db
    from dispatch.synth import generate

    app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url,
                      "FILE_STORAGE": files})
    with app.app_context():
        upgrade()
        generate(orders=args.orders, technicians=args.technicians, open_orders=args.open)
        planner_stats.refresh()
        create_user("live-dispatcher", PASSWORD, ["dispatcher"])
        db.session.commit()
        db.session.remove()
    return app


def _measure(app: Any, base: str, args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from dispatch.auth.models import User
    from dispatch.cache import current_version
    from dispatch.errors import DomainError
    from dispatch.extensions import db
    from dispatch.technicians.models import Technician
    from workorders.assignment import assign
    from workorders.models import WorkOrder

    token = login(base, "live-dispatcher")
    boards = [Board(base, token) for _ in range(args.boards)]
    snapshots = [board.next("snapshot")[2] for board in boards]
    delays: list[float] = []
    sizes: list[int] = []
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "live-dispatcher"))
        technicians = list(db.session.scalars(select(Technician.id).where(
            Technician.active.is_(True), Technician.contractor.is_(False))))
        orders = list(db.session.scalars(select(WorkOrder.id).where(
            WorkOrder.status == "approved", WorkOrder.technician_id.is_(None))
            .order_by(WorkOrder.priority.desc(), WorkOrder.created_at).limit(args.changes * 3)))
        made = 0
        for index, order_id in enumerate(orders):
            if made == args.changes:
                break
            order = db.session.get(WorkOrder, order_id, with_for_update=True)
            try:
                assign(order, technicians[index % len(technicians)], user)  # type: ignore[arg-type]
            except DomainError:
                db.session.rollback()
                continue
            db.session.flush()
            started = time.monotonic()
            db.session.commit()  # the version moves and the change is published after it
            version = current_version("board")
            made += 1
            for board in boards:
                got, arrived, size = board.next("change")
                while version is not None and int(got) < version[1]:
                    got, arrived, size = board.next("change")
                delays.append((arrived - started) * 1000)
                sizes.append(size)
        db.session.remove()
    for board in boards:
        board.close()
    snapshot = statistics.median(snapshots)
    label = f"{args.boards} open boards, {made} assignments, {args.open:,} open orders"
    record(f"live board · committed change → every open board · p50 ({label})",
           pct(delays, 50), "ms", "polling interval it replaces", POLL_MS)
    record("live board · committed change → every open board · p95", pct(delays, 95), "ms",
           "polling interval it replaces", POLL_MS, "≤ 1,000 ms")
    share = statistics.median(sizes) / snapshot * 100
    record(f"live board · bytes sent to a board per order change (median, {share:.2f} % of the "
           f"snapshot; max {max(sizes):,} B)", statistics.median(sizes), "B", "the whole snapshot",
           snapshot, "≤ 2 %")
    ROWS.append((f"live board · setup: gunicorn {WORKERS} gthread workers × {THREADS} threads, "
                 f"Redis pub/sub, PostgreSQL, readers and writer in this process", "—", "—",
                 "—", ""))


if __name__ == "__main__":
    main(sys.argv[1:])
    print_table("GPS Dispatch live board")
