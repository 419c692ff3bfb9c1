"""Installing and removing terminals and SIMs, keeping the installation history.

Refusals are :class:`~dispatch.errors.Conflict`: a device already in a vehicle cannot go into
another, a faulty one cannot be installed. A device the registry does not know, read off a
vehicle by a technician, is registered as found there (SPEC §10) and then removed like any other.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.registry.models import Installation, Sim, Terminal, Vehicle
from dispatch.validators import normalize_iccid, normalize_imei, normalize_terminal_id

#: Where a terminal may go from each status: the only writer of ``Terminal.status`` is
#: :func:`set_terminal_status` (installs, removals, the workshop's vendor round trip). A terminal
#: starts ``in_stock`` (received) or ``installed`` (found in a vehicle, :func:`register_found_terminal`).
TERMINAL_MOVES: dict[str, frozenset[str]] = {
    "in_stock": frozenset({"installed", "scrapped"}),
    "installed": frozenset({"faulty", "in_stock"}),
    "faulty": frozenset({"at_vendor", "scrapped"}),
    "at_vendor": frozenset({"in_stock", "scrapped"}),
    "scrapped": frozenset(),
}
#: The same for SIM cards (:func:`set_sim_status`).
SIM_MOVES: dict[str, frozenset[str]] = {
    "in_stock": frozenset({"installed", "deactivated"}),
    "installed": frozenset({"faulty", "in_stock"}),
    "faulty": frozenset({"deactivated"}),
    "deactivated": frozenset(),
}


class TerminalLike(Protocol):
    """What the rules below read and set: a mapped :class:`Terminal`, or the plain record the
    installed-base import writes in bulk (``dispatch/registry/import_records.py``)."""

    terminal_id: str
    status: str
    location_id: int | None
    install_date: date | None
    warranty_end: date | None


class SimLike(Protocol):
    iccid: str
    status: str
    location_id: int | None


def set_terminal_status(terminal: TerminalLike, status: str) -> None:
    """Move a terminal to ``status``; a move its current status does not allow is a 409."""
    if status not in TERMINAL_MOVES.get(terminal.status, frozenset()):
        raise Conflict(_l("Terminal %(id)s is %(status)s: it cannot become %(new)s.",
                          id=terminal.terminal_id, status=label(terminal.status), new=label(status)))
    terminal.status = status


def set_sim_status(sim: SimLike, status: str) -> None:
    """Move a SIM card to ``status``; a move its current status does not allow is a 409."""
    if status not in SIM_MOVES.get(sim.status, frozenset()):
        raise Conflict(_l("SIM %(iccid)s is %(status)s: it cannot become %(new)s.",
                          iccid=sim.iccid, status=label(sim.status), new=label(status)))
    sim.status = status


def find_terminal(identifier: str) -> Terminal | None:
    """By terminal ID or IMEI."""
    key = normalize_terminal_id(identifier)
    return db.session.scalar(select(Terminal).where(
        (Terminal.terminal_id == key) | (Terminal.imei == key)))


def find_sim(identifier: str) -> Sim | None:
    return db.session.scalar(select(Sim).where(Sim.iccid == normalize_iccid(identifier)))


def found_terminal_id(identifier: str) -> str:
    """The ID of a terminal read off a vehicle: a terminal ID, and when it has 15 digits an
    IMEI whose check digit must hold (a typing error is refused, not registered)."""
    key = normalize_terminal_id(identifier)
    return normalize_imei(key) if _imei_shaped(key) else key


def _imei_shaped(key: str) -> bool:
    return key.isdigit() and len(key) == 15


def installed_elsewhere(device: Terminal | Sim, vehicle_id: int) -> Vehicle | None:
    """The other vehicle ``device`` is installed in (a SIM: through its terminal), if any."""
    terminal = device if isinstance(device, Terminal) else device.terminal
    vehicle = terminal.vehicle if terminal is not None else None
    return vehicle if vehicle is not None and vehicle.id != vehicle_id else None


def register_unknown_terminal(identifier: str, model: str, vehicle: Vehicle) -> Terminal:
    """A terminal the registry did not know, found in ``vehicle`` (SPEC §10, R5): registered as
    installed there since an unknown time (``installed_at`` empty), its IMEI being its ID when
    that is one, so that taking it out closes that period like any other removal."""
    terminal_id = found_terminal_id(identifier)
    terminal = Terminal(terminal_id=terminal_id, imei=terminal_id if _imei_shaped(terminal_id)
                        else None, model=model[:60], status="installed", vehicle=vehicle)
    db.session.add(terminal)
    db.session.add(Installation(vehicle=vehicle, device_kind="terminal", terminal=terminal,
                                installed_at=None))
    db.session.flush()
    return terminal


def register_unknown_sim(identifier: str, vehicle: Vehicle) -> Sim:
    """A SIM card the registry did not know, found in ``vehicle`` (SPEC §10, R6): registered as
    installed there since an unknown time, ready to be taken out."""
    sim = Sim(iccid=normalize_iccid(identifier), status="installed")
    db.session.add(sim)
    db.session.add(Installation(vehicle=vehicle, device_kind="sim", sim=sim, installed_at=None))
    db.session.flush()
    return sim


def _open_installation(column, device_id: int) -> Installation | None:
    return db.session.scalar(select(Installation).where(
        column == device_id, Installation.removed_at.is_(None)))


def fit(terminal: TerminalLike, day: date) -> None:
    """The terminal becomes installed since ``day``; its warranty runs from that day
    (``DISPATCH_WARRANTY_MONTHS``) unless it already has one. The caller links the vehicle."""
    set_terminal_status(terminal, "installed")
    terminal.install_date = day
    if terminal.warranty_end is None:
        months = current_app.config["DISPATCH_WARRANTY_MONTHS"]
        terminal.warranty_end = day + relativedelta(months=months)


def found_terminal(terminal: TerminalLike, installed_on: date) -> None:
    """The rule for a terminal found already installed (the installed base): a new one (no
    status yet) or one registered in stock that sits in no stock location becomes installed
    since ``installed_on`` (:func:`fit`); anything else is a 409."""
    if terminal.status is None:
        terminal.status = "in_stock"  # a new terminal, not yet flushed: it starts where all do
    if terminal.location_id is not None:
        raise Conflict(_l("Terminal %(id)s is in a stock location: install it with a work order.",
                          id=terminal.terminal_id))
    fit(terminal, installed_on)


def found_sim(sim: SimLike) -> None:
    """The same for a SIM found in a terminal: new, or in stock outside any stock location."""
    if sim.status is None:
        sim.status = "in_stock"
    if sim.location_id is not None:
        raise Conflict(_l("SIM %(iccid)s is in a stock location: install it with a work order.",
                          iccid=sim.iccid))
    set_sim_status(sim, "installed")


def _fit(terminal: Terminal, vehicle: Vehicle, day: date) -> None:
    fit(terminal, day)
    terminal.vehicle = vehicle


def install_terminal(terminal: Terminal, vehicle: Vehicle, order_id: int | None,
                     when: datetime, today: date) -> None:
    if terminal.status != "in_stock":
        raise Conflict(_l("Terminal %(id)s is %(status)s, not in stock.",
                          id=terminal.terminal_id, status=label(terminal.status)))
    _fit(terminal, vehicle, today)
    db.session.add(Installation(vehicle=vehicle, device_kind="terminal", terminal=terminal,
                                installed_at=when, work_order_id=order_id))
    for sim in terminal.sims:
        _open_sim(sim, vehicle, order_id, when)


def register_found_terminal(terminal: Terminal, vehicle: Vehicle, installed_on: date,
                            since: datetime) -> Installation:
    """Record a terminal found already installed in ``vehicle`` (the installed base, brought in
    by an import): a new terminal, or one registered in stock that sits in no stock location.
    No work order; the install date is ``installed_on`` and the warranty runs from it
    (``DISPATCH_WARRANTY_MONTHS``) unless the terminal already has one (:func:`found_terminal`)."""
    found_terminal(terminal, installed_on)
    terminal.vehicle = vehicle
    installation = Installation(vehicle=vehicle, device_kind="terminal", terminal=terminal,
                                installed_at=since, work_order_id=None)
    db.session.add(installation)
    return installation


def register_found_sim(sim: Sim, terminal: Terminal, since: datetime) -> Installation | None:
    """Record a SIM found in ``terminal`` (an import): new, or registered in stock outside any
    stock location (:func:`found_sim`); it is in the terminal's vehicle since ``since``."""
    found_sim(sim)
    sim.terminal = terminal
    if terminal.vehicle is None:
        return None
    installation = Installation(vehicle=terminal.vehicle, device_kind="sim", sim=sim,
                                installed_at=since, work_order_id=None)
    db.session.add(installation)
    return installation


def remove_terminal(terminal: Terminal, status: str, order_id: int | None, when: datetime) -> None:
    """Take a terminal out of its vehicle; its SIMs leave the vehicle with it."""
    open_row = _open_installation(Installation.terminal_ref, terminal.id)
    if open_row is not None:
        open_row.removed_at, open_row.removed_by_order_id = when, order_id
    for sim in terminal.sims:
        _close_sim(sim, order_id, when)
    set_terminal_status(terminal, status)
    terminal.vehicle = None


def move_sims(old: Terminal, new: Terminal) -> None:
    """The SIMs of a replaced terminal go into its replacement (same vehicle)."""
    for sim in list(old.sims):
        sim.terminal = new


def install_sim(sim: Sim, terminal: Terminal, order_id: int | None, when: datetime) -> None:
    if sim.status != "in_stock":
        raise Conflict(_l("SIM %(iccid)s is %(status)s, not in stock.",
                          iccid=sim.iccid, status=label(sim.status)))
    set_sim_status(sim, "installed")
    sim.terminal = terminal
    if terminal.vehicle is not None:
        _open_sim(sim, terminal.vehicle, order_id, when)


def remove_sim(sim: Sim, status: str, order_id: int | None, when: datetime) -> None:
    _close_sim(sim, order_id, when)
    set_sim_status(sim, status)
    sim.terminal = None


def _open_sim(sim: Sim, vehicle: Vehicle, order_id: int | None, when: datetime) -> None:
    if _open_installation(Installation.sim_ref, sim.id) is None:
        db.session.add(Installation(vehicle=vehicle, device_kind="sim", sim=sim,
                                    installed_at=when, work_order_id=order_id))


def _close_sim(sim: Sim, order_id: int | None, when: datetime) -> None:
    open_row = _open_installation(Installation.sim_ref, sim.id)
    if open_row is not None:
        open_row.removed_at, open_row.removed_by_order_id = when, order_id


def vehicle_history(vehicle_id: int) -> list[Installation]:
    """Every terminal and SIM the vehicle carried, newest first; those fitted at an unknown
    time (found in the vehicle) last."""
    return list(db.session.scalars(
        select(Installation).where(Installation.vehicle_id == vehicle_id)
        .order_by(Installation.installed_at.desc().nulls_last(), Installation.id.desc())))
