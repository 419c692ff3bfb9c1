"""The live board's Server-Sent Events stream (``GET /api/v1/dispatch/board/stream``).

A board opens the stream and gets a ``snapshot`` (the whole board and its version), then a
``change`` for each committed change (``board/live.py``; its SSE ``id`` is the version) and
``positions`` for reported positions. A board that reconnects sends the last version it holds
(``Last-Event-ID``, which the browser's ``EventSource`` sends by itself): at the current
version it just goes on; at any other it gets a new ``snapshot``. A message missing on the
stream (reordered beyond ``REORDER_WAIT``, dropped for a stalled reader, Redis gone) is also
answered with a snapshot.

A stream holds a server thread while it is open: it is served only by a threaded server
(gunicorn ``gthread``, see ``docs/decisions.md``); a server of one request at a time (gunicorn
``sync``) answers ``204`` and the board keeps polling. Each process serves at most
``DISPATCH_LIVE_STREAMS`` streams (more answer ``503``: those boards poll), each for at most
``DISPATCH_LIVE_STREAM_SECONDS`` (then the browser reconnects, and is authenticated again); the
reader's permission is checked again at every heartbeat. No database connection is held
between messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import orjson
from flask import Response, current_app, request, stream_with_context

from board import live
from dispatch.auth.models import User
from dispatch.broker import CLOSED, MISSED, broker
from dispatch.cache import CHANNEL
from dispatch.extensions import db

HEARTBEAT = 15.0     # seconds between keep-alive comments (and permission checks)
REORDER_WAIT = 1.0   # seconds a change may wait for the one before it, sent by another process
RETRY_MS = 3000      # the browser's reconnection delay

_open = 0
_open_lock = threading.Lock()


def response(user: User) -> Response:
    """The stream for ``user`` (already allowed to see the board), or why not."""
    global _open
    if not request.environ.get("wsgi.multithread"):
        return Response(status=204)  # one request at a time: a stream would hold the worker
    with _open_lock:
        if _open >= current_app.config["DISPATCH_LIVE_STREAMS"]:
            return Response("busy\n", status=503, headers={"Retry-After": "60"})
        _open += 1
    last = request.headers.get("Last-Event-ID") or request.args.get("version")
    stream = _counted(_events(user.id, last, current_app.config["DISPATCH_LIVE_STREAM_SECONDS"]))
    return Response(stream_with_context(stream), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def open_streams() -> int:
    """How many streams this process serves now."""
    return _open


def _counted(events: Iterator[str]) -> Iterator[str]:
    global _open
    try:
        yield from events
    finally:
        with _open_lock:
            _open -= 1


def _event(kind: str, data: bytes | str, version: str | None = None) -> str:
    text = data.decode() if isinstance(data, bytes) else data
    head = f"event: {kind}\n" + (f"id: {version}\n" if version is not None else "")
    return head + "".join(f"data: {line}\n" for line in text.split("\n")) + "\n"


def _number(version: str | None) -> int | None:
    try:
        return int(version) if version is not None else None
    except ValueError:
        return None


def _events(user_id: int, last: str | None, seconds: float) -> Iterator[str]:
    with broker().subscribe(CHANNEL) as reader:  # before the snapshot: nothing falls between
        yield f"retry: {RETRY_MS}\n\n"
        user = live.allowed_user(user_id)
        if user is None:
            return
        version: str | None = last if _number(last) is not None else None
        if version is None or version != live.version_now():
            version, data = live.snapshot(user)
            yield _event("snapshot", data, version)
        db.session.close()
        deadline = time.monotonic() + seconds
        waiting: dict[str, dict] = {}  # after → change, arrived before the one it follows
        while time.monotonic() < deadline:
            item = reader.get(REORDER_WAIT if waiting else HEARTBEAT)
            if item is None and waiting:
                item = (CHANNEL, MISSED)  # the change before them never came
            if item is not None and item[1] == CLOSED:
                return
            if item is None:
                yield ": keep-alive\n\n"  # a reader gone is noticed here, before any query
            reader_now = live.allowed_user(user_id)  # deactivated or role changed: the end
            if reader_now is None:
                db.session.close()
                return
            try:
                if item is None:
                    continue
                note = None if item[1] == MISSED else orjson.loads(item[1])
                if note is None or note.get("resync"):
                    waiting.clear()
                    version, data = live.snapshot(reader_now)
                    yield _event("snapshot", data, version)
                elif "version" not in note:
                    yield _event("positions", live.render(note, reader_now))
                else:
                    waiting[str(note["after"])] = note
                    for applied, text in _apply(waiting, version, reader_now):
                        version = applied
                        yield text
            finally:
                db.session.close()


def _apply(waiting: dict[str, dict], version: str | None,
           user: User) -> Iterator[tuple[str, str]]:
    """The waiting changes that follow ``version``, in order; older ones are dropped (the
    snapshot already had them)."""
    current = _number(version)
    for after in [a for a in waiting if current is not None and int(a) < current]:
        del waiting[after]
    while version is not None and version in waiting:
        note = waiting.pop(version)
        version = str(note["version"])
        yield version, _event("change", live.render(note, user), version)
