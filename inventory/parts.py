"""The parts catalog, which is the parts price list (R1, R19)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from dispatch.errors import FieldErrors, NotFound
from dispatch.extensions import db
from dispatch.money import parse_money
from dispatch.text import boolean, choice, clean_text
from inventory.models import CATEGORIES, Location, Part, StockBalance

#: Categories whose parts are always tracked one by one (the device registry's terminals, SIMs).
SERIALIZED_CATEGORIES = ("terminal", "sim")


def _reorder_point(raw: Any) -> int:
    try:
        value = int(str(raw if raw not in (None, "") else 0).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 0 <= value <= 100000:
        raise ValueError(_l("Between 0 and 100000."))
    return value


def normalize_sku(raw: Any) -> str:
    """A SKU as stored: upper case, spaces as dashes; letters, digits, ``-_.`` only."""
    sku = clean_text(raw, max_len=40, required=True).upper().replace(" ", "-")
    if not all(c.isalnum() or c in "-_." for c in sku):
        raise ValueError(_l("Use letters, digits, dashes, dots and underscores."))
    return sku


def _values(data: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    return {
        "name": errors.check("name", clean_text, data.get("name"), max_len=120, required=True),
        "category": errors.check("category", choice, data.get("category"), CATEGORIES),
        "price": errors.check("price", parse_money, data.get("price")),
        "reorder_point": errors.check("reorder_point", _reorder_point, data.get("reorder_point")),
        "model_code": errors.check("model_code", _model_code, data.get("model_code")),
    }


def _model_code(raw: Any) -> str | None:
    """A terminal model code as written on the device (``TK915``), upper case; or none."""
    code = clean_text(raw, max_len=40).upper()
    if code and not all(c.isalnum() or c in "-_." for c in code):
        raise ValueError(_l("Use letters, digits, dashes, dots and underscores."))
    return code or None


def _serial_rule(category: str | None, serialized: bool | None, errors: FieldErrors) -> None:
    if category in SERIALIZED_CATEGORIES and serialized is False:
        errors.add("serialized", _l("Terminals and SIM cards are tracked by serial."))


def _new_values(data: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    sku = errors.check("sku", normalize_sku, data.get("sku"))
    values = _values(data, errors)
    serialized = errors.check("serialized", boolean, data.get("serialized"))
    _serial_rule(values["category"], serialized, errors)
    return {"sku": sku, "serialized": bool(serialized), **values}


def clean_new_part(data: Mapping[str, Any]) -> dict[str, Any]:
    """A new part's values (``sku, name, category, serialized, price, reorder_point``), checked
    all at once; nothing is looked up or written (:func:`create_part` adds the SKU's
    uniqueness)."""
    errors = FieldErrors()
    values = _new_values(data, errors)
    errors.raise_if_any()
    return values


def create_part(data: Mapping[str, Any]) -> Part:
    """Add a part to the price list."""
    errors = FieldErrors()
    values = _new_values(data, errors)
    if values["sku"] and db.session.scalar(select(Part.id).where(Part.sku == values["sku"])):
        errors.add("sku", _l("This SKU is already in the price list."))
    errors.raise_if_any()
    part = Part(**values)
    db.session.add(part)
    db.session.flush()
    return part


def clean_part_changes(part: Part, data: Mapping[str, Any]) -> dict[str, Any]:
    """``part``'s name, category, price and reorder point with ``data``'s changes (None values
    leave the stored ones), checked; nothing is written. The SKU and serial tracking stay."""
    errors = FieldErrors()
    current = {k: getattr(part, k) for k in ("name", "category", "price", "reorder_point",
                                             "model_code")}
    values = _values({**current, **{k: v for k, v in data.items() if v is not None}}, errors)
    _serial_rule(values["category"], part.serialized, errors)
    errors.raise_if_any()
    return values


def update_part(part: Part, data: Mapping[str, Any]) -> Part:
    """Change name, category, price, reorder point, active (the SKU and serial tracking stay)."""
    values = clean_part_changes(part, data)
    for key, value in values.items():
        setattr(part, key, value)
    if "active" in data:
        part.active = boolean(data.get("active"))
    return part


def get_part(part_id: int) -> Part:
    part = db.session.get(Part, part_id)
    if part is None:
        raise NotFound(_l("No such part."))
    return part


def search_parts(q: str = "") -> Select[Any]:
    query = select(Part).order_by(Part.category, Part.sku)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Part.sku.ilike(like), Part.name.ilike(like)))
    return query


def warehouse_available(skus: list[str]) -> dict[str, int]:
    """Available quantity per SKU summed over the warehouses."""
    rows = db.session.execute(
        select(StockBalance.sku, func.sum(StockBalance.on_hand - StockBalance.reserved))
        .join(Location, Location.id == StockBalance.location_id)
        .where(Location.kind == "warehouse", StockBalance.sku.in_(skus))
        .group_by(StockBalance.sku))
    return {sku: int(qty) for sku, qty in rows}
