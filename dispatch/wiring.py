"""What the app factory plugs in, listed in one place: model modules, SQLAlchemy listeners,
background job handlers, periodic checks, blueprints and CLI commands.

Nothing registers itself when imported; ``create_app`` calls the ``init_*`` functions below.
Like the factory, the CLI and the demo data, this module belongs to the app shell and may
import every room (see ``docs/architecture.md``); the rooms never import it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from dispatch import cache, extensions, pdf
from dispatch.audit import log as audit_log
from dispatch.jobs import outbox, runner, worker
from dispatch.web import read_transactions
from workorders.promises import clocks as arrival_clocks
from workorders.promises import events as promise_events
from workorders.promises import links as customer_links

#: Every module that defines tables, so the metadata (and Alembic) sees them all.
MODEL_MODULES = (
    "dispatch.audit.log", "dispatch.auth.models", "dispatch.cache", "dispatch.handovers.log",
    "dispatch.geo.models", "dispatch.web.idempotency", "dispatch.jobs.models",
    "dispatch.imports.models", "dispatch.notify.models",
    "dispatch.registry.models", "dispatch.sequences", "dispatch.technicians.models",
    "dispatch.tracking.models", "workorders.tracking.models",
    "inventory.models", "workorders.models", "workorders.photos", "workorders.care.models",
    "workorders.finance.models", "workorders.finance.invoices", "workorders.promises.models",
    "board.models",
)

#: (target, event, function): the global session and engine hooks, in the order they run.
LISTENERS: tuple[tuple[Any, str, Callable[..., Any]], ...] = (
    (Engine, "connect", extensions.sqlite_pragmas),
    (Session, "after_flush", audit_log.write_audit_rows),
    (Session, "transient_to_pending", audit_log.note_new_object),
    (Session, "after_flush", read_transactions.note_flush),
    (Session, "do_orm_execute", read_transactions.note_statement),
    (Session, "after_transaction_end", read_transactions.forget_writes),
    (Session, "before_flush", arrival_clocks.set_arrival_targets),
    (Session, "before_flush", customer_links.add_links_to_new_orders),
    (Session, "before_flush", promise_events.collect_events),
    (Session, "before_commit", promise_events.write_events),
    (Session, "after_transaction_end", promise_events.forget_events),
    (Session, "before_flush", cache.note_changes),
    (Session, "do_orm_execute", cache.note_bulk_changes),
    (Session, "after_flush", cache.note_rows),
    (Session, "before_commit", cache.bump_changed),
    (Session, "after_commit", cache.move_after_commit),
    (Session, "after_transaction_end", cache.forget_changes),
    (Session, "after_commit", outbox.relay_after_commit),
    (Session, "after_rollback", outbox.forget_after_rollback),
)


def init_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def init_listeners() -> None:
    """Install each hook once per process, however many apps are built (tests build many)."""
    for target, name, function in LISTENERS:
        if not event.contains(target, name, function):
            event.listen(target, name, function)


def init_jobs() -> None:
    """Job kinds with the function that does each and its queue; the sweep's periodic checks;
    what a worker loads once at start."""
    from board import planruns
    from dispatch.imports import running
    from dispatch.notify import delivery
    from dispatch.tracking import service as tracking
    from dispatch.tracking import sync as tracking_sync
    from dispatch.tracking import vans
    from workorders.care import clocks as complaint_clocks
    from workorders.documents import bulk, jobs, receipt

    # Documents only read and store a file: a batch of them shares one claim and one commit
    # (``dispatch/jobs/runner.py`` ``run_jobs``), the sheets' reads loaded together.
    runner.register_handler("service_sheet", jobs.build_service_sheet, "documents", batched=True,
                            prepare=jobs.prepare_service_sheets)
    runner.register_handler("invoice_pdf", jobs.build_invoice_pdf, "documents", batched=True)
    runner.register_handler("return_tag", jobs.build_return_tag, "documents", batched=True)
    handlers: tuple[tuple[str, Callable[..., str | None], str], ...] = (
        ("handover_receipt", receipt.build_handover_receipt, "documents"),
        ("monthly_report", bulk.build_monthly_report, "bulk"),
        ("invoice_pack", bulk.build_invoice_pack, "bulk"),
        ("invoice_pack_part", bulk.build_invoice_pack_part, "bulk"),
        ("day_sheets", bulk.build_day_sheets, "bulk"),
        ("import", running.run_import_job, "imports"),
        (delivery.KIND, delivery.deliver, "notify"),
        ("tracking_register", tracking.register_terminals, "default"),
        ("tracking_sync", tracking_sync.sync_job, "default"),
        ("tracking_vans", vans.vans_job, "default"),
        (planruns.KIND, planruns.run_day_plan_job, "default"),
    )
    for kind, function, queue in handlers:
        runner.register_handler(kind, function, queue)
    runner.register_periodic(bulk.schedule_monthly_report)
    runner.register_periodic(arrival_clocks.alert_late_arrivals)
    runner.register_periodic(complaint_clocks.check_complaint_clocks)
    runner.register_periodic(delivery.retry_failed)
    runner.register_periodic(tracking_sync.schedule_sync)
    runner.register_periodic(vans.schedule_vans)
    worker.register_preload(pdf.preload)


def init_hooks() -> None:
    """What a room needs from one it may not import: care's incentives (R19) ask finance
    which orders were paid; assigning a contractor (R12) asks the board who is available;
    a message to a customer gets the order's customer link (#22) only when it is sent."""
    from board import candidates
    from dispatch.notify import templates as message_templates
    from workorders import assignment
    from workorders.care import incentives
    from workorders.finance import sales
    from workorders.promises import links as customer_links

    incentives.use_paid_orders(sales.paid_orders)
    assignment.use_availability(candidates.available_in_house)
    message_templates.use_link(customer_links.link_for_order)


def init_imports() -> None:
    """The kinds of import files (``dispatch/imports/kinds.py``), each from its own room."""
    from dispatch.imports.kinds import ImportKind, register_kind
    from dispatch.registry.importer import InstalledBase
    from dispatch.technicians.importer import Technicians
    from inventory.importer import PartsPriceList
    from inventory.opening_stock import OpeningStock

    kinds: tuple[ImportKind, ...] = (InstalledBase(), PartsPriceList(), OpeningStock(),
                                     Technicians())
    for kind in kinds:
        register_kind(kind)


def init_blueprints(app: Flask) -> None:
    """API blueprints (bearer tokens, so exempt from CSRF) and page blueprints."""
    from board.api import bp as board_api
    from board.views import bp as board_pages
    from dispatch.accounts.api import bp as accounts_api
    from dispatch.accounts.views import bp as accounts_pages
    from dispatch.audit.views import bp as audit_pages
    from dispatch.auth.api import bp as auth_api
    from dispatch.auth.views import bp as auth_pages
    from dispatch.extensions import csrf
    from dispatch.handovers.views import bp as handover_pages
    from dispatch.imports.api import bp as imports_api
    from dispatch.imports.views import bp as imports_pages
    from dispatch.registry.api import bp as registry_api
    from dispatch.registry.views import bp as registry_pages
    from dispatch.technicians.api import bp as technicians_api
    from dispatch.technicians.views import bp as technicians_pages
    from dispatch.tracking.views import bp as tracking_pages
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
    from workorders.office.api import bp as office_api
    from workorders.office.views import bp as office_pages
    from workorders.promises.api import bp as promises_api
    from workorders.promises.views import bp as customer_link_pages
    from workorders.tablet.api import bp as tablet_api
    from workorders.tablet.views import bp as tablet_pages
    from workorders.tracking.api import bp as tracking_api
    from workorders.tracking.views import bp as tracking_order_pages
    from workorders.views import bp as workorders_pages

    for api_blueprint in (auth_api, registry_api, technicians_api, workorders_api, board_api,
                          documents_api, inventory_api, care_api, finance_api, tablet_api,
                          imports_api, office_api, tracking_api, promises_api, accounts_api):
        csrf.exempt(api_blueprint)  # bearer tokens only: no ambient credentials to forge
        app.register_blueprint(api_blueprint)
    for page_blueprint in (web_pages, auth_pages, registry_pages, technicians_pages,
                           audit_pages, workorders_pages, board_pages, documents_pages,
                           inventory_pages, care_pages, incentive_pages, handover_pages,
                           finance_pages, tablet_pages, imports_pages, office_pages,
                           tracking_pages, tracking_order_pages, customer_link_pages,
                           accounts_pages):
        app.register_blueprint(page_blueprint)


def init_templates(app: Flask) -> None:
    """What pages show from the rooms: counts beside the header's links
    (``dispatch/web/templating.py`` ``NAV_COUNTS``), location names and history notes in the
    reader's language."""
    from dispatch.web.templating import NAV_COUNTS
    from inventory.locations import display_name
    from workorders.office.overview import awaiting_approval
    from workorders.timeline import event_note

    NAV_COUNTS["workorders.approvals"] = awaiting_approval
    app.jinja_env.filters["location_name"] = display_name
    app.jinja_env.globals["event_note"] = event_note


def init_commands(app: Flask) -> None:
    from dispatch.cli import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
