"""A threaded HTTP server around an app, and a reader of its Server-Sent Events."""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from werkzeug.serving import make_server

from board import stream
from dispatch.broker import broker

STREAM = "/api/v1/dispatch/board/stream"
PATIENCE = 60.0  # seconds to wait for an expected event (a failure when exceeded, not a figure)


@contextmanager
def serving(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():  # end the streams still open, before the database goes
            broker().close()
        deadline = time.monotonic() + PATIENCE
        while stream.open_streams() and time.monotonic() < deadline:
            time.sleep(0.05)


class Stream:
    """One open stream: ``next()`` is its next event as {"event", "id", "data"}."""

    def __init__(self, base: str, token: str, last_event_id: str | None = None) -> None:
        url = urlparse(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=PATIENCE)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.connection.request("GET", STREAM, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.bytes_by_event: list[int] = []
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event: dict[str, Any] = {}
        size = 0
        try:
            for raw in self.response:
                size += len(raw)
                line = raw.decode().rstrip("\n")
                if not line:
                    if "data" in event:
                        event["data"] = json.loads(event["data"])
                        event["bytes"] = size
                        self.events.put(event)
                    event, size = {}, 0
                elif line.startswith(":"):
                    size = 0
                else:
                    field, _, value = line.partition(": ")
                    if field == "data":
                        event["data"] = event.get("data", "") + value
                    elif field in ("event", "id"):
                        event[field] = value
        except (OSError, ValueError, http.client.HTTPException):
            return

    def next(self, kind: str | None = None) -> dict[str, Any]:
        """The next event (of ``kind``, skipping others such as positions)."""
        while True:
            event = self.events.get(timeout=PATIENCE)
            if kind is None or event.get("event") == kind:
                return event

    def close(self) -> None:
        self.connection.close()
