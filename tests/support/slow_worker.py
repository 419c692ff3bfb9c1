"""An RQ worker whose service-sheet job takes a few seconds (to kill it mid-job in a test)."""

import time

from dispatch import create_app
from dispatch.jobs import runner
from dispatch.jobs.queues import queue, redis_connection
from dispatch.jobs.worker import AppWorker

app = create_app()
original = runner.HANDLERS["service_sheet"]


def slow(job):
    time.sleep(3)
    return original(job)


runner.HANDLERS["service_sheet"] = slow
with app.app_context():
    connection = redis_connection()
    AppWorker([queue("documents", connection)], connection=connection).work(burst=True)
