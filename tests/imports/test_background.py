"""Imports as background work: through a real RQ worker process, and resumed after the
process running them died."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.imports import running
from dispatch.imports.models import ImportRun
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.registry.models import Vehicle
from tests.imports.conftest import csv_bytes, row_of, sample, upload
from tests.support.services import start_worker, worker_env


@pytest.mark.redis
@pytest.mark.slow
def test_an_import_runs_in_a_real_rq_worker(app, redis_server, manager):
    app.config["REDIS_URL"] = redis_server.url
    app.extensions.pop("dispatch_redis", None)
    response = upload(manager, csv_bytes(sample(300, seed=101)), wait=False)
    assert response.status_code == 202
    run_id = response.get_json()["id"]
    assert db.session.get_one(ImportRun, run_id).status == "queued"
    env = worker_env(app.config["SQLALCHEMY_DATABASE_URI"], redis_server.url,
                     app.config["FILE_STORAGE"])
    process = start_worker(env, "--burst", "--queue", "imports")
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    db.session.expire_all()
    run = manager.get(f"/api/v1/imports/{run_id}").get_json()
    assert run["status"] == "done", (run, output)
    assert run["processed"] == run["rows"] == 300 and run["rejected"] == 0
    assert run["created"]["vehicles"] == 300
    job = db.session.get_one(Job, db.session.get_one(ImportRun, run_id).job_id)
    assert (job.kind, job.queue, job.status) == ("import", "imports", "done")


def test_a_run_whose_process_died_resumes_after_its_last_batch(manager, monkeypatch):
    monkeypatch.setattr(running, "BATCH_ROWS", 5)
    monkeypatch.setattr(outbox, "relay", lambda *args, **kwargs: None)  # run it by hand
    rows = [row_of(customer_name=f"杭州第{n}冷链运输有限公司") for n in range(20)]
    run_id = upload(manager, csv_bytes(rows), wait=False).get_json()["id"]
    record = running._record

    def dying(run_id_, result, size):
        record(run_id_, result, size)
        if db.session.get_one(ImportRun, run_id_).processed >= 10:
            raise KeyboardInterrupt  # the process is killed right after its second batch

    monkeypatch.setattr(running, "_record", dying)
    with pytest.raises(KeyboardInterrupt):
        running.run_import(run_id)
    db.session.rollback()
    run = db.session.get_one(ImportRun, run_id)
    assert (run.status, run.processed) == ("running", 10)
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 10

    monkeypatch.setattr(running, "_record", record)
    running.run_import(run_id)  # the sweep hands the job to a worker again
    db.session.expire_all()
    run = db.session.get_one(ImportRun, run_id)
    assert (run.status, run.processed, run.rows) == ("done", 20, 20)
    assert run.created["vehicles"] == 20 and run.unchanged == 0
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 20
