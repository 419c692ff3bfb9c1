"""Security settings: cookies, headers, CSRF, body size, secrets, the append-only audit log."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dispatch import create_app
from dispatch.config import ConfigError
from dispatch.extensions import db
from tests.conftest import PASSWORD, csrf_from


def test_security_headers_on_pages_and_api(client):
    for path in ("/login", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite3")
    monkeypatch.delenv("DISPATCH_ENV", raising=False)
    app = create_app()
    assert app.config["DISPATCH_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"]
    assert not app.debug and not app.testing
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DISPATCH_ENV", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_signed_in_cookie_is_httponly(client, make_user):
    user = make_user("agent")
    page = client.get("/login")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_without_csrf_token_are_refused(client, login, make_user):
    login(make_user("agent"))
    response = client.post("/customers/new", data={"name": "x"})
    assert response.status_code == 400
    assert client.post("/language", data={"lang": "zh_Hans"}).status_code == 400


def test_oversized_body_is_refused(app, api_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api_as("agent").post("/api/v1/customers", json={"name": "x" * 4000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_open_redirect_after_login_is_ignored(client, make_user):
    user = make_user("agent")
    page = client.get("/login?next=//evil.example/")
    response = client.post("/login?next=//evil.example/", data={
        "username": user.username, "password": PASSWORD,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/"


def test_audit_log_is_append_only_in_the_database(api_as):
    api_as("agent").post("/api/v1/customers", json={
        "name": "甲", "contact_name": "乙", "phone": "13800138000", "address": "杭州"})
    assert db.session.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
