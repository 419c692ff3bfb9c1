"""The app for the fault drills, served by gunicorn (``tests.support.drill_app:app``).

It is the real factory. Only when ``DRILL_SLOW_COMPLETION`` (seconds) is set does it wrap the
completion's steps so each one pauses a random part of that time after it has flushed: the
completion's transaction then stays open long enough for a SIGKILL of the web process to land in
the middle of it. Nothing here is imported by the application.
"""

from __future__ import annotations

import functools
import os
import random
import time

from dispatch import create_app

app = create_app()
_delay = float(os.environ.get("DRILL_SLOW_COMPLETION") or 0)


def _pause_after(fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        result = fn(*args, **kwargs)
        time.sleep(random.uniform(0, _delay))
        return result

    return wrapped


if _delay:
    from inventory import orders as order_stock
    from workorders import onsite
    from workorders.documents import jobs as order_documents
    from workorders.finance import collections

    # swaps applied → stock consumed → money recorded → outbox rows added → (commit)
    onsite.apply_swaps = _pause_after(onsite.apply_swaps)
    order_stock.consume_for_order = _pause_after(order_stock.consume_for_order)
    collections.settle_completion = _pause_after(collections.settle_completion)
    order_documents.request_completion_documents = _pause_after(
        order_documents.request_completion_documents)
