"""Drill: the web process (gunicorn master and workers) SIGKILLed in the middle of completions.

Eight completions are sent at once through gunicorn (2 workers × 4 threads); the
test app pauses after each step of the completion (swaps applied, stock consumed, money recorded,
outbox rows added) so the kills land inside open transactions. gunicorn is killed three times at
random moments and started again; each client retries the way the tablet does (the same
``Idempotency-Key`` until a final answer). Right after every kill each order must be either fully
completed or untouched, every completion a client saw succeed must be in the database, and at
the end every order is completed exactly once.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from tests.drills.conftest import (
    Submission,
    app_env,
    classify,
    completion_snapshot,
    open_transactions,
    prepare_completions,
)
from tests.support.figures import drill_figure

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.redis]

ORDERS = 8
KILLS = 3


def test_gunicorn_sigkill_mid_completion_leaves_each_order_whole_or_untouched(
        postgresql_only, app, world, redis_server, servers):
    # No RQ worker: the outbox rows are what this drill checks; Redis just holds the jobs.
    server = servers(app_env(app, redis_server.url, DRILL_SLOW_COMPLETION="0.2"),
                     app="tests.support.drill_app:app")
    prepared = prepare_completions(world, ORDERS)
    untouched = {order_id: completion_snapshot(order_id) for order_id, _ in prepared}
    fees = {order_id: body["amount_collected"] for order_id, body in prepared}
    submissions = {order_id: Submission(f"/api/v1/workorders/{order_id}/complete", body)
                   for order_id, body in prepared}
    server.start()
    token = world.tech.token
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    stop = threading.Event()
    acked_at: dict[int, float] = {}

    def tablet(order_id: int) -> None:
        submission = submissions[order_id]
        while not stop.is_set():
            if submission.send(server.url, token):
                if submission.acknowledged:
                    acked_at[order_id] = time.monotonic()
                return
            time.sleep(0.1)

    clients = [threading.Thread(target=tablet, args=(order_id,)) for order_id in submissions]
    for client in clients:
        client.start()
    partial: list[str] = []
    lost: set[int] = set()
    states_after_kills = []
    in_transaction = 0
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.4, 1.0))
            in_transaction += open_transactions()
            killed_at = time.monotonic()
            server.kill()
            states = {order_id: classify(completion_snapshot(order_id), untouched[order_id],
                                         fees[order_id]) for order_id in submissions}
            states_after_kills.append(sorted(states.values()))
            partial += [f"{order_id}: {state}" for order_id, state in states.items()
                        if state not in ("completed", "untouched")]
            lost |= {order_id for order_id, at in acked_at.items()
                     if at < killed_at and states[order_id] != "completed"}
            server.start(ready="tcp")
        deadline = time.monotonic() + 30
        for client in clients:
            client.join(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=20)

    final = {order_id: classify(completion_snapshot(order_id), untouched[order_id], fees[order_id])
             for order_id in submissions}
    lost |= {order_id for order_id, sub in submissions.items()
             if sub.acknowledged and final[order_id] != "completed"}
    doubled = sum(state == "doubled" for state in final.values())
    interrupted = sum(bool(sub.errors) for sub in submissions.values())
    replayed = sum(sub.replayed for sub in submissions.values())
    drill_figure("web-kill", attempts=sum(sub.attempts for sub in submissions.values()),
                 applied=sum(state == "completed" for state in final.values()),
                 lost=len(lost), doubled=doubled, kills=KILLS, transactions_cut=in_transaction,
                 requests_cut=interrupted, replayed=replayed, seed=seed)
    assert not partial, f"partial completions seen right after a kill: {partial}"
    assert not lost and doubled == 0, final
    answers = {order_id: (sub.status, sub.answer) for order_id, sub in submissions.items()
               if sub.status != 200}
    assert not answers, f"completions refused after retrying: {answers}"
    assert set(final.values()) == {"completed"}, final
    assert interrupted > 0 and in_transaction > 0, (
        f"no kill landed in a completion (seed {seed}): {states_after_kills}")
