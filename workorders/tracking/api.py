"""The order side of the tracking platform over the API: the activation check (SPEC §10) and
commands sent to a vehicle's terminal."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from dispatch.extensions import db
from dispatch.web.api import api_requires, current_api_user
from workorders.access import get_order
from workorders.tracking import activation, remote
from workorders.tracking.models import RemoteCommand
from workorders.tracking.schemas import ActivationOut, CommandIn, ResolveIn

bp = APIBlueprint("tracking_api", __name__, url_prefix="/api/v1", tag="Tracking platform")


@bp.get("/workorders/<int:order_id>/activation")
@api_requires("order.view")
@bp.output(ActivationOut)
def get_activation(order_id: int) -> dict[str, Any]:
    """Does the terminal this order installs report? ``reporting`` = a fresh fix near the site;
    ``silent``, ``unknown_device``, ``unreachable`` (``platform`` says ``rejected`` when the
    token is refused) or ``not_configured``. The first ``reporting`` fix is kept as evidence."""
    order = get_order(order_id, current_api_user())
    return activation.check_and_keep(order).as_json()


def _command(command: RemoteCommand) -> dict[str, Any]:
    return {"id": command.id, "type": command.type, "attributes": command.attributes,
            "outcome": command.outcome, "unique_id": command.unique_id,
            "sent_at": command.sent_at.isoformat(), "order_id": command.order_id}


@bp.get("/workorders/<int:order_id>/commands")
@api_requires("tracking.command")
def list_commands(order_id: int) -> dict[str, Any]:
    """Commands recorded on the order, and the types its vehicle's terminal supports."""
    order = get_order(order_id, current_api_user())
    terminal = remote.vehicle_terminal(order.vehicle_id)
    types, state = remote.command_types(terminal) if terminal is not None else ([], "")
    return {"types": types, "platform": state,
            "items": [_command(c) for c in remote.commands_of(order.id)]}


@bp.post("/workorders/<int:order_id>/commands")
@api_requires("tracking.command")
@bp.input(CommandIn, arg_name="body")
def send_command(order_id: int, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Try remotely first: send a command the terminal supports (``type``; ``server`` and
    ``port`` for setConnection, ``data`` for custom), recorded on the repair order."""
    user = current_api_user()
    command = remote.send_for_order(get_order(order_id, user, for_update=True), user, body)
    db.session.commit()
    return _command(command), 201


@bp.post("/workorders/<int:order_id>/resolve-remotely")
@api_requires("order.cancel")
@bp.input(ResolveIn, arg_name="body")
def resolve_remotely(order_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """End the repair without a visit once the terminal reported after a command."""
    user = current_api_user()
    order = remote.resolve_remotely(get_order(order_id, user, for_update=True), user,
                                    body.get("note"))
    db.session.commit()
    return {"id": order.id, "status": order.status, "resolution": "resolved_remotely"}
