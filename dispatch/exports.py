"""Tables as CSV or XLSX downloads, for every export (finance, incentives, the registry…).

Cells are written so a spreadsheet never runs them (CSV/formula injection, OWASP): in CSV a
text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, which spreadsheet programs show as text and :func:`unescape_cell` removes again on
import; in XLSX text cells are stored as text, never as formulas. Numbers and amounts are not
text and are written as they are (money in the plain ``"120.00"`` form in CSV, as numbers with
two decimals in XLSX).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from dispatch.money import money_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: text that could start a formula gets a
    leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo :func:`escape_cell` on a cell read back from an exported file."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM so spreadsheet programs read Chinese; amounts with two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(c) for c in header])
    for row in rows:
        writer.writerow([money_text(c) if isinstance(c, Decimal) else escape_cell(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet; text stays text (never a formula), amounts are numbers with two decimals."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = title[:31]
    for values in (header, *rows):
        sheet.append([None if isinstance(v, str) else v for v in values])
        for cell, value in zip(sheet[sheet.max_row], values, strict=False):
            if isinstance(value, str):
                cell.value = value
                cell.data_type = TYPE_STRING  # set after the value: openpyxl reads "=…" as a formula
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                    fmt: str) -> Response | None:
    """The table as a ``csv`` or ``xlsx`` download (None for another format)."""
    if fmt == "xlsx":
        return Response(to_xlsx(name, header, rows), mimetype=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    if fmt == "csv":
        return Response(to_csv(header, rows), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"'})
    return None
