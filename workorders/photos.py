"""Photos taken on site (before/after), stored beside the database and seen by the order's
viewers only."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from dispatch import storage
from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import Model, db
from dispatch.text import choice
from dispatch.timeutil import UTCDateTime, utcnow
from workorders.lifecycle import record
from workorders.models import WorkOrder
from workorders.onsite import require_on_site

STAGES = ("before", "after")
MAX_PHOTO_BYTES = 4 * 1024 * 1024


class OrderPhoto(Model):
    __tablename__ = "order_photos"
    __table_args__ = (CheckConstraint("stage IN ('before', 'after')", name="stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"),
                                          index=True)
    stage: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _decode_jpeg(encoded: Any) -> tuple[bytes, tuple[int, int]]:
    text = str(encoded or "").strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if header not in ("data:image/jpeg;base64", "data:image/png;base64"):
            raise ValueError(_l("Unsupported image type."))
    if not text:
        raise ValueError(_l("The photo is missing."))
    if len(text) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise ValueError(_l("The image is too large."))
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(_l("The photo is not valid base64.")) from exc
    size = storage.check_image(data, formats=("JPEG", "PNG"), max_bytes=MAX_PHOTO_BYTES)
    return data, size


def add_photo(order: WorkOrder, user: User, data: Mapping[str, Any]) -> OrderPhoto:
    """Store a before/after photo of the job (type, size and pixels checked)."""
    require_on_site(order, user)
    errors = FieldErrors()
    stage = errors.check("stage", choice, data.get("stage"), STAGES)
    image = errors.check("image_base64", _decode_jpeg, data.get("image_base64"))
    errors.raise_if_any()
    content, (width, height) = image
    suffix = ".jpg" if content[:2] == b"\xff\xd8" else ".png"
    photo = OrderPhoto(order_id=order.id, stage=stage, path=storage.save("photos", content, suffix),
                       width=width, height=height, taken_by_id=user.id)
    db.session.add(photo)
    db.session.flush()
    record(order, "photo", user, note=f"{stage} #{photo.id}")
    return photo


def photos_of(order: WorkOrder) -> list[OrderPhoto]:
    return list(db.session.scalars(select(OrderPhoto).where(OrderPhoto.order_id == order.id)
                                   .order_by(OrderPhoto.id)))
