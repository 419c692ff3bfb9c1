"""Helpers for document tests: complete an order, read PDFs back."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.world import order_on_site, signature_png


def complete_repair_with_swap(world) -> int:
    """A repair with a terminal swap and a part, paid in cash; returns the order id."""
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    assert world.tech.post(f"{base}/swaps", json={
        "kind": "terminal", "old": "HZ00000001", "new": "HZ00000002", "reason": "不上线"}).status_code == 201
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P"}).status_code == 201
    fee = world.tech.get(f"{base}/fee").get_json()["total"]
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端", "payment_method": "cash", "amount_collected": fee,
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    return order_id


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
