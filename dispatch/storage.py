"""Files kept beside the database (signatures, photos, PDFs) under ``instance/files``.

Paths stored in the database are relative to the storage root, so a backup of the database
and that folder restores everything. Writes go to a temporary file then are renamed, so a
crash never leaves half a file under the final name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

MAX_SIGNATURE_BYTES = 512 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096


def root() -> Path:
    configured = current_app.config.get("FILE_STORAGE")
    path = Path(configured) if configured else Path(current_app.instance_path) / "files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(category: str, data: bytes, suffix: str) -> str:
    """Store ``data`` under ``category/`` by content hash; returns the relative path."""
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{category}/{digest[:2]}/{digest}{suffix}"
    target = root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    return relative


def load(relative: str) -> bytes:
    base = root().resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise FileNotFoundError(relative)
    return path.read_bytes()


def decode_png(encoded: str, *, max_bytes: int = MAX_SIGNATURE_BYTES) -> bytes:
    """A base64 PNG (``data:`` prefix allowed) checked for type, size and pixel count."""
    text = (encoded or "").strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if header not in ("data:image/png;base64",):
            raise ValueError(_l("The signature must be a PNG image."))
    if not text:
        raise ValueError(_l("The customer's signature is missing."))
    if len(text) > max_bytes * 4 // 3 + 4:
        raise ValueError(_l("The image is too large."))
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(_l("The signature is not valid base64.")) from exc
    check_image(data, formats=("PNG",), max_bytes=max_bytes)
    return data


_NOT_AN_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                 Image.DecompressionBombError, Image.DecompressionBombWarning)


def check_image(data: bytes, *, formats: tuple[str, ...], max_bytes: int) -> tuple[int, int]:
    """Refuse anything that is not a well-formed image of ``formats`` within the limits.

    The header is read first (type and declared size, so a decompression bomb is refused
    before any pixel is decoded), then the whole image is decoded (a truncated or corrupt
    file is refused), and nothing may follow the image's end (a polyglot: an image with a
    page, script or archive appended)."""
    if len(data) > max_bytes:
        raise ValueError(_l("The image is too large."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
        except _NOT_AN_IMAGE as exc:
            raise ValueError(_l("The file is not a valid image.")) from exc
        if kind not in formats:
            raise ValueError(_l("Unsupported image type."))
        if width * height > MAX_IMAGE_PIXELS or width < 10 or height < 10:
            raise ValueError(_l("The image dimensions are not acceptable."))
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
        except _NOT_AN_IMAGE as exc:
            raise ValueError(_l("The file is not a valid image.")) from exc
    if _image_end(data, kind) != len(data):
        raise ValueError(_l("The file has data after the end of the image."))
    return width, height


def _image_end(data: bytes, kind: str | None) -> int:
    """Offset just past the image's last byte: PNG's ``IEND`` chunk, JPEG's EOI marker."""
    if kind == "PNG":
        offset = 8
        while offset + 8 <= len(data):
            length = int.from_bytes(data[offset:offset + 4], "big")
            chunk = data[offset + 4:offset + 8]
            offset += 12 + length
            if chunk == b"IEND":
                return offset
        return -1
    if kind == "JPEG":
        return len(data) if data.endswith(b"\xff\xd9") else -1
    return len(data)
