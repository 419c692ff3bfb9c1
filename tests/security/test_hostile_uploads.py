"""Hostile uploads through the real endpoints: the customer's signature at completion (a PNG)
and on-site photos (JPEG or PNG). Wrong types, oversize files, decompression bombs, SVG with
script, truncated images and polyglots are each refused with a field error (422, SPEC §8 JSON),
and nothing is stored: no file in the storage folder, no row, no change to the order."""

from __future__ import annotations

import base64
import io
import os
import struct
import zlib
from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import func, select

from dispatch.extensions import db
from tests.world import order_on_site, signature_png
from workorders.models import WorkOrder
from workorders.photos import OrderPhoto

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">'
       b'<script>alert(document.cookie)</script><rect width="300" height="100"/></svg>')
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<html><body><script>alert(1)</script></body></html>"


def image_bytes(fmt: str, size=(300, 100), noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (250, 250, 250))
        for x in range(10, size[0] - 10):
            image.putpixel((x, size[1] // 2), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A small, well-formed PNG (1-bit grey) that inflates to ``width × height`` pixels."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
            + _chunk(b"IEND", b""))


def b64(data: bytes, prefix: str = "") -> str:
    return prefix + base64.b64encode(data).decode()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")

#: name → (base64 text as sent, why it must be refused)
HOSTILE = {
    "jpeg": b64(JPEG),
    "jpeg_as_png_data_url": b64(JPEG, "data:image/png;base64,"),
    "gif": b64(image_bytes("GIF")),
    "bmp": b64(image_bytes("BMP")),
    "webp": b64(image_bytes("WEBP")),
    "text": b64(b"just some text, not an image at all"),
    "pdf": b64(PDF),
    "svg_with_script": b64(SVG),
    "svg_data_url": b64(SVG, "data:image/svg+xml;base64,"),
    "html_data_url": b64(HTML, "data:text/html;base64,"),
    "not_base64": "<script>alert(1)</script>",
    "bomb_400_megapixels": b64(png_bomb(20000, 20000)),
    "bomb_25_megapixels": b64(png_bomb(5000, 5000)),
    "tiny": b64(image_bytes("PNG", size=(4, 4))),
    "truncated_png": b64(PNG[: len(PNG) * 2 // 3]),
    "png_without_end": b64(PNG[:-12]),
    "corrupt_png_crc": b64(PNG[:40] + bytes([PNG[40] ^ 0xFF]) + PNG[41:]),
    "polyglot_png_html": b64(PNG + HTML),
    "polyglot_png_zip": b64(PNG + b"PK\x03\x04" + b"\x00" * 26 + b"evil.php<?php ?>"),
    "empty": "",
}
#: A noisy PNG larger than the signature limit (512 KiB) but a valid image otherwise.
OVERSIZE_SIGNATURE = b64(image_bytes("PNG", size=(430, 430), noise=True))
OVERSIZE_PHOTO = b64(os.urandom(4 * 1024 * 1024 + 1))


def stored_files(category: str) -> list[Path]:
    folder = Path(current_app.config["FILE_STORAGE"]) / category
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["code"] == "validation_failed"
    assert error["fields"].get(field), error


def test_the_upload_checks_accept_what_they_should(world):
    """Control: a real PNG signature and real JPEG/PNG photos are stored."""
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    for image in (b64(JPEG, "data:image/jpeg;base64,"), b64(PNG)):
        assert world.tech.post(f"{base}/photos", json={
            "stage": "before", "image_base64": image}).status_code == 201
    assert len(stored_files("photos")) == 2
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "ok", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": "data:image/png;base64," + signature_png()})
    assert done.status_code == 200, done.get_json()
    assert len(stored_files("signatures")) == 1


def _refusals(send, field: str, cases: dict[str, str]) -> list[str]:
    """Send each case; the names of those not refused with a field error on ``field``."""
    wrong = []
    for name, encoded in cases.items():
        response = send(encoded)
        try:
            assert_field_error(response, field)
        except AssertionError as exc:
            wrong.append(f"{name}: {exc}")
    return wrong


def test_hostile_signatures_are_refused_and_nothing_stored(world):
    on_site = order_on_site(world)

    def send(encoded):
        return world.tech.post(f"/api/v1/workorders/{on_site}/complete", json={
            "resolution": "ok", "payment_method": "none", "amount_collected": "0",
            "signature_png_base64": encoded})

    assert 512 * 1024 < len(base64.b64decode(OVERSIZE_SIGNATURE)) < 600_000  # past the service's
    wrong = _refusals(send, "signature", {**HOSTILE, "oversize": OVERSIZE_SIGNATURE})
    # far past the limit the request schema already refuses it (a field error all the same)
    wrong += _refusals(send, "signature_png_base64", {"huge": b64(os.urandom(700_000))})
    assert not wrong, "\n".join(wrong)
    db.session.expire_all()
    order = db.session.get(WorkOrder, on_site)
    assert order.status == "on_site" and order.signature_path is None
    assert stored_files("signatures") == []


def test_hostile_photos_are_refused_and_nothing_stored(world):
    on_site = order_on_site(world)

    def send(encoded):
        return world.tech.post(f"/api/v1/workorders/{on_site}/photos", json={
            "stage": "before", "image_base64": encoded})

    cases = {name: encoded for name, encoded in HOSTILE.items()
             if name not in ("jpeg", "jpeg_as_png_data_url")}  # JPEG is a photo type
    noisy_jpeg = image_bytes("JPEG", size=(400, 300), noise=True)
    cases.update(oversize=OVERSIZE_PHOTO, polyglot_jpeg_html=b64(JPEG + HTML),
                 polyglot_jpeg_zip=b64(JPEG + b"PK\x03\x04" + b"\x00" * 26),
                 truncated_jpeg=b64(noisy_jpeg[:-2000]))
    wrong = _refusals(send, "image_base64", cases)
    assert not wrong, "\n".join(wrong)
    assert db.session.scalar(select(func.count()).select_from(OrderPhoto)) == 0
    assert stored_files("photos") == []
