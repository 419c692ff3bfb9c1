"""Load test (issue 10): the real app under gunicorn on PostgreSQL with 1,000,000 orders,
driven by ``wrk`` on 127.0.0.1, each endpoint's figures against two ceilings served in the
same run by an identical gunicorn (``bench/load_ceiling.py``): a bare Flask JSON endpoint and a
bare SQLAlchemy indexed 50-row page query on the same database.

The data set (``dispatch_bench_<n>`` on the PostgreSQL server, ``flask --app dispatch synth``)
is generated once and reused while the marker table ``bench_dataset`` says it holds the same
numbers; it is migrated to the current head on every run (new indexes apply to it).

Run: ``.venv/bin/python bench/load_bench.py [--orders N] [--duration S] [--server URL]``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ROWS, print_table, private_redis, record  # noqa: E402
from bench.load_data import (  # noqa: E402
    DISPATCHER,
    PASSWORD,
    autocommit_engine,
    cancel_leftovers,
    ensure_dataset,
    order_changes,
    page_anchors,
    prepare,
    prepare_completions,
)
from tests.world import signature_png  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
WORKERS = 4              # gunicorn sync workers: 2 × cores on the 2-core bench machine
CONNECTIONS = 8          # wrk connections: 2 per worker, so no worker waits for a request
THREADS = 2              # wrk threads
ROUNDS = 3               # interleaved rounds per endpoint (the figures are their medians)
BOARD_WHILE_CHANGING = "board data, an order changed every second"
#: Candidates as the board asks for them (the best 20; "candidates" lists all 500).
CANDIDATES_SHOWN = "candidates, best 20 (the board's call)"


@dataclass
class Result:
    rps: float
    p50: float
    p95: float
    p99: float
    requests: int
    errors: int
    seconds: float


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", SERVER),
                        help="PostgreSQL server URL (no database name)")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--technicians", type=int, default=500)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=12, help="seconds per endpoint")
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        ROWS.append(("load test", "skipped: wrk is not installed (apt-get install wrk)", "—", "—", ""))
        return
    if shutil.which("redis-server") is None:
        ROWS.append(("load test", "skipped: redis-server is not installed", "—", "—", ""))
        return
    try:
        autocommit_engine(f"{args.server.rstrip('/')}/postgres").connect().close()
    except Exception as exc:  # any connection failure skips the load test
        ROWS.append(("load test", f"skipped: no PostgreSQL at {args.server} ({type(exc).__name__})",
                     "—", "—", ""))
        return
    url, generated = ensure_dataset(args.server, args.orders, args.technicians, args.open)
    label = f"{args.orders:,} orders"
    ROWS.append((f"load · data set ({label}, {args.technicians} technicians, "
                 f"{args.open:,} open)", generated, "—", "—", ""))
    with ExitStack() as stack:
        redis_url = stack.enter_context(private_redis())
        files = stack.enter_context(tempfile.TemporaryDirectory())
        env = {**os.environ, "DISPATCH_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32),
               "DATABASE_URL": url, "REDIS_URL": redis_url, "FILE_STORAGE": files,
               "PYTHONPATH": str(ROOT)}
        app = stack.enter_context(gunicorn("dispatch:create_app()", env, args.workers))
        ceiling = stack.enter_context(gunicorn("bench.load_ceiling:create_ceiling_app()", env,
                                               args.workers))
        fixtures = prepare(url)
        tokens = {name: login(app, username) for name, username in
                  (("dispatcher", DISPATCHER), ("technician", fixtures["list_technician"]))}
        measure(wrk, app, ceiling, fixtures, tokens, url, args.duration, label,
                args.workers)


# --- servers -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict[str, str], workers: int, *extra: str):
    """``gunicorn -w workers`` (sync, unless ``extra`` says otherwise) on a free 127.0.0.1
    port; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", *extra,
         target],
        cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/ping", timeout=2)  # noqa: S310 - our own server
                break
            except urllib.error.HTTPError:
                break  # the app answers (404 or a login redirect): up
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn {target} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def login(base: str, username: str) -> str:
    """A bearer token through ``POST /api/v1/auth/token``."""
    request = urllib.request.Request(  # noqa: S310 - our own server
        base + "/api/v1/auth/token", method="POST",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own server
        return json.load(response)["token"]


# --- load ------------------------------------------------------------------------------------

LUA = """
local requests_ = %(requests)s
local body = %(body)s
local counter, tid, threads = 0, 0, 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) tid = tonumber(wrk.thread:get("tid")) or 0 end
function request()
  local i = (counter * %(threads)d + tid) %% #requests_ + 1
  counter = counter + 1
  local r = requests_[i]
  local headers = {["Authorization"] = r[2], ["Content-Type"] = "application/json"}
  if r[3] then
    headers["Idempotency-Key"] = string.format("load-%(run)s-%%d-%%d", tid, counter)
    return wrk.format("POST", r[1], headers, body)
  end
  return wrk.format("GET", r[1], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket": %%d, '
    .. '"p50": %%d, "p95": %%d, "p99": %%d}\\n', summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


def _lua_string(value: str | None) -> str:
    return "nil" if value is None else json.dumps(value)


def run_wrk(wrk: str, base: str, requests: list[tuple[str, str | None]], seconds: int,
            body: str | None = None) -> Result:
    """``wrk`` for ``seconds`` against ``base``, cycling through (path, bearer token) — POSTs of
    ``body`` when given; each thread takes its own share of the list, so a list at least as
    long as the run never repeats a request."""
    post = "true" if body is not None else "false"
    table = "{" + ",".join(
        f"{{{_lua_string(path)},{_lua_string(f'Bearer {token}' if token else '')},{post}}}"
        for path, token in requests) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"requests": table, "body": _lua_string(body), "threads": THREADS,
                            "run": secrets.token_hex(4)})
    try:
        output = subprocess.run(
            [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
             "-s", script.name, base], check=True, capture_output=True, text=True,
            timeout=seconds + 60).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    # wrk stops with up to CONNECTIONS requests still running in the server: let them finish,
    # or a slow endpoint's left-overs would land in the next endpoint's figures.
    time.sleep(min(5.0, 0.2 + 2 * data["p99"] / 1e6))
    return Result(rps=data["requests"] / (data["duration_us"] / 1e6), p50=data["p50"] / 1000,
                  p95=data["p95"] / 1000, p99=data["p99"] / 1000, requests=data["requests"],
                  errors=data["non2xx"] + data["socket"], seconds=data["duration_us"] / 1e6)


def measure(wrk: str, app: str, ceiling: str, fixtures: dict, tokens: dict[str, str], url: str,
            seconds: int, label: str, workers: int) -> None:
    dispatcher, technician = tokens["dispatcher"], tokens["technician"]
    top, deep, open_id = page_anchors(url)
    step = max(1, top // 97)
    pages = [f"/page?after={after}" for after in range(top + 1, 0, -step)][:97]
    lists = [f"/api/v1/workorders?per_page=50&status={status}" + (f"&priority={p}" if p else "")
             for status in ("approved", "new", "closed") for p in ("", "urgent")]
    lists += ["/api/v1/workorders?per_page=50", f"/api/v1/workorders?per_page=50&after={deep}",
              f"/api/v1/workorders?per_page=50&status=closed&after={deep}"]
    endpoints = {
        "bare JSON (ceiling)": (ceiling, [("/ping", None)]),
        "50-row page query (ceiling)": (ceiling, [(p, None) for p in pages]),
        "token check only (GET /api/v1/auth/me)": (app, [("/api/v1/auth/me", dispatcher)]),
        "board data": (app, [("/api/v1/dispatch/board", dispatcher)]),
        BOARD_WHILE_CHANGING: (app, [("/api/v1/dispatch/board", dispatcher)]),
        "order list (filters, keyset)": (app, [(p, dispatcher) for p in lists]),
        "technician job list": (app, [("/api/v1/tablet/today", technician)]),
        "candidates": (app, [(f"/api/v1/workorders/{open_id}/candidates", dispatcher)]),
        CANDIDATES_SHOWN: (app, [(f"/api/v1/workorders/{open_id}/candidates?limit=20",
                                  dispatcher)]),
    }
    # Rounds interleave every endpoint with the ceilings, so a neighbour's burst on the shared
    # machine lands on both; each figure is the median of its rounds.
    rounds, slot = ROUNDS, max(2, seconds // ROUNDS)
    runs: dict[str, list[Result]] = {name: [] for name in endpoints}
    for base, requests in endpoints.values():
        run_wrk(wrk, base, requests, max(1, slot // 2))  # warm-up, not measured
    for _ in range(rounds):
        for name, (base, requests) in endpoints.items():
            with order_changes(url) if name == BOARD_WHILE_CHANGING else nullcontext():
                runs[name].append(run_wrk(wrk, base, requests, slot))
    per_round = max(200, slot * 150)
    completion = prepare_completions(url, fixtures["completion"], rounds * per_round)
    runs["completion (write)"] = []
    try:
        owners = {tid: login(app, username) for tid, username in fixtures["completion"]}
        technicians = [tid for tid, _ in fixtures["completion"]]
        body = json.dumps({"resolution": "load test", "payment_method": "none",
                           "amount_collected": "0.00", "signature_png_base64": signature_png()})
        for round_ in range(rounds):
            for name in ("bare JSON (ceiling)", "50-row page query (ceiling)"):
                runs[name].append(run_wrk(wrk, endpoints[name][0], endpoints[name][1], slot))
            chunk = completion[round_ * per_round:(round_ + 1) * per_round]
            runs["completion (write)"].append(run_wrk(
                wrk, app, [(f"/api/v1/workorders/{order_id}/complete",
                            owners[technicians[i % len(technicians)]])
                           for i, order_id in enumerate(chunk)], slot, body))
    finally:
        cancel_leftovers(url, completion)
    _report({name: _merge(results) for name, results in runs.items()}, label, workers,
            f"{rounds} rounds × {slot} s")


def _merge(rounds: list[Result]) -> Result:
    """Requests/s over all rounds; each percentile the median of the rounds'."""
    seconds = sum(r.seconds for r in rounds)
    return Result(rps=sum(r.requests for r in rounds) / seconds,
                  p50=statistics.median(r.p50 for r in rounds),
                  p95=statistics.median(r.p95 for r in rounds),
                  p99=statistics.median(r.p99 for r in rounds),
                  requests=sum(r.requests for r in rounds), errors=sum(r.errors for r in rounds),
                  seconds=seconds)


def _report(results: dict[str, Result], label: str, workers: int, timing: str) -> None:
    bare, page = results["bare JSON (ceiling)"], results["50-row page query (ceiling)"]
    for name, r in results.items():
        prefix = f"load · {name}"
        errors = f", {r.errors} errors" if r.errors else ""
        record(f"{prefix} · req/s ({r.requests:,} requests{errors})", r.rps, "req/s",
               "bare JSON", bare.rps)
        if name == "bare JSON (ceiling)":
            record(f"{prefix} · p95 (p50 {r.p50:.1f}, p99 {r.p99:.1f} ms)", r.p95, "ms",
                   "50-row page query p95", page.p95)
            continue
        record(f"{prefix} · p50", r.p50, "ms", "50-row page query p50", page.p50)
        record(f"{prefix} · p95", r.p95, "ms", "bare JSON p95", bare.p95)
        if name != "50-row page query (ceiling)":
            target = "≤ 3×" if name in ("board data", BOARD_WHILE_CHANGING,
                                         "order list (filters, keyset)", "technician job list",
                                         "candidates", CANDIDATES_SHOWN) else ""
            target = "≤ 5×" if name == "completion (write)" else target
            record(f"{prefix} · p95", r.p95, "ms", "50-row page query p95", page.p95, target)
        record(f"{prefix} · p99", r.p99, "ms", "50-row page query p99", page.p99)
    ROWS.append((f"load · setup: gunicorn {workers} sync workers (app and ceiling alike), wrk "
                 f"{THREADS} threads × {CONNECTIONS} connections, {timing} per endpoint, {label}",
                 "—", "—", "—", ""))


if __name__ == "__main__":
    main(sys.argv[1:])
    print_table("GPS Dispatch load test")
