"""RQ queues by workload, each with its own timeouts, built with an explicit connection."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from redis import Redis
from rq import Queue


@dataclass(frozen=True)
class QueueSpec:
    name: str
    timeout: int  # seconds a job may run
    result_ttl: int
    failure_ttl: int


QUEUES = {
    "documents": QueueSpec("documents", 120, 0, 7 * 86400),  # results live in the jobs table
    "bulk": QueueSpec("bulk", 1800, 3600, 7 * 86400),
    "default": QueueSpec("default", 300, 3600, 7 * 86400),
    # Imports: long (100,000 rows take minutes); results live in the import_runs table.
    "imports": QueueSpec("imports", 3 * 3600, 0, 7 * 86400),
    # Messages to customers: short sends; results live in the customer_messages table.
    "notify": QueueSpec("notify", 60, 0, 7 * 86400),
}


def redis_connection() -> Redis | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    connection = current_app.extensions.get("dispatch_redis")
    if connection is None:
        connection = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        current_app.extensions["dispatch_redis"] = connection
    return connection


def queue(name: str, connection: Redis) -> Queue:
    spec = QUEUES[name]
    return Queue(spec.name, connection=connection, default_timeout=spec.timeout)
