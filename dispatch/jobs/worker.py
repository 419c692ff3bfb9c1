"""``flask --app dispatch worker``: an RQ worker inside the app, plus the relay sweep.

It runs jobs in its own process without forking per job (RQ's ``SimpleWorker``), so what is
expensive to set up — fonts, templates, the database pool — is loaded once; each job still gets
a fresh database session. Run several of these (on as many machines) to scale out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker

from dispatch.extensions import db
from dispatch.jobs import outbox, queues

log = logging.getLogger(__name__)
#: Functions run once when a worker starts (e.g. registering PDF fonts).
PRELOAD: list[Callable[[], None]] = []


class AppWorker(SimpleWorker):
    """Runs each job in the worker's app context with a clean session."""

    def work(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for preload in PRELOAD:  # fonts and the like, once per worker rather than per job
            preload()
        return super().work(*args, **kwargs)

    def perform_job(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return super().perform_job(*args, **kwargs)
        finally:
            db.session.remove()


def _sweep_forever(app, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        with app.app_context():
            try:
                result = outbox.sweep()
                if any(result.values()):
                    log.info("relay sweep: %s", result)
            except Exception:
                log.exception("relay sweep failed")
            finally:
                db.session.remove()


@click.command("worker")
@click.option("--queue", "names", multiple=True, default=("documents", "bulk", "default"),
              show_default=True, type=click.Choice(sorted(queues.QUEUES)))
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--sweep-interval", type=float, default=30.0, show_default=True,
              help="Seconds between relay sweeps (0: no sweep).")
@with_appcontext
def worker_command(names: tuple[str, ...], burst: bool, sweep_interval: float) -> None:
    """Run background jobs from Redis (needs REDIS_URL)."""
    connection = queues.redis_connection()
    if connection is None:
        raise click.UsageError("REDIS_URL is not set: without it jobs run inside the web process.")
    stop = threading.Event()
    if sweep_interval > 0 and not burst:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_sweep_forever, args=(app, sweep_interval, stop),
                         daemon=True).start()
    try:
        AppWorker([queues.queue(name, connection) for name in names],
                  connection=connection).work(burst=burst)
    finally:
        stop.set()


@click.command("sweep-jobs")
@with_appcontext
def sweep_command() -> None:
    """Re-relay queued jobs Redis never got and jobs abandoned by a dead worker."""
    click.echo(outbox.sweep())
