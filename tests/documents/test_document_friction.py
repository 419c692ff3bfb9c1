"""Documents a user reads: the return tag on one label page with its QR code, the invoice
with the seller's identity and labelled as not a tax fapiao."""

from __future__ import annotations

import io

from pypdf import PdfReader

from dispatch.jobs import outbox
from tests.documents.conftest import complete_repair_with_swap, pdf_text
from workorders.documents import pdfs
from workorders.documents.jobs import L


def _documents(api, order_id):
    outbox.drain()
    return {d["kind"]: d for d in api.get(f"/api/v1/workorders/{order_id}/documents").get_json()["items"]}


def test_the_return_tag_fits_one_label_page_even_with_a_long_fault(app):
    with app.app_context():
        data = {"labels": L, "plate": "浙A12345", "fault": "终端不上线，指示灯不亮。" * 20,
                "old": "HZ00000001", "new": "HZ00000002", "date": "2026-12-01",
                "order_number": "WO-2612-00001", "url": "http://127.0.0.1:5000/workorders/1"}
        reader = PdfReader(io.BytesIO(pdfs.build_return_tag(data)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == tuple(
        round(side) for side in pdfs.TAG_SIZE)
    content = reader.pages[0].get_contents().get_data()
    assert content.count(b" re") > 100  # the QR code's modules are drawn on the page
    assert "HZ00000001" in reader.pages[0].extract_text()


def test_the_invoice_names_the_seller_and_is_not_a_fapiao(world, app):
    app.config.update(DISPATCH_SELLER_NAME="杭州示例定位科技有限公司",
                      DISPATCH_SELLER_TAX_ID="91330100MA2XXXXX1K",
                      DISPATCH_SELLER_ADDRESS="杭州市西湖区文三路1号",
                      DISPATCH_SELLER_BANK="招商银行杭州分行 5719 0000 0000")
    order_id = complete_repair_with_swap(world)
    docs = _documents(world.tech, order_id)
    text = pdf_text(world.agent.get(docs["invoice_pdf"]["url"]).data)
    for expected in ("杭州示例定位科技有限公司", "91330100MA2XXXXX1K", "杭州市西湖区文三路1号",
                     "招商银行杭州分行", "not a tax fapiao", "不是增值税发票"):
        assert expected in text, expected
    tag = PdfReader(io.BytesIO(world.agent.get(docs["return_tag"]["url"]).data))
    assert len(tag.pages) == 1
