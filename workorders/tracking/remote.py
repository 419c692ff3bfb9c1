"""Try remotely first (R10's shortest repair time): a command sent through the platform to a
vehicle's terminal — from a repair order or from the silent-device queue — recorded on the
order; once the device reports after it, the order can be resolved without a visit ("resolved
remotely": no technician, no fee)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, Forbidden
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.registry.models import Terminal
from dispatch.text import clean_text
from dispatch.timeutil import local_text
from dispatch.tracking.platform import CommandRefused, Device, PlatformDown
from dispatch.tracking.service import platform, unique_id_of
from inventory import orders as order_stock
from workorders.lifecycle import allowed_actions, check, record, transition
from workorders.models import WorkOrder
from workorders.tracking.activation import evidence
from workorders.tracking.models import RemoteCommand

#: Command types whose attributes the form asks for (Traccar's names), and which.
ATTRIBUTES = {"setConnection": ("server", "port"), "custom": ("data",)}
#: Where an order may still be resolved without a visit (before the technician sets off).
RESOLVABLE = ("new", "approved", "assigned")


def vehicle_terminal(vehicle_id: int) -> Terminal | None:
    return db.session.scalar(select(Terminal).where(
        Terminal.vehicle_id == vehicle_id, Terminal.status == "installed").order_by(Terminal.id))


def _device(terminal: Terminal) -> Device:
    device = platform().find_device(unique_id_of(terminal))
    if device is None:
        raise Conflict(_l("The tracking platform does not know terminal %(id)s.",
                          id=unique_id_of(terminal)), code="unknown_device")
    return device


def command_types(terminal: Terminal) -> tuple[list[str], str]:
    """The types the device supports, and the platform's state (``ok`` or why not)."""
    try:
        return platform().command_types(_device(terminal)), "ok"
    except PlatformDown as down:
        return [], down.state
    except Conflict:
        return [], "unknown_device"


def _platform_refused(down: PlatformDown) -> Conflict:
    return Conflict(_l("The tracking platform cannot be asked now (%(state)s).",
                       state=label(down.state)), code=f"tracking_{down.state}")


def send(terminal: Terminal, order: WorkOrder | None, user: User,
         data: Mapping[str, Any]) -> RemoteCommand:
    """Send one command; refused (422/409) before anything is recorded when the type is not
    one the device supports, its settings are missing, or the platform cannot be asked."""
    if not user.can("tracking.command"):
        raise Forbidden(_l("Your role does not allow this."))
    errors = FieldErrors()
    kind = errors.check("type", clean_text, data.get("type"), max_len=40, required=True)
    attributes: dict[str, Any] = {}
    for name in ATTRIBUTES.get(kind or "", ()):
        raw = data.get(name)
        value = errors.check(name, clean_text, None if raw is None else str(raw), max_len=200,
                             required=True)
        if name == "port" and value:
            if not str(value).isdigit() or not 0 < int(value) < 65536:
                errors.add("port", _l("A port is a number from 1 to 65535."))
            else:
                value = int(value)
        attributes[name] = value
    errors.raise_if_any()
    try:
        device = _device(terminal)
        supported = platform().command_types(device)
        if kind not in supported:
            errors.add("type", _l("This terminal does not support that command."))
            errors.raise_if_any()
        result = platform().send_command(device, kind, attributes)
    except PlatformDown as down:
        raise _platform_refused(down) from down
    except CommandRefused as refused:
        raise Conflict(_l("The tracking platform refused the command: %(why)s",
                          why=str(refused)), code="command_refused") from refused
    command = RemoteCommand(order_id=order.id if order else None, terminal_ref=terminal.id,
                            unique_id=unique_id_of(terminal), type=kind or "",
                            attributes=attributes, outcome="queued" if result.queued else "sent",
                            sent_by_id=user.id)
    db.session.add(command)
    if order is not None:
        record(order, "remote_command", user, note=f"{kind} → {command.unique_id} "
                                                   f"({label(command.outcome)})")
    db.session.flush()
    return command


def commands_of(order_id: int) -> list[RemoteCommand]:
    return list(db.session.scalars(select(RemoteCommand).where(RemoteCommand.order_id == order_id)
                                   .order_by(RemoteCommand.id)))


def terminal_commands(terminal_ref: int) -> list[RemoteCommand]:
    return list(db.session.scalars(select(RemoteCommand).where(
        RemoteCommand.terminal_ref == terminal_ref).order_by(RemoteCommand.id.desc()).limit(50)))


def reported_since_command(order: WorkOrder) -> tuple[bool, str]:
    """Has the vehicle's terminal reported since the first command recorded on the order?"""
    commands = commands_of(order.id)
    terminal = vehicle_terminal(order.vehicle_id)
    if not commands or terminal is None:
        return False, "no_command"
    try:
        device = _device(terminal)
        fix = platform().latest_fix(device)
    except PlatformDown as down:
        return False, down.state
    except Conflict:
        return False, "unknown_device"
    seen = max(filter(None, (device.last_update, fix.at if fix else None)), default=None)
    return seen is not None and seen > commands[0].sent_at, "ok"


def resolve_remotely(order: WorkOrder, user: User, note: Any) -> WorkOrder:
    """End a repair order without a visit once the terminal reported after a command: no
    technician, no fee; its reservations go back to stock."""
    check(order, "resolve_remotely", user)
    errors = FieldErrors()
    clean = errors.check("note", clean_text, note, max_len=200) or ""
    errors.raise_if_any()
    if order.kind != "repair":
        raise Conflict(_l("Only a repair order can be resolved remotely."))
    reported, state = reported_since_command(order)
    if not reported:
        raise Conflict(_l("The terminal has not reported since the command (%(state)s).",
                          state=label(state)), code="not_reported")
    commands = commands_of(order.id)
    reason = f"{_l('Resolved remotely')}: {commands[-1].type} {local_text(commands[-1].sent_at)}"
    order.cancel_reason = f"{reason} {clean}".strip()[:300]
    order.technician_id = None
    transition(order, "resolve_remotely", user, note=order.cancel_reason)
    order_stock.release_order(order.id, user.id)
    return order


def send_for_order(order: WorkOrder, user: User, data: Mapping[str, Any]) -> RemoteCommand:
    """A command from a repair order to its vehicle's terminal, recorded on the order."""
    if order.kind != "repair" or order.status not in RESOLVABLE:
        raise Conflict(_l("Commands are sent from a repair order before the visit."))
    terminal = vehicle_terminal(order.vehicle_id)
    if terminal is None:
        raise Conflict(_l("The vehicle has no terminal installed on record."))
    return send(terminal, order, user, data)


def order_panel(order: WorkOrder, user: User) -> dict[str, Any]:
    """What the order page shows of the platform — evidence, commands, what may be done —
    without asking the platform (the command page does), so the page never waits for it."""
    can_command = (user.can("tracking.command") and order.kind == "repair"
                   and order.status in RESOLVABLE
                   and vehicle_terminal(order.vehicle_id) is not None)
    commands = commands_of(order.id)
    return {"evidence": evidence(order.id), "commands": commands, "can_command": can_command,
            "can_resolve": bool(commands) and "resolve_remotely" in _actions(order, user)}


def _actions(order: WorkOrder, user: User) -> list[str]:
    return allowed_actions(order, user) if order.kind == "repair" else []
