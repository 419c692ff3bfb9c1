"""Messages between the processes of the app, for pages that show changes as they happen (the
live board, ``board/stream.py``).

``publish(channel, text)`` hands a message to every subscriber of ``channel``: through Redis
pub/sub when ``REDIS_URL`` is set (every process of every machine hears it), or inside this
process otherwise (the embedded mode of one process). Delivery is best effort: a message lost
(Redis down, a subscriber too slow) is noticed by its reader from the version each message
carries, and the reader re-syncs from the database. Nothing here waits on a database lock.

The broker is made by the factory (``dispatch/wiring.py`` ``init_broker``) and kept in
``app.extensions["dispatch_broker"]``; ``broker()`` finds it.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

#: Messages a subscriber may fall behind by before it is told it missed some.
BACKLOG = 1000
#: What a subscriber's queue receives when messages were dropped for it.
MISSED = "\x00missed"
#: … and when the broker closes (the process is stopping): its readers end.
CLOSED = "\x00closed"

_made_lock = threading.Lock()


class Subscription:
    """One reader's queue of messages on some channels."""

    def __init__(self, channels: tuple[str, ...]) -> None:
        self.channels = channels
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue(BACKLOG)

    def put(self, channel: str, text: str) -> None:
        try:
            self._queue.put_nowait((channel, text))
        except queue.Full:  # a stalled reader: it re-syncs when it reads the marker
            with self._queue.mutex:
                self._queue.queue.clear()
            self._queue.put_nowait((channel, MISSED))

    def get(self, timeout: float) -> tuple[str, str] | None:
        """The next message, or ``None`` after ``timeout`` seconds without one."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


class LocalBroker:
    """Subscribers of this process only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}

    def publish(self, channel: str, text: str) -> None:
        self.deliver(channel, text)

    def deliver(self, channel: str, text: str) -> None:
        with self._lock:
            readers = list(self._subscribers.get(channel, ()))
        for reader in readers:
            reader.put(channel, text)

    @contextmanager
    def subscribe(self, *channels: str) -> Iterator[Subscription]:
        reader = Subscription(channels)
        with self._lock:
            for channel in channels:
                self._subscribers.setdefault(channel, set()).add(reader)
        self.started(channels)
        try:
            yield reader
        finally:
            with self._lock:
                for channel in channels:
                    self._subscribers.get(channel, set()).discard(reader)

    def started(self, channels: tuple[str, ...]) -> None:
        """Hook for brokers that must listen somewhere before a subscriber hears anything."""

    def close(self) -> None:
        """Tell every subscriber to end (a stopping process, a test's end)."""
        self._tell_all(CLOSED)

    def _tell_all(self, marker: str) -> None:
        with self._lock:
            pairs = [(c, r) for c, readers in self._subscribers.items() for r in readers]
        for channel, reader in pairs:
            reader.put(channel, marker)


class RedisBroker(LocalBroker):
    """Publishes through Redis; one listener thread per process hands what Redis delivers to
    this process's subscribers."""

    def __init__(self, url: str, prefix: str = "dispatch:") -> None:
        super().__init__()
        from redis import Redis

        self._redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._prefix = prefix
        self._listening: set[str] = set()
        self._pubsub: Any = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def publish(self, channel: str, text: str) -> None:
        try:
            self._redis.publish(self._prefix + channel, text)
        except Exception:  # Redis down: readers notice the version gap and re-sync
            log.warning("could not publish on %s", channel, exc_info=True)

    def started(self, channels: tuple[str, ...]) -> None:
        with self._lock:
            missing = [c for c in channels if c not in self._listening]
            if not missing:
                return
            if self._pubsub is None:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(*(self._prefix + c for c in missing))
            self._listening.update(missing)
            if self._thread is None:
                self._thread = threading.Thread(target=self._listen, name="broker-listener",
                                                daemon=True)
                self._thread.start()

    def _listen(self) -> None:
        lost = False
        while not self._closed.is_set():
            try:
                message = self._pubsub.get_message(timeout=1.0)
            except Exception:  # Redis gone for a moment: readers re-sync from the version
                if not lost:
                    log.warning("broker listener lost Redis; retrying", exc_info=True)
                lost = True
                self._closed.wait(1.0)
                self._tell_all(MISSED)
                continue
            lost = False
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()[len(self._prefix):]
            data = message["data"]
            self.deliver(channel, data.decode() if isinstance(data, bytes) else str(data))

    def close(self) -> None:
        super().close()
        self._closed.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._pubsub is not None:
            self._pubsub.close()


def make_broker(redis_url: str | None, database_url: str = "") -> LocalBroker:
    """Channels are per database, so deployments (and tests) sharing one Redis stay apart."""
    if not redis_url:
        return LocalBroker()
    return RedisBroker(redis_url, f"dispatch:{hashlib.sha256(database_url.encode()).hexdigest()[:12]}:")


def broker() -> LocalBroker:
    """This app's broker (made in the process that uses it: after gunicorn's fork)."""
    found = current_app.extensions.get("dispatch_broker")
    if found is None:
        with _made_lock:
            found = current_app.extensions.get("dispatch_broker")
            if found is None:
                found = current_app.extensions["dispatch_broker"] = make_broker(
                    current_app.config.get("REDIS_URL"),
                    str(current_app.config.get("SQLALCHEMY_DATABASE_URI", "")))
    return found


def publish(channel: str, text: str) -> None:
    broker().publish(channel, text)
