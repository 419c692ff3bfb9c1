"""``flask --app dispatch worker``: an RQ worker inside the app, plus the relay sweep.

It runs jobs in its own process without forking per job (RQ's ``SimpleWorker``), so what is
expensive to set up — fonts, templates, the database pool — is loaded once; each job still gets
a fresh database session. Run several of these (on as many machines) to scale out.

RQ waits for Redis while it blocks on the queue, but quits when Redis goes away at any other
moment (e.g. while it finishes a job: found by the Redis-restart drill). The job's own row is
already settled then (or the sweep requeues it), so the command simply starts a new RQ worker
once Redis answers again, until it is asked to stop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import SimpleWorker
from rq.exceptions import StopRequested

from dispatch.extensions import db
from dispatch.jobs import outbox, queues

log = logging.getLogger(__name__)
#: Functions run once when a worker starts (e.g. registering PDF fonts); filled by the factory.
PRELOAD: list[Callable[[], None]] = []


def register_preload(step: Callable[[], None]) -> None:
    """Run ``step`` once when a worker starts (idempotent)."""
    if step not in PRELOAD:
        PRELOAD.append(step)
#: Seconds between attempts to reach Redis again after RQ's worker quit on a lost connection.
RECONNECT_SECONDS = 1.0


class AppWorker(SimpleWorker):
    """Runs each job in the worker's app context with a clean session."""

    stop_signalled = False

    def request_stop(self, signum, frame):
        self.stop_signalled = True  # SIGTERM/SIGINT: do not start again (see run_worker)
        return super().request_stop(signum, frame)

    def work(self, *args, **kwargs):
        for preload in PRELOAD:  # fonts and the like, once per worker rather than per job
            preload()
        return super().work(*args, **kwargs)

    def perform_job(self, *args, **kwargs):
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
@click.option("--queue", "names", multiple=True,
              default=("notify", "documents", "bulk", "imports", "default"), show_default=True,
              type=click.Choice(sorted(queues.QUEUES)))
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--sweep-interval", type=float, default=15.0, show_default=True,
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
        run_worker(connection, names, burst)
    finally:
        stop.set()


def run_worker(connection: Redis, names: tuple[str, ...], burst: bool) -> None:
    """Work the queues until asked to stop (or, in burst mode, until they are empty), starting
    RQ's worker again whenever it quits because Redis went away."""
    while True:
        worker = AppWorker([queues.queue(name, connection) for name in names],
                           connection=connection)
        try:
            worker.work(burst=burst)
        except (RedisConnectionError, RedisTimeoutError) as exc:  # raised by RQ's teardown
            log.warning("RQ worker lost Redis: %s", exc)
        if burst or worker.stop_signalled:
            return
        try:
            while not worker.stop_signalled and not _redis_answers(connection):
                time.sleep(RECONNECT_SECONDS)
        except (StopRequested, RedisConnectionError, RedisTimeoutError):
            return  # a stop signal while waiting (RQ's handler may itself fail to reach Redis)
        if worker.stop_signalled:
            return
        log.warning("RQ worker stopped without being asked to; starting it again")


def _redis_answers(connection: Redis) -> bool:
    try:
        return bool(connection.ping())
    except (RedisConnectionError, RedisTimeoutError):
        return False


@click.command("sweep-jobs")
@with_appcontext
def sweep_command() -> None:
    """Re-relay queued jobs Redis never got and jobs abandoned by a dead worker."""
    click.echo(outbox.sweep())
