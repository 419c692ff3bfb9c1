"""Exports never hand a spreadsheet a formula (CSV injection), and what escapes also comes back."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from dispatch.exports import escape_cell, to_csv, to_xlsx, unescape_cell
from dispatch.extensions import db
from tests.finance.conftest import complete_order

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rx"]


def test_formula_cells_are_text_in_csv_and_come_back_unchanged():
    data = to_csv(["name", "amount"], [[value, Decimal("-20.50")] for value in HOSTILE])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE]
    assert all(row[1] == "-20.50" for row in rows[1:])  # amounts are not text: never escaped
    assert [unescape_cell(row[0]) for row in rows[1:]] == HOSTILE
    assert unescape_cell("'plain") == "'plain" and escape_cell("王伟") == "王伟"


def test_formula_cells_are_text_in_xlsx():
    written = HOSTILE[:-1]  # XML itself turns a lone carriage return into a line feed
    sheet = load_workbook(io.BytesIO(to_xlsx("t", ["name"], [[v] for v in written]))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == written
    assert all(c.data_type == "s" for c in cells)


def test_a_customer_named_like_a_formula_is_escaped_in_the_invoice_register(world, api_as):
    world.customer.name = "=cmd|' /C calc'!A0"
    db.session.commit()
    complete_order(world, world.technician.id, Decimal("45.00"), "cash")
    finance = api_as("finance")
    rows = list(csv.reader(io.StringIO(
        finance.get("/api/v1/finance/invoices?format=csv").get_data(as_text=True))))
    assert rows[1][3] == "'=cmd|' /C calc'!A0"
    sheet = load_workbook(io.BytesIO(finance.get("/api/v1/finance/invoices?format=xlsx").data)).active
    cell = sheet.cell(row=2, column=4)
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"
