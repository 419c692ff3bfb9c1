"""Import benchmark (issue 19): the installed base, 100,000 rows, on SQLite and PostgreSQL.

For each database, in a fresh database and a process of its own (so its peak memory, the
process's ``VmHWM``, is its own):

- **the import**: the sample file (``flask --app dispatch import-sample``) imported as the
  background job does it — two passes over the file, validation of every cell, batches of
  500 rows, devices registered as installed with their installation rows, an audit row per
  record — and then the same file again (everything unchanged: nothing written);
- **the baseline**: the same rows read with the ``csv`` module and bulk-inserted with
  SQLAlchemy Core (customers, vehicles, terminals, SIMs), no validation, no history, no audit.

Targets: the import within 3× the baseline and 60 s, its peak memory within 300 MB.

Run: ``.venv/bin/python bench/import_bench.py [--rows N] [--backends sqlite,postgresql]
[--pg-url postgresql+psycopg://postgres@127.0.0.1:5432]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table, record

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
CHUNK = 5000


def _database(backend: str, pg_url: str, folder: str):
    """A fresh database URL and a function that removes it."""
    if backend == "sqlite":
        path = Path(folder) / f"import_bench_{uuid.uuid4().hex[:6]}.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    from sqlalchemy import create_engine, text

    name = f"import_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{pg_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{pg_url}/{name}", drop


def _app(url: str, folder: str):
    from flask_migrate import upgrade

    from dispatch import create_app

    app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "FILE_STORAGE": folder})
    context = app.app_context()
    context.push()
    upgrade()
    return app


def child_import(url: str, path: str, folder: str) -> dict:
    """Import the file twice (the second time nothing changes); seconds of each."""
    _app(url, folder)
    from dispatch.auth.services import create_user
    from dispatch.extensions import db
    from dispatch.imports import running, runs
    from dispatch.imports.models import ImportRun
    from dispatch.jobs import outbox

    outbox.relay = lambda *args, **kwargs: None  # run here, timed, not in a thread
    user = create_user("bench-manager", "bench-password", ["manager"])
    db.session.commit()
    figures: dict = {}
    for label in ("first", "again"):
        with open(path, "rb") as upload:
            run = runs.start_run(user, upload, Path(path).name)
        db.session.commit()
        started = time.perf_counter()
        running.run_import(run.id)
        figures[label] = time.perf_counter() - started
        done = db.session.get_one(ImportRun, run.id)
        figures[f"{label}_counts"] = {"status": done.status, "rows": done.rows,
                                      "created": done.created, "updated": done.updated,
                                      "unchanged": done.unchanged, "rejected": done.rejected}
    db.session.remove()
    db.engine.dispose()
    return figures


def child_baseline(url: str, path: str, folder: str) -> dict:
    """The same rows through the csv module and Core bulk inserts, no validation."""
    _app(url, folder)
    from sqlalchemy import insert

    from dispatch.extensions import db
    from dispatch.registry.models import Customer, Sim, Terminal, Vehicle
    from dispatch.timeutil import utcnow

    started = time.perf_counter()
    now = utcnow()
    customers: dict[tuple[str, str], int] = {}
    batches: dict[str, list[dict]] = {"customers": [], "vehicles": [], "terminals": [], "sims": []}
    tables = {"customers": Customer, "vehicles": Vehicle, "terminals": Terminal, "sims": Sim}

    def flush(force: bool = False) -> None:
        for name in ("customers", "vehicles", "terminals", "sims"):
            if batches[name] and (force or len(batches["sims"]) >= CHUNK):
                db.session.execute(insert(tables[name]), batches[name])
                batches[name] = []

    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=1):
            key = (row["customer_name"], row["phone"])
            if key not in customers:
                customers[key] = len(customers) + 1
                batches["customers"].append({
                    "id": customers[key], "name": key[0], "phone": key[1],
                    "contact_name": row["contact_name"], "address": row["address"],
                    "credit_class": row["credit_class"], "confidentiality": row["confidentiality"],
                    "overseas": False, "notes": "", "created_at": now, "updated_at": now})
            batches["vehicles"].append({"id": number, "plate": row["plate"],
                                        "description": row["vehicle_model"],
                                        "customer_id": customers[key], "created_at": now})
            batches["terminals"].append({"id": number, "terminal_id": row["terminal_id"],
                                         "imei": row["imei"], "model": row["terminal_model"],
                                         "firmware": "", "status": "installed",
                                         "vehicle_id": number, "created_at": now})
            batches["sims"].append({"id": number, "iccid": row["iccid"], "msisdn": row["msisdn"],
                                    "carrier": row["carrier"], "status": "installed",
                                    "terminal_ref": number, "created_at": now})
            flush()
    flush(force=True)
    db.session.commit()
    seconds = time.perf_counter() - started
    db.session.remove()
    db.engine.dispose()
    return {"seconds": seconds}


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` is the program's own since its
    exec; ``getrusage`` also counts what the process had when it was forked from a parent (the
    whole ``make bench`` run, hundreds of MB) before the exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, backend: str, pg_url: str, path: str, folder: str) -> dict:
    url, drop = _database(backend, pg_url, folder)
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--url", url, "--file", path,
             "--folder", folder], check=True, capture_output=True, text=True).stdout
    finally:
        drop()
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--child", choices=("import", "baseline"))
    parser.add_argument("--url")
    parser.add_argument("--file")
    parser.add_argument("--folder")
    args = parser.parse_args(argv)
    if args.child:
        figures = (child_import if args.child == "import" else child_baseline)(
            args.url, args.file, args.folder)
        figures["max_rss_mb"] = _peak_mb()
        print(json.dumps(figures))
        return 0

    from dispatch.exports import to_csv
    from dispatch.registry.import_sample import sample_rows
    from dispatch.registry.importer import COLUMNS

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / f"installed-base-{args.rows}.csv")
        Path(path).write_bytes(to_csv(COLUMNS, sample_rows(args.rows, seed=7)))
        size = Path(path).stat().st_size / 1024 / 1024
        for backend in args.backends.split(","):
            baseline = _child("baseline", backend, args.pg_url, path, folder)
            result = _child("import", backend, args.pg_url, path, folder)
            counts = result["first_counts"]
            if counts["status"] != "done" or counts["rejected"]:
                print(f"import on {backend} did not finish cleanly: {counts}", file=sys.stderr)
            again = result["again_counts"]
            assert again["unchanged"] == counts["rows"], again  # nothing changed the second time
            rows = f"{args.rows:,} rows ({size:.1f} MB CSV), {backend}"
            record(f"import {rows}", result["first"], "s", "csv + Core bulk insert",
                   baseline["seconds"], "≤ 3×, ≤ 60 s")
            record(f"same file again (all unchanged), {backend}", result["again"], "s",
                   "csv + Core bulk insert", baseline["seconds"], "")
            record(f"import peak memory, {backend}", result["max_rss_mb"], "MB",
                   "baseline process", baseline["max_rss_mb"], "≤ 300 MB")
    print_table("Import of the installed base")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
