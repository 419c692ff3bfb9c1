"""Planner statistics: the row counts and value spreads the database uses to pick indexes.

PostgreSQL keeps them fresh itself (autovacuum) but not right after a bulk load; SQLite has
none until ``ANALYZE`` runs and meanwhile plans the board's queue with the wrong index. They
are refreshed after bulk loads (demo, synth) and, on SQLite, at most hourly by the workers'
sweep.
"""

from __future__ import annotations

import time

from dispatch.extensions import db

INTERVAL_SECONDS = 3600
_refreshed: dict[str, float] = {}


def refresh() -> None:
    """Gather statistics now (and, on PostgreSQL, mark freshly loaded pages all-visible so
    counts can be answered from the indexes alone)."""
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
    _refreshed[str(db.engine.url)] = time.monotonic()


def refresh_when_due() -> None:
    """SQLite only: PostgreSQL's autovacuum does this on its own."""
    if db.engine.dialect.name != "sqlite":
        return
    last = _refreshed.get(str(db.engine.url))
    if last is None or time.monotonic() - last > INTERVAL_SECONDS:
        refresh()
