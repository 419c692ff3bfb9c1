"""The parts price list as an import kind: one row is one part.

Natural key: the SKU (as stored: upper case, spaces as dashes). Values go through the price
list's own rules (``inventory/parts.py``: ``clean_new_part``, ``clean_part_changes``; prices
through ``dispatch/money.py`` ``parse_money``). A new SKU needs a name, a category and a price;
an empty ``serialized`` means yes for terminals and SIM cards, no for the rest.
For a part already listed, a filled cell changes that value and an empty one leaves it; serial
tracking never changes (a different ``serialized`` is a row error: stock and the device
registry depend on it). ``model_code`` is a terminal's model as written on the device and named
by technicians' skills (``model:TK915``); a file without the column (made before it existed)
imports as before. A row naming a part taken off the price list puts it back on
(``active``). Who may: whoever may edit the price list by hand (``part.edit``) among those who
may import (``import.run``): managers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import ValidationFailed
from dispatch.extensions import db
from dispatch.imports.kinds import ImportContext, ImportKind, Problems, Row
from dispatch.labels import label
from dispatch.text import boolean
from dispatch.validators import key_or_folded
from inventory.models import Part
from inventory.parts import SERIALIZED_CATEGORIES, clean_new_part, clean_part_changes, normalize_sku

COLUMNS = ("sku", "name", "category", "serialized", "price", "reorder_point", "model_code")
REQUIRED = ("sku",)
#: The columns a row may change on a listed part.
CHANGES = ("name", "category", "price", "reorder_point", "model_code")
YES, NO = "yes", "no"
LOOKUP_CHUNK = 900


class PartsPriceList(ImportKind):
    name = "parts"
    title = _l("Parts price list: SKU, name, category, price, reorder point, terminal model code")
    columns = COLUMNS
    required = REQUIRED
    permission = "part.edit"
    records = ("parts",)

    def template_row(self) -> dict[str, str]:
        return {"sku": "HARNESS-4P", "name": "四芯电源线束", "category": "harness",
                "serialized": NO, "price": "35.00", "reorder_point": "20", "model_code": ""}

    def keys(self, row: Row) -> Iterable[Hashable]:
        yield "sku", key_or_folded(normalize_sku, row["sku"])

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        wanted = sorted({key_or_folded(normalize_sku, row["sku"]) for row in rows} - {""})
        index: dict[str, Part] = {}
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            for part in db.session.scalars(select(Part).where(
                    Part.sku.in_(wanted[start:start + LOOKUP_CHUNK]))):
                index[part.sku] = part
        ctx.cache["parts"] = index

    def apply_row(self, row: Row, ctx: ImportContext) -> None:
        problems = Problems(row)
        sku = problems.check("sku", normalize_sku, row["sku"])
        problems.raise_if_any()
        index: dict[str, Part] = ctx.cache["parts"]
        part = index.get(sku)
        if part is None:
            data: dict[str, Any] = {column: row[column] for column in COLUMNS}
            if not row["serialized"]:  # terminals and SIM cards are tracked by serial, others not
                data["serialized"] = row["category"].strip().lower() in SERIALIZED_CATEGORIES
            values = _checked(problems, clean_new_part, data)
            problems.raise_if_any()
            part = Part(**values)
            db.session.add(part)
            index[part.sku] = part
            ctx.record("parts", part.sku, "created")
            return
        if row["serialized"]:
            serialized = problems.check("serialized", boolean, row["serialized"])
            if serialized is not None and serialized != part.serialized:
                problems.add("serialized", _l(
                    "%(sku)s is %(tracked)s: serial tracking of a listed part does not change.",
                    sku=part.sku, tracked=_l("tracked by serial") if part.serialized
                    else _l("not tracked by serial")))
        given = {column: row[column] for column in CHANGES if row[column]}
        values = _checked(problems, clean_part_changes, part, given)
        problems.raise_if_any()
        changes = {column: values[column] for column in given}
        if not part.active:
            changes["active"] = True
        ctx.record("parts", part.sku, "updated" if ctx.update(part, changes) else "unchanged")

    def export_rows(self, user: User) -> Iterable[Sequence[Any]]:
        """The parts on the price list (active ones), by SKU."""
        for part in db.session.scalars(select(Part).where(Part.active).order_by(Part.sku)):
            yield [part.sku, part.name, part.category, YES if part.serialized else NO,
                   part.price, part.reorder_point, part.model_code or ""]

    def sample_rows(self, count: int, seed: int = 1) -> Iterable[Sequence[Any]]:
        categories = ("harness", "relay", "antenna", "other", "terminal")
        for number in range(1, count + 1):
            category = categories[number % len(categories)]
            terminal = category == "terminal"
            yield [f"S{seed}-{category.upper()}-{number:05d}", f"{label(category)} {number}",
                   category, YES if terminal else NO, f"{(number % 400) + 5}.50",
                   str(number % 30), f"TK{900 + number % 100}" if terminal else ""]


def _checked(problems: Problems, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` of the price list's services; its field errors become the row's problems."""
    try:
        return fn(*args)
    except ValidationFailed as exc:
        for field, message in exc.fields.items():
            problems.add(field if field in COLUMNS else "", message)
        return None
