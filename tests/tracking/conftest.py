"""The Traccar-compatible test server, plugged into the app: every request and response it sees
is validated against the published OpenAPI document, and any mismatch fails the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.traccar_server import TraccarServer


@pytest.fixture
def traccar(app) -> Iterator[TraccarServer]:
    with TraccarServer() as server:
        app.config.update(DISPATCH_TRACKING_URL=server.url,
                          DISPATCH_TRACKING_TOKEN=server.state.token,
                          DISPATCH_TRACKING_BACKOFF=0.0,
                          # Generous: validating every exchange is slow on a busy machine,
                          # and no test here is about the platform being slow.
                          DISPATCH_TRACKING_TIMEOUT=30.0)
        yield server
        assert server.state.violations == []


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on (the platform is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settle() -> None:
    """Let the in-process worker finish its jobs, and the jobs those jobs asked for."""
    from dispatch.extensions import db
    from dispatch.jobs import outbox

    for _round in range(5):
        outbox.drain()
    db.session.expire_all()


def install_on_site(world, plate: str = "浙AD12345", lat: float = 30.2084,
                    lon: float = 120.2119) -> str:
    """An install order for a new customer, approved, assigned to ``world.technician`` and on
    site; returns its API path."""
    created = world.agent.post("/api/v1/workorders", json={
        "kind": "install", "customer": {"name": "个体户 李娜", "contact_name": "李娜",
                                        "phone": "13912345678", "address": "杭州市滨江区江南大道1号"},
        "plate": plate, "product_model": "GT06N", "lat": lat, "lon": lon})
    assert created.status_code == 201, created.get_json()
    base = f"/api/v1/workorders/{created.get_json()['id']}"
    assert world.manager.post(f"{base}/approve").status_code == 200
    assert world.dispatcher.post(f"{base}/assign",
                                 json={"technician_id": world.technician.id}).status_code == 200
    assert world.tech.post(f"{base}/status", json={"status": "on_site"}).status_code == 200
    return base
