"""Redis away (issue 18): signing in still works — the login rate limit counts in memory until
Redis answers again — and ``/healthz`` says the app is degraded, not down. Real ``redis-server``
(the private fixture), stopped during the test."""

from __future__ import annotations

import pytest

from dispatch import create_app
from dispatch.extensions import db
from tests.conftest import PASSWORD, RequestClient, _settings, csrf_from

pytestmark = pytest.mark.redis


@pytest.fixture
def app(database_url, tmp_path, redis_server):
    """The app with its jobs and its rate-limit counters in the private Redis."""
    app = create_app({**_settings(database_url), "FILE_STORAGE": str(tmp_path / "files"),
                      "REDIS_URL": redis_server.url, "RATELIMIT_STORAGE_URI": redis_server.url,
                      "LOGIN_RATE_LIMIT": "4 per minute"})
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _sign_in(app, username: str, password: str = PASSWORD):
    browser = app.test_client()
    page = browser.get("/login")
    return browser.post("/login", data={"username": username, "password": password,
                                        "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_sign_in_works_with_redis_down_and_health_says_degraded(app, client, make_user,
                                                                 redis_server):
    user = make_user("agent")
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert _sign_in(app, user.username).status_code == 302

    redis_server.stop()
    assert _sign_in(app, user.username).status_code == 302
    token = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert token.status_code == 200, token.get_data(as_text=True)
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token.get_json()['token']}"})
    assert me.status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "database": "ok", "redis": "down"}

    # The limit still holds, counted in memory from the moment Redis went: 4 attempts a minute
    # from this address, the sign-in above being the first.
    answers = [_sign_in(app, user.username, "wrong-password").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]

    redis_server.start()
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_health_without_redis_configured_is_ok(app, client):
    app.config["REDIS_URL"] = None
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    app.extensions.pop("dispatch_redis", None)
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok",
                                                 "redis": "not_configured"}
