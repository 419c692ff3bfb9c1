"""PDF builders: service sheet, invoice, return tag. Pure: data in, bytes out, no I/O.

Every dynamic text is XML-escaped before it reaches reportlab's paragraph markup, so free text
typed by users cannot change the document.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dispatch.pdf import font_name, styles

Data = dict[str, Any]
GRID = TableStyle([
    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7b4")),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef3")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def paragraph(value: Any, style: str = "body") -> Paragraph:
    """Escaped text as a paragraph (line breaks kept)."""
    return Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"),
                     styles()[style])


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table([[c if isinstance(c, Flowable) else paragraph(c) for c in row] for row in rows],
                  colWidths=widths, repeatRows=1 if header else 0)
    style = TableStyle(GRID.getCommands())
    style.add("FONTNAME", (0, 0), (-1, -1), font_name())
    if not header:
        style.add("BACKGROUND", (0, 0), (-1, 0), colors.white)
    table.setStyle(style)
    return table


def table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    """A gridded table of escaped cells (the first row a header unless ``header`` is false)."""
    return _table(rows, widths, header)


class QrCode(Flowable):
    """A QR code drawn as one filled path, one rectangle per run of dark modules (reportlab's
    widget draws one shape per module and tries eight masks, which made it most of an
    invoice's rendering time)."""

    def __init__(self, text: str, size: float):
        super().__init__()
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(text)
        code.version = code.calculate_version()
        code.makeImpl(False, 0)  # a fixed mask: valid, and scanners read it as well
        self.modules, self.size = code.modules, size
        self.width = self.height = size

    def draw(self) -> None:
        count = len(self.modules)
        cell = self.size / (count + 8)  # a four-module quiet zone around the code
        path = self.canv.beginPath()
        for row, cells in enumerate(self.modules):
            col = 0
            while col < count:  # one rectangle per run of dark modules in the row
                if not cells[col]:
                    col += 1
                    continue
                start = col
                while col < count and cells[col]:
                    col += 1
                path.rect((start + 4) * cell, (count - row + 3) * cell, (col - start) * cell, cell)
        self.canv.drawPath(path, stroke=0, fill=1)


def _qr(url: str, size: float = 26 * mm) -> QrCode:
    return QrCode(url, size)


def _header(data: Data, title: str) -> list[Flowable]:
    heading = [paragraph(data["company"], "big"), paragraph(title, "title"),
               paragraph(data["number"], "big")]
    head = Table([[heading, _qr(data["url"])]], colWidths=[150 * mm, 30 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [head, Spacer(1, 3 * mm)]


def _pairs(items: list[tuple[str, Any]]) -> Table:
    rows = [[items[i][0], items[i][1], *(items[i + 1] if i + 1 < len(items) else ("", ""))]
            for i in range(0, len(items), 2)]
    return _table(rows, [28 * mm, 62 * mm, 28 * mm, 62 * mm], header=False)


def service_sheet_flowables(data: Data) -> list[Flowable]:
    """The install dispatch order / repair service order of the rulebook, filled in."""
    labels = data["labels"]
    story = _header(data, data["title"])
    story.append(_pairs([(labels[k], data.get(k)) for k in (
        "customer", "contact", "phone", "plate", "site", "product_model", "purchase_date",
        "technician", "status", "payment")]))
    story += [paragraph(labels["fault"], "h2"), paragraph(data.get("fault") or "—"),
              paragraph(labels["resolution"], "h2"), paragraph(data.get("resolution") or "—"),
              paragraph(labels["timeline"], "h2"),
              _table([[labels["when"], labels["step"], labels["who"]], *data["events"]],
                     [40 * mm, 70 * mm, 70 * mm])]
    if data["swaps"]:
        story += [paragraph(labels["swaps"], "h2"),
                  _table([[labels["device"], labels["old"], labels["new"], labels["reason"]],
                          *data["swaps"]], [25 * mm, 50 * mm, 50 * mm, 55 * mm])]
    if data.get("activation"):
        story += [paragraph(labels["activation"], "h2"), paragraph(data["activation"])]
    if data["pick_list"]:
        story += [paragraph(labels["pick_list"], "h2"),
                  _table([[labels["part"], labels["qty"], labels["from"]], *data["pick_list"]],
                         [100 * mm, 20 * mm, 60 * mm])]
    story += [paragraph(labels["parts_fee"], "h2"),
              _table([[labels["part"], labels["serial"], labels["qty"], labels["unit_price"],
                       labels["amount"]], *data["parts"],
                      ["", "", "", labels["total"], data["total"]]],
                     [60 * mm, 40 * mm, 15 * mm, 30 * mm, 35 * mm])]
    if data.get("photos"):
        story += [paragraph(labels["photos"], "h2"), _photo_row(data["photos"])]
    if data.get("signature"):
        story += [paragraph(labels["signature"], "h2"),
                  Image(io.BytesIO(data["signature"]), width=60 * mm, height=20 * mm,
                        kind="proportional")]
    return story


PHOTO_WIDTH = 43 * mm


def _photo_row(photos: list[tuple[str, bytes]]) -> Table:
    """Up to four photos side by side, each with its caption (before/after)."""
    cells = [[Image(io.BytesIO(content), width=PHOTO_WIDTH, height=PHOTO_WIDTH * 0.75,
                    kind="proportional"), paragraph(caption)] for caption, content in photos]
    row = Table([cells], colWidths=[PHOTO_WIDTH + 2 * mm] * len(cells))
    row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return row


def invoice_flowables(data: Data) -> list[Flowable]:
    labels = data["labels"]
    story = _header(data, labels["invoice"])
    story.append(paragraph(labels["not_fapiao"], "small"))
    if data["void"]:
        story.append(paragraph(f"{labels['void']} — {data['void_reason']}", "title"))
    if data.get("seller"):
        story += [Spacer(1, 2 * mm), _pairs(list(data["seller"]))]
    story.append(_pairs([(labels["customer"], data["customer"]), (labels["date"], data["date"]),
                         (labels["order"], data["order_number"]),
                         (labels["payment"], data["payment"])]))
    story += [Spacer(1, 4 * mm),
              _table([[labels["part"], labels["qty"], labels["unit_price"], labels["amount"]],
                      *data["lines"]], [95 * mm, 20 * mm, 30 * mm, 35 * mm]),
              Spacer(1, 3 * mm),
              _table([[labels["net"], data["net"]], [labels["tax"], data["tax"]],
                      [labels["total"], data["total"]]], [145 * mm, 35 * mm], header=False)]
    return story


def return_tag_flowables(data: Data) -> list[Flowable]:
    """R5: the label tied to a terminal going back to the workshop."""
    labels = data["labels"]
    fault = str(data["fault"] or "")
    if len(fault) > TAG_FAULT_CHARS:
        fault = fault[:TAG_FAULT_CHARS - 1] + "…"
    rows = [[labels[key], value] for key, value in (
        ("plate", data["plate"]), ("old", data["old"]), ("new", data["new"]),
        ("date", data["date"]), ("order", data["order_number"]), ("fault", fault))]
    cells = Table([[paragraph(label, "small"), paragraph(value, "small")] for label, value in rows],
                  colWidths=[20 * mm, 44 * mm])
    cells.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7b4")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    # The label's text and its QR code side by side, so both fit on the one label page.
    body = Table([[cells, _qr(data["url"], 25 * mm)]], colWidths=[65 * mm, 25 * mm])
    body.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [paragraph(labels["return_tag"], "h2"), body]


def render(story_parts: Iterable[list[Flowable]], pagesize: tuple[float, float] = A4,
           margin: float = 15 * mm) -> bytes:
    """One PDF from one or more stories, each starting on a new page."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=margin,
                                 rightMargin=margin, topMargin=margin, bottomMargin=margin)
    story: list[Flowable] = []
    for index, part in enumerate(story_parts):
        if index:
            story.append(PageBreak())
        story.extend(part)
    document.build(story)
    return buffer.getvalue()


def build(builder: Callable[[Data], list[Flowable]], data: Data) -> bytes:
    return render([builder(data)])


TAG_SIZE = (100 * mm, 70 * mm)
#: The fault is cut to what fits in its cell of the label.
TAG_FAULT_CHARS = 60


def build_return_tag(data: Data) -> bytes:
    return render([return_tag_flowables(data)], pagesize=TAG_SIZE, margin=5 * mm)
