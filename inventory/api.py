"""Inventory API (SPEC §8): parts, locations, receipts, transfers, stock, vendor repairs."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for

from dispatch.extensions import db
from dispatch.web.api import api_requires, current_api_user, rows_response
from dispatch.web.schemas import paginate
from inventory import locations, parts, stock, van_loads, workshop
from inventory import schemas as s

bp = APIBlueprint("inventory_api", __name__, url_prefix="/api/v1", tag="Inventory")


def _with_stock(items: list) -> list:
    available = parts.warehouse_available([p.sku for p in items])
    for part in items:
        part.available = available.get(part.sku, 0)
        part.low_stock = part.active and part.available < part.reorder_point
    return items


@bp.post("/parts")
@api_requires("part.edit")
@bp.input(s.CatalogPartIn, arg_name="body")
@bp.output(s.CatalogPartOut, status_code=201)
def create_part(body):
    """Add a part to the parts price list."""
    part = parts.create_part(body)
    db.session.commit()
    return _with_stock([part])[0], 201, {"Location": url_for("inventory_api.get_part",
                                                             part_id=part.id)}


@bp.get("/parts")
@api_requires("part.view")
@bp.input(s.CatalogPartQuery, location="query", arg_name="args")
@bp.output(s.CatalogPartPage)
def list_parts(args):
    """The price list with warehouse availability and the low-stock flag."""
    page = paginate(parts.search_parts(args["q"]), args)
    page["items"] = _with_stock(page["items"])
    return page


@bp.get("/parts/<int:part_id>")
@api_requires("part.view")
@bp.output(s.CatalogPartOut)
def get_part(part_id: int):
    return _with_stock([parts.get_part(part_id)])[0]


@bp.patch("/parts/<int:part_id>")
@api_requires("part.edit")
@bp.input(s.CatalogPartPatch, arg_name="body")
@bp.output(s.CatalogPartOut)
def update_part(part_id: int, body):
    part = parts.update_part(parts.get_part(part_id), body)
    db.session.commit()
    return _with_stock([part])[0]


@bp.get("/locations")
@api_requires("stock.view_all")
@bp.output(s.LocationList)
def list_locations():
    """Warehouses (the main one has ``default: true``), one van per technician, workshop,
    vendor."""
    items = locations.locations()
    db.session.commit()
    return {"items": items}


@bp.post("/locations")
@api_requires("location.edit")
@bp.input(s.WarehouseIn, arg_name="body")
@bp.output(s.LocationOut, status_code=201)
def create_location(body):
    """Add a warehouse."""
    location = locations.create_warehouse(body, current_api_user())
    db.session.commit()
    return location, 201


@bp.post("/stock/receipts")
@api_requires("stock.move")
@bp.input(s.ReceiptIn, arg_name="body")
@bp.output(s.MovementList, status_code=201)
def receive(body):
    """Goods in, into a warehouse (default the main one); serialised parts by serial."""
    movements = stock.receive(body, current_api_user())
    db.session.commit()
    return {"items": movements}, 201


@bp.post("/stock/transfers")
@api_requires("stock.move")
@bp.input(s.TransferIn, arg_name="body")
@bp.output(s.MovementList, status_code=201)
def transfer(body):
    """Move stock between locations (a van load makes its technician accountable, R11);
    more than is available → 409."""
    movements = stock.transfer({**body, "from": body["from_"]}, current_api_user())
    db.session.commit()
    return {"items": movements}, 201


@bp.post("/stock/van-loads")
@api_requires("stock.move")
@bp.input(s.VanLoadIn, arg_name="body")
@bp.output(s.MovementList, status_code=201)
def load_van(body):
    """Load a van with many parts and units at once; one bad line refuses the whole load."""
    movements = van_loads.load_van({"to": body["to"], "from": body.get("from_"),
                                    "lines": "\n".join(body["lines"])}, current_api_user())
    db.session.commit()
    return {"items": movements}, 201


@bp.get("/stock")
@api_requires("stock.view")
@bp.input(s.StockQuery, location="query", arg_name="args")
@bp.output(s.StockList)
def list_stock(args):
    """Balances per location and SKU; a technician sees only their own van."""
    items = stock.stock_rows(current_api_user(), args["location"], args["sku"])
    db.session.commit()
    # Rows are plain ints and strings already: skip per-row schema dumping on this hot read.
    return rows_response({"items": items})


@bp.get("/stock/low")
@api_requires("stock.view_all")
@bp.output(s.LowStockList)
def low_stock():
    """Parts whose warehouse availability is below the reorder point."""
    return {"items": stock.low_stock()}


@bp.post("/stock/vendor-shipments")
@api_requires("stock.move")
@bp.input(s.SerialsIn, arg_name="body")
@bp.output(s.RepairTerminalList, status_code=201)
def send_to_vendor(body):
    """Faulty terminals leave the workshop for the vendor's repair."""
    terminals = workshop.send_to_vendor(body["serials"], current_api_user())
    db.session.commit()
    return {"items": terminals}, 201


@bp.post("/stock/vendor-returns")
@api_requires("stock.move")
@bp.input(s.SerialsIn, arg_name="body")
@bp.output(s.RepairTerminalList, status_code=201)
def back_from_vendor(body):
    """Terminals come back repaired into a warehouse, or are scrapped."""
    terminals = workshop.back_from_vendor(body["serials"], current_api_user(),
                                          body.get("location"), body["scrapped"])
    db.session.commit()
    return {"items": terminals}, 201
