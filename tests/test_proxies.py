"""Reverse proxies (issue 18): ``DISPATCH_TRUSTED_PROXIES`` says how many stand in front. The
login rate limit keys on the client's own address only when they are trusted; otherwise a
forwarded address is ignored (a client could write any), and every request counts for the
address that connected."""

from __future__ import annotations

import pytest

from dispatch import create_app
from dispatch.config import ConfigError
from dispatch.extensions import db
from tests.conftest import RequestClient, _settings

PROXY = "10.0.0.5"


@pytest.fixture(params=[0, 1], ids=["no-proxy", "one-proxy"])
def proxies(request) -> int:
    return request.param


@pytest.fixture
def app(database_url, tmp_path, proxies):
    app = create_app({**_settings(database_url), "FILE_STORAGE": str(tmp_path / "files"),
                      "DISPATCH_TRUSTED_PROXIES": proxies, "LOGIN_RATE_LIMIT": "2 per minute"})
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _attempt(client, forwarded_for: str) -> int:
    return client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-one"},
                       headers={"X-Forwarded-For": forwarded_for},
                       environ_base={"REMOTE_ADDR": PROXY}).status_code


def test_login_limit_keys_on_the_client_only_behind_trusted_proxies(client, proxies):
    first = [_attempt(client, "203.0.113.7") for _ in range(3)]
    other = _attempt(client, "198.51.100.9")
    spoofed = _attempt(client, "198.51.100.77, 203.0.113.7")  # prepended by the client
    assert first == [401, 401, 429]
    if proxies:  # each client its own limit; the proxy's last hop names it
        assert (other, spoofed) == (401, 429)
    else:  # every request is the proxy's: one shared limit, the header ignored
        assert (other, spoofed) == (429, 429)


def test_forwarded_scheme_and_host_only_from_a_trusted_proxy(app, proxies):
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(addr=request.remote_addr, url=request.host_url)
        return "ok"

    app.test_client().get("/_probe", environ_base={"REMOTE_ADDR": PROXY}, headers={
        "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "dispatch.example.com"})
    if proxies:
        assert seen == {"addr": "203.0.113.7", "url": "https://dispatch.example.com/"}
    else:
        assert seen == {"addr": PROXY, "url": "http://localhost/"}


def test_the_setting_is_a_whole_number(monkeypatch, tmp_path):
    monkeypatch.setenv("DISPATCH_TRUSTED_PROXIES", "one")
    with pytest.raises(ConfigError, match="DISPATCH_TRUSTED_PROXIES"):
        create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "x",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
