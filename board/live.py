"""The live board's messages: the snapshot with its version, and what one committed change
changed, as a board shows it.

A committed change to the board's data is published after commit by ``dispatch/cache.py``
(``move_after_commit``) on the broker's ``board`` channel, naming the orders and technicians it
changed and carrying the board's new version and the one before it (``after``). This module
turns that note into what a board needs (``change``): the changed orders as the queue and the
map show them (or their removal), the queue's order of ids, the open count, their arrival
state, and the changed technicians' rows. Reported positions, which move no version, become
``positions``. One change is computed once per process and role set, whatever the number of
open boards (``_memo``).

A board that holds version *v* applies a change whose ``after`` is *v*; any other is a gap
(a message missed or reordered) and the board re-syncs from a snapshot. Versions are sent as
strings (they exceed a browser's exact integers).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import orjson
from flask import current_app

from board.dayplan import QUEUE_SIZE, WINDOW_COLUMNS, board_data, technician_rows
from board.roster import active_members
from dispatch.auth.models import User
from dispatch.cache import cached_with_version, current_version
from dispatch.extensions import db
from dispatch.timeutil import local_text, utcnow, window_text
from dispatch.web.api import encode_rows
from workorders.access import count_visible, visible_orders
from workorders.models import WorkOrder, unassigned_open
from workorders.promises.clocks import orders_late_or_at_risk
from workorders.queries import order_summaries, read_rows, summary_page

QUEUE_ORDER = (WorkOrder.priority.desc(), WorkOrder.created_at)
MEMO_SIZE = 256

_memo: OrderedDict[tuple[str, Any], bytes] = OrderedDict()
_memo_lock = threading.Lock()
#: Per role set: (version, the queue's ids at it), to send the rows of orders that entered the
#: queue because others left it.
_queues: dict[Any, tuple[str, list[int]]] = {}


def variant(user: User) -> tuple[str, ...]:
    """What one board's data depends on: the reader's roles (as the board's cache)."""
    return tuple(sorted(user.roles))


def snapshot(user: User) -> tuple[str | None, bytes]:
    """The whole board (the shared snapshot of ``board/dayplan.py`` ``board_json``) with the
    version it is at least as new as, as the stream's ``snapshot`` event data."""
    version, body = cached_with_version(
        "board", lambda: encode_rows(board_data(user)), variant=variant(user),
        max_age=current_app.config["DISPATCH_BOARD_MAX_AGE_SECONDS"])
    text = None if version is None else str(version)
    return text, b'{"version":' + orjson.dumps(text) + b',"board":' + body + b"}"


def render(note: dict[str, Any], user: User) -> bytes:
    """The event data for one published note (``dispatch/cache.py`` ``_publish``)."""
    key = (orjson.dumps(note, option=orjson.OPT_SORT_KEYS).decode(),
           (str(db.engine.url), variant(user)))
    with _memo_lock:
        found = _memo.get(key)
        if found is not None:
            return found
        data = orjson.dumps(_positions(note["positions"]) if "version" not in note
                            else change(note, user))
        _memo[key] = data
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
        return data


def change(note: dict[str, Any], user: User) -> dict[str, Any]:
    """What a board applies for one change: see the module's docstring."""
    now = utcnow()
    version, after = str(note["version"]), str(note["after"])
    order_ids = list(note.get("orders", ()))
    open_query = visible_orders(user).where(unassigned_open())
    queue = list(db.session.scalars(open_query.with_only_columns(WorkOrder.id)
                                    .order_by(None).order_by(*QUEUE_ORDER).limit(QUEUE_SIZE)))
    board_key = (str(db.engine.url), variant(user))
    previous = _queues.get(board_key)
    entered = set(queue) - set(previous[1]) if previous and previous[0] == after else set()
    _queues[board_key] = (version, queue)
    rows = _order_rows(open_query, {*order_ids, *entered}, user)
    arrival = orders_late_or_at_risk(user, now)
    states = {row.id: row for row in arrival["items"]}
    for row in rows:
        row["arrival"] = states[row["id"]].state if row["id"] in states else ""
    return {
        "version": version, "after": after, "generated_at": now.isoformat(),
        "orders": rows, "removed": sorted(set(order_ids) - {row["id"] for row in rows}),
        "queue": queue, "open_total": count_visible(user, unassigned_open()),
        "arrival": {"late": arrival["late"], "at_risk": arrival["at_risk"],
                    "changed": order_ids,
                    "items": [_arrival_item(states[i]) for i in order_ids if i in states]},
        **_technicians(note.get("technicians", ()), now),
    }


def _order_rows(open_query: Any, ids: Iterable[int], user: User) -> list[dict[str, Any]]:
    """The queue's row of each order still waiting for a technician (with its map point)."""
    wanted = sorted(ids)
    if not wanted:
        return []
    chosen = open_query.where(WorkOrder.id.in_(wanted))
    found = read_rows(summary_page(chosen, (WorkOrder.id,), len(wanted), 0, *WINDOW_COLUMNS))
    return [{**summary, "window": window_text(row[-2], row[-1])}
            for summary, row in zip(order_summaries(found, user), found, strict=True)]


def _arrival_item(row: Any) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "status": row.status,
            "arrive_by": row.arrive_by.isoformat(), "arrive_by_text": local_text(row.arrive_by),
            "state": row.state}


def _technicians(ids: Iterable[int], now: Any) -> dict[str, Any]:
    """The board's rows of these technicians (route, load, position), and those no longer on
    it."""
    wanted = set(ids)
    if not wanted:
        return {"technicians": [], "technicians_removed": []}
    members = [m for m in active_members() if m.id in wanted]
    rows = technician_rows(now, members)
    return {"technicians": rows,
            "technicians_removed": sorted(wanted - {m.id for m in members})}


def _positions(ids: Iterable[int]) -> dict[str, Any]:
    now = utcnow()
    return {"generated_at": now.isoformat(), **_technicians(ids, now)}


def version_now() -> str | None:
    """The board's current version (as the stream's events carry it)."""
    found = current_version("board")
    return None if found is None else str(found[1])


def allowed_user(user_id: int) -> User | None:
    """The stream's reader, while it may still see the board (not deactivated, role kept)."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.active and user.can("order.assign") else None

