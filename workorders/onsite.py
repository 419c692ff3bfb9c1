"""What the technician records on site: status, swaps (R5, R6), parts used; a manager's fee
override.

Swaps are checked against the device registry when recorded and applied to it by
:func:`apply_swaps`, which ``workorders.completion`` calls in the completion's transaction:
either everything (status, registry, signature, fee) is saved or nothing is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, Forbidden
from dispatch.extensions import db
from dispatch.geo.distance import distance_km
from dispatch.labels import label
from dispatch.money import parse_money
from dispatch.registry import devices
from dispatch.registry.models import Sim, Terminal
from dispatch.technicians.services import report_location
from dispatch.text import choice, clean_text
from dispatch.timeutil import local_day, utcnow
from dispatch.tracking import service as tracking
from dispatch.validators import normalize_iccid, validate_latlon
from inventory import workshop
from inventory.models import Part
from workorders import fees
from workorders.access import require_assigned_technician
from workorders.kinds import kind_of
from workorders.lifecycle import ENDED, OPEN, record, transition
from workorders.models import SWAP_KINDS, OrderPart, Swap, WorkOrder
from workorders.order_parts import hold_part_use


def report_status(order: WorkOrder, user: User, status: str, lat: Any, lon: Any,
                  far_confirmed: bool = False) -> WorkOrder:
    """The assigned technician is en route or on site; the position, when given, is recorded
    on the event and as the technician's last known position. "On site" farther from the site
    than ``DISPATCH_ONSITE_MAX_KM`` (the tablet asks first) notes the distance on the event,
    and whether the technician confirmed it."""
    require_assigned_technician(order, user)
    errors = FieldErrors()
    point = errors.check("lat", validate_latlon, lat, lon)
    errors.raise_if_any()
    transition(order, status, user, lat=point[0] if point else None,
               lon=point[1] if point else None, note=_far_note(order, status, point, far_confirmed))
    if point is not None:
        report_location(order.technician, user, *point)  # type: ignore[arg-type]
    return order


def onsite_distance(order: WorkOrder, point: tuple[float, float] | None) -> float | None:
    """Kilometres from ``point`` to the order's site (None without either)."""
    if point is None or order.site_lat is None or order.site_lon is None:
        return None
    return distance_km(point[0], point[1], order.site_lat, order.site_lon)


def _far_note(order: WorkOrder, status: str, point: tuple[float, float] | None,
              confirmed: bool) -> str:
    away = onsite_distance(order, point) if status == "on_site" else None
    if away is None or away <= float(current_app.config["DISPATCH_ONSITE_MAX_KM"]):
        return ""
    return f"{round(away, 2)} km" + (" ✓" if confirmed else "")


def require_on_site(order: WorkOrder, user: User) -> None:
    """Field work is recorded by the assigned technician once on site (else 403/409)."""
    require_assigned_technician(order, user)
    if order.status != "on_site":
        raise Conflict(_l("Record work once you are on site."), fields={"status": order.status},
                       code="illegal_transition")


def _installed_terminal(order: WorkOrder) -> Terminal | None:
    installed = [t for t in order.vehicle.terminals if t.status == "installed"]
    return installed[0] if installed else None


def old_devices(order: WorkOrder) -> dict[str, str | None]:
    """What the "old" side of a swap form starts with, per kind: the terminal and SIM on record
    in the vehicle, else those reported at intake (fitted before the registry, SPEC §10)."""
    installed = _installed_terminal(order)
    sims = installed.sims if installed is not None else []
    return {"terminal": installed.terminal_id if installed is not None
            else order.reported_terminal_id or order.reported_imei,
            "sim": sims[0].iccid if sims else order.reported_iccid}


def _pending(order: WorkOrder, kind: str) -> Swap | None:
    return next((s for s in order.swaps if s.kind == kind and s.applied_at is None), None)


def add_swap(order: WorkOrder, user: User, data: Mapping[str, Any]) -> Swap:
    """Record a terminal or SIM change (old → new; R5 terminal IDs, R6 SIMs); an install has
    no old, a removal no new. An old device the registry does not know is recorded as read off
    the vehicle (SPEC §10) when the vehicle has none of that kind on record; the new one must
    be in stock."""
    require_on_site(order, user)
    errors = FieldErrors()
    kind = errors.check("kind", choice, data.get("kind"), SWAP_KINDS)
    reason = errors.check("reason", clean_text, data.get("reason"), max_len=300)
    errors.raise_if_any()
    find = devices.find_terminal if kind == "terminal" else devices.find_sim
    old = errors.check("old", find, data["old"]) if data.get("old") else None
    new = errors.check("new", find, data["new"]) if data.get("new") else None
    if not data.get("old") and not data.get("new"):
        errors.add("new", _l("Give the old device, the new one, or both."))
    found = None
    if data.get("old") and old is None and "old" not in errors.errors:
        read_off = devices.found_terminal_id if kind == "terminal" else normalize_iccid
        found = errors.check("old", read_off, data["old"])
    if data.get("new") and new is None and "new" not in errors.errors:
        errors.add("new", _l("This device is not in the registry."))
    errors.raise_if_any()
    if _pending(order, kind) is not None:
        raise Conflict(_l("A %(kind)s change is already recorded on this order.", kind=label(kind)))
    _check_devices(order, kind, old, found, new, errors)
    errors.raise_if_any()
    swap = Swap(order=order, kind=kind, reason=reason or "",
                old_identifier=_identifier(old) or found, new_identifier=_identifier(new))
    db.session.add(swap)
    db.session.flush()
    if new is not None and new.sku:
        _add_part_line(order, new.sku, 1, _identifier(new), swap.id, user)
    if isinstance(new, Terminal):  # the platform knows it before the activation check asks
        tracking.request_registration([(new.terminal_id, order.vehicle.plate)],
                                      f"order:{order.id}:{new.terminal_id}", order.id, user.id)
    record(order, "swap", user, note=f"{kind}: {swap.old_identifier or '—'} → "
                                    f"{swap.new_identifier or '—'}")
    return swap


def _identifier(device: Terminal | Sim | None) -> str | None:
    if device is None:
        return None
    return device.terminal_id if isinstance(device, Terminal) else device.iccid


def _elsewhere(order: WorkOrder, device: Terminal | Sim) -> str | None:
    """Why ``device`` cannot come out of this vehicle: it is installed in another one."""
    vehicle = devices.installed_elsewhere(device, order.vehicle_id)
    if vehicle is None:
        return None
    if isinstance(device, Terminal):
        return str(_l("Terminal %(id)s is installed in %(plate)s.", id=device.terminal_id,
                      plate=vehicle.plate))
    return str(_l("SIM %(iccid)s is in the terminal of %(plate)s.", iccid=device.iccid,
                  plate=vehicle.plate))


def _check_devices(order: WorkOrder, kind: str, old: Any, found: str | None, new: Any,
                   errors: FieldErrors) -> None:
    """The old device is the one on record in the vehicle, or — read off a vehicle with none of
    that kind on record — one the registry does not know (``found``); the new one is in stock."""
    installed = _installed_terminal(order)
    plate = order.vehicle.plate
    if kind == "terminal":
        if old is not None and (installed is None or old.id != installed.id):
            errors.add("old", _elsewhere(order, old) or
                       _l("This terminal is not the one installed in %(plate)s.", plate=plate))
        if found is not None and installed is not None:
            errors.add("old", _l("This terminal is not the one installed in %(plate)s.",
                                 plate=plate))
        if old is None and found is None and installed is not None and order.kind != "install":
            errors.add("old", _l("Give the terminal taken out of %(plate)s.", plate=plate))
        if order.kind == "install" and installed is not None and old is None and found is None:
            errors.add("new", _l("%(plate)s already has terminal %(id)s installed.",
                                 plate=plate, id=installed.terminal_id))
    else:
        sims = installed.sims if installed else []
        if old is not None and old not in sims:
            errors.add("old", _elsewhere(order, old) or
                       _l("This SIM is not in the terminal of %(plate)s.", plate=plate))
        if found is not None and sims:
            errors.add("old", _l("This SIM is not in the terminal of %(plate)s.", plate=plate))
    if new is not None and new.status != "in_stock":
        errors.add("new", _l("This device is %(status)s, not in stock.", status=label(new.status)))


def _recorded_elsewhere(order: WorkOrder, sku: str, serial: str) -> None:
    """A serial is recorded on one open order at most (409 naming the other)."""
    other = db.session.scalar(
        select(WorkOrder.number).join(OrderPart, OrderPart.order_id == WorkOrder.id)
        .where(OrderPart.sku == sku, OrderPart.serial == serial, WorkOrder.status.in_(OPEN))
        .limit(1))
    if other is not None:
        raise Conflict(_l("%(serial)s is already recorded on order %(number)s.", serial=serial,
                          number=other), fields={"serial": serial}, code="not_in_stock")


def _add_part_line(order: WorkOrder, sku: str, qty: int, serial: str | None,
                   swap_id: int | None = None, user: User | None = None) -> OrderPart:
    part = db.session.scalar(select(Part).where(Part.sku == sku))
    if part is None:
        raise Conflict(_l("Unknown part %(sku)s.", sku=sku))
    if serial is not None:
        _recorded_elsewhere(order, part.sku, serial)
    hold_part_use(order, part.sku, qty, serial, user.id if user else None)
    line = OrderPart(order=order, sku=part.sku, name=part.name, qty=qty, serial=serial,
                     unit_price=part.price, swap_id=swap_id)
    db.session.add(line)
    return line


def add_part(order: WorkOrder, user: User, data: Mapping[str, Any]) -> OrderPart:
    """Record a part used (priced from the parts list at this moment)."""
    require_on_site(order, user)
    errors = FieldErrors()
    sku = errors.check("sku", clean_text, data.get("sku"), max_len=40, required=True)
    qty = errors.check("qty", _positive_int, data.get("qty", 1))
    serial = errors.check("serial", clean_text, data.get("serial"), max_len=32) or None
    part = db.session.scalar(select(Part).where(Part.sku == sku)) if sku else None
    if sku and (part is None or not part.active):
        errors.add("sku", _l("Unknown part %(sku)s.", sku=sku))
    if part is not None and part.serialized and (qty != 1 or not serial):
        errors.add("serial", _l("A serialised part is recorded one at a time with its serial."))
    errors.raise_if_any()
    line = _add_part_line(order, part.sku, qty, serial, user=user)  # type: ignore[union-attr]
    db.session.flush()
    record(order, "part", user, note=f"{line.sku} × {line.qty}")
    return line


def _positive_int(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 1 <= value <= 1000:
        raise ValueError(_l("Between 1 and 1000."))
    return value


def current_quote(order: WorkOrder) -> fees.FeeQuote:
    return fees.quote(order, local_day(utcnow()))


def apply_swaps(order: WorkOrder, user: User) -> None:
    """On completion: terminal changes first, then SIMs, so a new SIM goes into the new terminal; a faulty
    terminal taken out goes to the workshop with its tag (R5: plate and fault). An old device
    still unknown to the registry is registered as found in the vehicle until this order (SPEC
    §10, R5, R6) and taken out like any other."""
    now = utcnow()
    today = local_day(now)
    removed_status = kind_of(order).removed_status
    for swap in sorted(order.swaps, key=lambda s: (s.kind != "terminal", s.id)):
        if swap.applied_at is not None:
            continue
        find: Callable[[str], Any] = devices.find_terminal if swap.kind == "terminal" else devices.find_sim
        old = _old_device(order, swap.kind, swap.old_identifier) if swap.old_identifier else None
        new = find(swap.new_identifier) if swap.new_identifier else None
        if swap.kind == "terminal":
            if old is not None and new is not None:
                devices.move_sims(old, new)
            if old is not None:
                devices.remove_terminal(old, removed_status, order.id, now)
                if removed_status == "faulty":
                    tag = f"{order.vehicle.plate}: {order.fault_description}"
                    workshop.return_faulty(old.id, tag, order.id, user.id)
            if new is not None:
                devices.install_terminal(new, order.vehicle, order.id, now, today)
        else:
            terminal = _installed_terminal(order)
            if old is not None:
                devices.remove_sim(old, removed_status, order.id, now)
            if new is not None:
                if terminal is None:
                    raise Conflict(_l("Install a terminal before its SIM card."))
                devices.install_sim(new, terminal, order.id, now)
        swap.applied_at = now
        db.session.flush()


def _old_device(order: WorkOrder, kind: str, identifier: str) -> Any:
    """The device a swap takes out: from the registry (refused, 409, when it went into another
    vehicle since), else registered now as found in the order's vehicle (SPEC §10)."""
    device = devices.find_terminal(identifier) if kind == "terminal" else devices.find_sim(identifier)
    if device is None:
        if kind == "terminal":
            return devices.register_unknown_terminal(identifier, order.product_model, order.vehicle)
        return devices.register_unknown_sim(identifier, order.vehicle)
    elsewhere = _elsewhere(order, device)
    if elsewhere is not None:
        raise Conflict(elsewhere, fields={"old": elsewhere})
    return device


def override_fee(order: WorkOrder, user: User, amount: Any, reason: Any) -> WorkOrder:
    """A manager sets the fee of a repair (or removal, inspection) by hand, with a reason
    (audited); an install's is always zero (R1, SPEC §10)."""
    if not user.can("order.fee_override"):
        raise Forbidden(_l("Only a manager can override a fee."))
    if order.status in ENDED:
        raise Conflict(_l("The fee of a %(status)s order cannot change.", status=label(order.status)))
    errors = FieldErrors()
    value = errors.check("amount", parse_money, amount)
    why = errors.check("reason", clean_text, reason, max_len=300, required=True)
    if order.kind == "install":
        errors.add("amount", _l("An installation is always free (R1): its fee cannot be "
                                "overridden."))
    errors.raise_if_any()
    order.fee_override, order.fee_override_reason, order.fee_override_by_id = value, why, user.id
    record(order, "fee_override", user, note=f"{value}: {why}")
    return order
