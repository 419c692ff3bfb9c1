"""Shared fixtures: an app on a migrated database (SQLite or PostgreSQL), users and tokens.

``pytest`` runs on SQLite; ``pytest --db=postgresql`` runs the same tests on a throwaway
PostgreSQL database created for the run (``TEST_PG_URL`` names the server, default
``postgresql+psycopg://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from dispatch import create_app
from dispatch.cache import WATCHED
from dispatch.extensions import db
from tests.support.clock import freeze
from tests.support.services import RedisServer

pytest_plugins = ["tests.world"]

PG_SERVER = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "correct-horse-battery"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("sqlite", "postgresql"),
                     default=os.environ.get("TEST_DB", "sqlite"),
                     help="database backend for the run")


def _settings(url: str) -> dict[str, Any]:
    return {"DISPATCH_ENV": "testing", "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url}


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_settings(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a PostgreSQL database to truncate."""
    instance = tmp_path_factory.mktemp("instance")
    if backend == "sqlite":
        path = instance / "template.sqlite3"
        _migrate(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"dispatch_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.exit(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}", returncode=3)
    url = f"{PG_SERVER}/{name}"
    _migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(backend: str, database_template: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(database_template, path)
        return f"sqlite:///{path}"
    engine = create_engine(database_template)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        # The migrations' cache version rows, each at a new random version: no value a
        # process cached for an earlier test on this database can match.
        conn.execute(text("INSERT INTO cache_versions (name, version) VALUES (:name, :version)"),
                     [{"name": name, "version": secrets.randbits(62)} for name in WATCHED])
    engine.dispose()
    return database_template


class RequestClient(FlaskClient):
    """A test client whose requests each start with an empty ``g``.

    The ``app`` fixture keeps one app context pushed so tests can use ``db.session``; Flask
    reuses that context for requests, so without this the signed-in user cached in ``g`` by
    Flask-Login would leak from one request (and one client) to the next.
    """

    def open(self, *args: Any, **kwargs: Any):
        vars(g).clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    app = create_app({**_settings(database_url), "FILE_STORAGE": str(tmp_path / "files")})
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        runner = app.extensions.get("dispatch_jobs")
        if runner is not None:  # let in-process jobs finish before the database goes
            runner.drain()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    """``make_user("agent")`` → a committed user holding those roles."""
    from dispatch.auth.services import create_user

    def make(*roles: str, username: str | None = None, name: str = "") -> Any:
        user = create_user(username or f"{roles[0]}-{uuid.uuid4().hex[:6]}", PASSWORD, roles,
                           name=name)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_technician(app) -> Callable[..., Any]:
    from dispatch.technicians.services import create_technician

    def make(username: str | None = None, lat: float = 30.27, lon: float = 120.15,
             skills: tuple[str, ...] = ("install", "repair"), **extra: Any) -> Any:
        technician = create_technician({
            "username": username or f"tech-{uuid.uuid4().hex[:6]}", "password": PASSWORD,
            "name": "Tech", "home_lat": lat, "home_lon": lon, "skills": list(skills), **extra,
        })
        db.session.commit()
        return technician

    return make


class Api:
    """A JSON client that sends a bearer token."""

    def __init__(self, client: FlaskClient, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any):
        return self.client.delete(path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def api_as(client, make_user) -> Callable[..., Api]:
    """``api_as("agent")`` → an :class:`Api` authenticated as a new user with that role;
    ``api_as(user)`` for an existing user; ``api_as(None)`` sends no token."""

    def make(who: Any, *more_roles: str) -> Api:
        if who is None:
            return Api(client, None)
        user = make_user(who, *more_roles) if isinstance(who, str) else who
        response = client.post("/api/v1/auth/token",
                               json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return Api(client, response.get_json()["token"])

    return make


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def login(app, client) -> Callable[..., FlaskClient]:
    """Sign ``user`` in through the login form (with its CSRF token); ``fresh=True`` uses a
    new browser (cookie jar) instead of the shared ``client``."""

    def do(user: Any, fresh: bool = False) -> FlaskClient:
        client_ = app.test_client() if fresh else client
        page = client_.get("/login")
        response = client_.post("/login", data={"username": user.username, "password": PASSWORD,
                                                "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client_

    return do


def post_form(client: FlaskClient, form_url: str, data: dict[str, Any], post_url: str | None = None):
    """GET the form page for its CSRF token, then POST ``data`` to it."""
    page = client.get(form_url)
    assert page.status_code == 200, page.status_code
    return client.post(post_url or form_url,
                       data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))})


@pytest.fixture
def new_years_eve(monkeypatch) -> datetime:
    """The app's clock fixed at 17:00 UTC on 31 December 2026, which is 01:00 on 1 January 2027
    in Shanghai. Ask for it before ``world`` (or ``app``) so everything, tokens included, is
    made at that time."""
    moment = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    freeze(monkeypatch, moment)
    return moment


@pytest.fixture
def redis_server():
    """A private ``redis-server`` on a free port (stopped, and restartable, by the test)."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()
