"""Files kept beside the database (signatures, photos, PDFs) under ``instance/files``.

Paths stored in the database are relative to the storage root, so a backup of the database
and that folder restores everything. Writes go to a temporary file then are renamed, so a
crash never leaves half a file under the final name.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

MAX_SIGNATURE_BYTES = 512 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096
CHUNK = 1024 * 1024


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


class TooLarge(ValueError):
    """A stream was longer than the limit it was saved with."""


def save_stream(category: str, stream: IO[bytes], suffix: str,
                max_bytes: int | None = None) -> tuple[str, str, int]:
    """Store what ``stream`` holds under ``category/`` by content hash, copied in chunks (an
    upload of many megabytes never sits whole in memory); returns the relative path, the
    SHA-256 and the size. More than ``max_bytes`` raises :class:`TooLarge` and keeps nothing."""
    folder = root() / category
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".upload")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(size)
                digest.update(chunk)
                out.write(chunk)
        hexdigest = digest.hexdigest()
        relative = f"{category}/{hexdigest[:2]}/{hexdigest}{suffix}"
        target = root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return relative, hexdigest, size


def path_of(relative: str) -> Path:
    """The stored file's path (for reading it as a stream); it must lie under the root."""
    base = root().resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise FileNotFoundError(relative)
    return path


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


#: A signature's ink: pixels darker than this (0 black – 255 white, over a white page) …
INK_LEVEL = 160
#: … of which a signature needs at least this many, and this share of the image.
MIN_INK_PIXELS = 30
MIN_INK_SHARE = 0.001


def decode_signature(encoded: str) -> bytes:
    """:func:`decode_png` for the customer's signature, which needs ink: a blank, white or
    fully transparent image is refused (R7)."""
    data = decode_png(encoded)
    with Image.open(io.BytesIO(data)) as image:
        page = Image.new("RGBA", image.size, "white")
        page.alpha_composite(image.convert("RGBA"))
        grey = page.convert("L")
        histogram = grey.histogram()
    ink = sum(histogram[:INK_LEVEL])
    if ink < max(MIN_INK_PIXELS, MIN_INK_SHARE * grey.width * grey.height):
        raise ValueError(_l("The signature is blank: ask the customer to sign."))
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
