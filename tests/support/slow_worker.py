"""An RQ worker that holds a claimed batch of documents for a few seconds before working on it
(to kill it with the batch claimed: every job ``running``, nothing done, nothing stored)."""

import time

from dispatch import create_app
from dispatch.jobs import runner
from dispatch.jobs.queues import queue, redis_connection
from dispatch.jobs.worker import AppWorker

app = create_app()
original = runner._claim_batch


def slow(job_ids):
    claimed, considered = original(job_ids)
    if any(job.kind == "service_sheet" for job in claimed):
        time.sleep(3)
    return claimed, considered


runner._claim_batch = slow
with app.app_context():
    connection = redis_connection()
    AppWorker([queue("documents", connection)], connection=connection).work(burst=True)
