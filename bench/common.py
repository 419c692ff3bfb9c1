"""Shared pieces of the benchmarks: a throwaway app and database, timing, the result table."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from flask import Flask

ROWS: list[tuple[str, str, str, str, str]] = []


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.machine()} · {cpus} cores · Python {platform.python_version()}"


@contextmanager
def bench_app(database_url: str | None = None):
    """A migrated app on a fresh SQLite file (or the given database URL)."""
    from flask_migrate import upgrade

    from dispatch import create_app
    from dispatch.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": url, "FILE_STORAGE": folder})
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def bare_app() -> Flask:
    """The ceiling: a Flask app with one JSON endpoint and nothing else."""
    app = Flask("bare")

    @app.get("/ping")
    def ping():
        return {"ok": True}

    return app


def sample(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 \
        else values[0]


def record(name: str, value: float, unit: str, baseline_name: str, baseline: float,
           target: str = "") -> None:
    ratio = value / baseline if baseline else float("inf")
    ROWS.append((name, f"{value:,.2f} {unit}", f"{baseline_name}: {baseline:,.2f} {unit}",
                 f"{ratio:,.2f}×", target))


def print_table(title: str) -> None:
    header = ("figure", "measured", "baseline (same run)", "ratio", "target")
    widths = [max(len(str(row[i])) for row in [header, *ROWS]) for i in range(5)]
    print(f"\n## {title} — {machine()}")
    for row in [header, tuple("-" * w for w in widths), *ROWS]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    ROWS.clear()


@contextmanager
def private_redis():
    """A throwaway ``redis-server`` on a free local port; yields its URL."""
    import shutil
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is needed for this benchmark")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
