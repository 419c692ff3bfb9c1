"""Faulty returns (R5) and the vendor-repair round trip.

A terminal swapped out comes back into the workshop location with its return tag (plate and
fault symptom, kept on the terminal and as the movement's reason), goes to the vendor, and comes
back repaired into a warehouse (or is scrapped). A terminal of no known part (one found in a
vehicle, SPEC §10) makes the same trip without stock movements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors
from dispatch.extensions import db
from dispatch.registry.devices import set_terminal_status
from dispatch.registry.models import Terminal
from dispatch.validators import normalize_terminal_id
from inventory import locations
from inventory.ledger import move


def return_faulty(terminal_ref: int, tag: str, order_id: int | None, user_id: int | None) -> None:
    """Book a removed faulty terminal into the workshop; ``tag`` is "plate: fault" (R5)."""
    terminal = db.session.get(Terminal, terminal_ref)
    if terminal is None:
        return
    workshop = locations.system_location(locations.WORKSHOP)
    terminal.location_id, terminal.return_tag = workshop.id, tag
    if terminal.sku:
        move("return_faulty", terminal.sku, 1, to_id=workshop.id, serial=terminal.terminal_id,
             order_id=order_id, user_id=user_id, reason=tag)


def return_tag(terminal: Terminal) -> str:
    """The plate and fault symptom recorded when the terminal came back (R5)."""
    return terminal.return_tag or ""


def faulty_terminals() -> list[Terminal]:
    """Terminals in the workshop or at the vendor."""
    ids = [locations.system_location(code).id for code in (locations.WORKSHOP, locations.VENDOR)]
    return list(db.session.scalars(select(Terminal).where(Terminal.location_id.in_(ids))
                                   .order_by(Terminal.status, Terminal.terminal_id)))


def _terminals(serials: Sequence[Any], location_id: int, errors: FieldErrors) -> list[Terminal]:
    found = []
    if not serials:
        errors.add("serials", _l("Give at least one terminal ID."))
    for index, raw in enumerate(serials):
        key = errors.check(f"serials.{index}", normalize_terminal_id, str(raw))
        terminal = db.session.scalar(select(Terminal).where(Terminal.terminal_id == key)) if key else None
        if key and (terminal is None or terminal.location_id != location_id):
            raise Conflict(_l("%(serial)s is not there.", serial=key), fields={"serials": key})
        if terminal is not None:
            found.append(terminal)
    errors.raise_if_any()
    return found


def send_to_vendor(serials: Sequence[Any], user: User) -> list[Terminal]:
    """Workshop → vendor for repair; the terminals become ``at_vendor``."""
    workshop = locations.system_location(locations.WORKSHOP)
    vendor = locations.system_location(locations.VENDOR)
    terminals = _terminals(serials, workshop.id, FieldErrors())
    for terminal in terminals:
        set_terminal_status(terminal, "at_vendor")
        terminal.location_id = vendor.id
        if terminal.sku:
            move("send_to_vendor", terminal.sku, 1, from_id=workshop.id, to_id=vendor.id,
                 serial=terminal.terminal_id, user_id=user.id)
    return terminals


def back_from_vendor(serials: Sequence[Any], user: User, location: str | None = None,
                     scrapped: bool = False) -> list[Terminal]:
    """Vendor → a warehouse, repaired and back in stock; or written off as scrapped."""
    vendor = locations.system_location(locations.VENDOR)
    target = locations.by_code(location) if location else locations.main_warehouse()
    errors = FieldErrors()
    if target.kind != "warehouse":
        errors.add("location", _l("Repaired terminals go back into a warehouse."))
    terminals = _terminals(serials, vendor.id, errors)
    for terminal in terminals:
        if terminal.sku:
            move("back_from_vendor", terminal.sku, 1, from_id=vendor.id,
                 to_id=None if scrapped else target.id, serial=terminal.terminal_id,
                 user_id=user.id, reason="scrapped" if scrapped else "repaired")
        set_terminal_status(terminal, "scrapped" if scrapped else "in_stock")
        terminal.location_id = None if scrapped else target.id
    return terminals

