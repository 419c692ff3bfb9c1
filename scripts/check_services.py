"""Fail loudly, naming the service, when PostgreSQL, Redis or Chromium is missing for the tests
(the servers to connect to, and the programs the fault drills start themselves)."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

SERVICES = {
    "PostgreSQL": (os.environ.get("TEST_PG_HOST", "127.0.0.1"), 5432),
    "Redis": (os.environ.get("TEST_REDIS_HOST", "127.0.0.1"), 6379),
}


def main() -> int:
    problems = []
    for name, (host, port) in SERVICES.items():
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as exc:
            problems.append(f"{name} is not reachable on {host}:{port} ({exc}).")
    if not (os.environ.get("CHROMIUM") or shutil.which("chromium")):
        problems.append("Chromium is not installed (Debian package `chromium`).")
    # The fault drills start their own Redis and a private PostgreSQL cluster (tests/drills/).
    if not shutil.which("redis-server"):
        problems.append("redis-server is not installed (Debian package `redis-server`).")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        problems.append("PostgreSQL's server programs (initdb, pg_ctl) are not in "
                        "/usr/lib/postgresql/<version>/bin (Debian package `postgresql`).")
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
