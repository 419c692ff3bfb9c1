"""GPS install and repair dispatch: the Flask application factory.

The factory only wires things together: it reads settings, binds extensions and registers
blueprints and commands.  Migrations, demo data and network calls are CLI commands.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from apiflask import APIFlask

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
    app.url_map.converters["int"] = IdConverter  # ids beyond the column's range are a 404
    app.json.sort_keys = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     render_item=render_migration_type, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale_selector)
    limiter.init_app(app)
    _init_login(app)

    from dispatch import models  # noqa: F401  (every table registered on the metadata)
    from dispatch.web.error_handlers import register_error_handlers
    from dispatch.web.input_guard import init_input_guard
    from dispatch.web.read_transactions import init_read_transactions
    from dispatch.web.security import init_security_headers
    from dispatch.web.templating import init_templating

    register_error_handlers(app)
    init_security_headers(app)
    init_input_guard(app)
    init_read_transactions(app)
    init_templating(app)
    _register_blueprints(app)

    from dispatch.cli import register_commands
    from workorders.care.cli import register_care_commands

    register_commands(app)
    register_care_commands(app)
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
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is not None:
            set_actor(user.id)
        return user


def _register_blueprints(app: APIFlask) -> None:
    from board.api import bp as board_api
    from board.views import bp as board_pages
    from dispatch.audit.views import bp as audit_pages
    from dispatch.auth.api import bp as auth_api
    from dispatch.auth.views import bp as auth_pages
    from dispatch.handovers.views import bp as care_log_pages
    from dispatch.registry.api import bp as registry_api
    from dispatch.registry.views import bp as registry_pages
    from dispatch.technicians.api import bp as technicians_api
    from dispatch.technicians.views import bp as technicians_pages
    from dispatch.web.pages import bp as web_pages
    from inventory.api import bp as inventory_api
    from inventory.views import bp as inventory_pages
    from workorders.api import bp as workorders_api
    from workorders.care.api import bp as care_api
    from workorders.care.incentive_views import bp as incentive_pages
    from workorders.care.views import bp as care_pages
    from workorders.documents.api import bp as documents_api
    from workorders.documents.views import bp as documents_pages
    from workorders.finance.api import bp as finance_api
    from workorders.finance.views import bp as finance_pages
    from workorders.tablet.api import bp as tablet_api
    from workorders.tablet.views import bp as tablet_pages
    from workorders.views import bp as workorders_pages

    for api_blueprint in (auth_api, registry_api, technicians_api, workorders_api, board_api,
                          documents_api, inventory_api, care_api, finance_api, tablet_api):
        csrf.exempt(api_blueprint)  # bearer tokens only: no ambient credentials to forge
        app.register_blueprint(api_blueprint)
    for page_blueprint in (web_pages, auth_pages, registry_pages, technicians_pages,
                           audit_pages, workorders_pages, board_pages, documents_pages,
                           inventory_pages, care_pages, incentive_pages, care_log_pages,
                           finance_pages, tablet_pages):
        app.register_blueprint(page_blueprint)
