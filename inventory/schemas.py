"""API shapes of parts, locations and stock."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from dispatch.web.schemas import Money, PageQuery, money_in
from inventory.models import CATEGORIES

_SERIALS = List(String(validate=Length(max=40)), load_default=list, validate=Length(max=1000))


class CatalogPartIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    name = String(required=True, validate=Length(max=120))
    category = String(required=True, validate=OneOf(CATEGORIES))
    serialized = Boolean(load_default=False)
    price = money_in(required=True)
    reorder_point = Integer(load_default=0, validate=Range(min=0, max=100000))
    model_code = String(allow_none=True, validate=Length(max=40),
                        metadata={"description": "terminal model code, e.g. TK915"})


class CatalogPartPatch(Schema):
    name = String(validate=Length(max=120))
    category = String(validate=OneOf(CATEGORIES))
    price = money_in()
    reorder_point = Integer(validate=Range(min=0, max=100000))
    model_code = String(allow_none=True, validate=Length(max=40))
    active = Boolean()


class CatalogPartOut(Schema):
    id = Integer()
    sku = String()
    name = String()
    category = String()
    serialized = Boolean()
    price = Money()
    reorder_point = Integer()
    model_code = String(allow_none=True)
    active = Boolean()
    available = Integer(metadata={"description": "available in the warehouses"})
    low_stock = Boolean(metadata={"description": "available < reorder point"})


class CatalogPartPage(Schema):
    items = List(Nested(CatalogPartOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class WarehouseIn(Schema):
    code = String(required=True, validate=Length(max=40))
    name = String(required=True, validate=Length(max=120))


class LocationOut(Schema):
    code = String()
    name = String()
    kind = String()
    default = Boolean(attribute="is_default")
    technician_id = Integer(allow_none=True)


class LocationList(Schema):
    items = List(Nested(LocationOut))


class ReceiptIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    qty = Integer(required=True, validate=Range(min=1, max=100000))
    location = String(validate=Length(max=40))
    serials = _SERIALS
    imeis = List(String(validate=Length(max=40)), load_default=list, validate=Length(max=1000),
                 metadata={"description": "terminals: each unit's IMEI, in the order of serials"})


class TransferIn(Schema):
    sku = String(required=True, validate=Length(max=40))
    qty = Integer(required=True, validate=Range(min=1, max=100000))
    from_ = String(required=True, data_key="from", validate=Length(max=40))
    to = String(required=True, validate=Length(max=40))
    serials = _SERIALS


class VanLoadIn(Schema):
    to = String(required=True, validate=Length(max=40), metadata={"description": "a van's code"})
    from_ = String(data_key="from", validate=Length(max=40),
                   metadata={"description": "default: the main warehouse"})
    lines = List(String(validate=Length(max=100)), required=True, validate=Length(min=1, max=500),
                 metadata={"description": "as scanned: `SKU`, `SKU qty` or a unit's serial"})


class MovementOut(Schema):
    id = Integer()
    kind = String()
    sku = String()
    qty = Integer()
    serial = String(allow_none=True)


class MovementList(Schema):
    items = List(Nested(MovementOut))


class StockQuery(Schema):
    location = String(load_default=None, validate=Length(max=40))
    sku = String(load_default=None, validate=Length(max=40))


class StockRow(Schema):
    sku = String()
    location = String()
    on_hand = Integer()
    reserved = Integer()
    available = Integer()


class StockList(Schema):
    items = List(Nested(StockRow))


class LowStockRow(Schema):
    sku = String()
    name = String()
    reorder_point = Integer()
    available = Integer()


class LowStockList(Schema):
    items = List(Nested(LowStockRow))


class SerialsIn(Schema):
    serials = List(String(validate=Length(max=40)), required=True, validate=Length(min=1, max=200))
    location = String(validate=Length(max=40))
    scrapped = Boolean(load_default=False)


class RepairTerminalOut(Schema):
    terminal_id = String()
    status = String()


class RepairTerminalList(Schema):
    items = List(Nested(RepairTerminalOut))


class CatalogPartQuery(PageQuery):
    pass
