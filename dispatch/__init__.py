"""GPS install and repair dispatch: the Flask application factory.

The factory only wires things together: it reads settings, binds extensions and registers
blueprints and commands.  Migrations, demo data and network calls are CLI commands.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from dispatch.config import load_config
from dispatch.extensions import babel, csrf, db, limiter, login_manager, migrate
from dispatch.timeutil import render_migration_type
from dispatch.web.schemas import IdConverter

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> APIFlask:
    """Build the app; ``test_config`` overrides settings read from the environment."""
    app = APIFlask(
        __name__,
        title="GPS Dispatch API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path=None,
        json_errors=False,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(load_config(app.instance_path, test_config))
    app.config["SECURITY_SCHEMES"] = None
    proxies = app.config["DISPATCH_TRUSTED_PROXIES"]
    if proxies:  # the client's address, scheme and host as the proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies)
    app.url_map.converters["int"] = IdConverter  # ids beyond the column's range are a 404
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's default: no other provider is set
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     render_item=render_migration_type, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale_selector)
    limiter.init_app(app)
    # Only views decorated with ``limiter.limit`` are limited, and the decorator checks their
    # limits itself; the extension's before-request pass serves default and application-wide
    # limits, of which there are none (``extensions.limiter``), and cost every request its work.
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:  # not installed when RATELIMIT_ENABLED is off
        checks.remove(limiter._check_request_limit)
    _init_login(app)

    from dispatch import wiring
    from dispatch.web.error_handlers import register_error_handlers
    from dispatch.web.input_guard import init_input_guard
    from dispatch.web.read_transactions import init_read_transactions
    from dispatch.web.security import init_security_headers
    from dispatch.web.templating import init_templating

    wiring.init_models()
    wiring.init_listeners()
    wiring.init_jobs()
    wiring.init_imports()
    wiring.init_hooks()
    register_error_handlers(app)
    init_security_headers(app)
    init_input_guard(app)
    init_read_transactions(app)
    init_templating(app)
    wiring.init_blueprints(app)
    wiring.init_templates(app)
    wiring.init_commands(app)
    return app


def _locale_selector() -> str:
    from dispatch.web.i18n import select_locale

    return select_locale()


def _init_login(app: APIFlask) -> None:
    from dispatch.audit.log import set_actor
    from dispatch.auth.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The session's user while the session is current (see ``User.session_version``)."""
        ident, _, version = user_id.partition(":")
        if not (ident.isdigit() and version.isdigit()):
            return None  # a cookie from before session versions: sign in again
        user = db.session.get(User, int(ident))
        if user is None or not user.active or user.session_version != int(version):
            return None
        set_actor(user.id)
        return user
