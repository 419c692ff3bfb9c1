"""Schema pieces shared by every API package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from apiflask import Schema
from apiflask.fields import Date, Decimal, Integer, Raw, String
from apiflask.validators import Length, Range
from flask import current_app
from marshmallow import ValidationError, missing
from sqlalchemy import Select
from werkzeug.routing import IntegerConverter

from dispatch.extensions import db
from dispatch.money import money_text
from dispatch.validators import parse_date, parse_month

#: The largest id a table holds (PostgreSQL ``integer``): a bigger number names nothing, and
#: sending it to the database would fail ("integer out of range") instead of finding nothing.
MAX_ID = 2**31 - 1


def id_field(**kwargs: Any) -> Integer:
    """An input field holding the id of a row: 1 … ``MAX_ID``."""
    return Integer(validate=Range(min=1, max=MAX_ID), **kwargs)


class Day(Date):
    """An input day, read by :func:`~dispatch.validators.parse_date` like every date the
    services accept (1990–2100), so no far-off year reaches time-zone arithmetic."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        try:
            return parse_date(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class Month(String):
    """An input month ``YYYY-MM``, read by :func:`~dispatch.validators.parse_month`
    (1990–2100); loaded as its canonical text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            year, month = parse_month(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return f"{year:04d}-{month:02d}"


def day_field(**kwargs: Any) -> Day:
    """An input date (a day in filters and requests)."""
    return Day(**kwargs)


def month_field(**kwargs: Any) -> Month:
    """An input month (statistics, incentives, the invoice pack)."""
    return Month(**kwargs)


#: How the OpenAPI document shows money, in and out: a string with two decimals (SPEC §8),
#: never a number (a generated client would read it as a float).
MONEY_DOC = {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+\.[0-9]{2}$",
             "example": "120.00"}


class Money(Decimal):
    """Money out of the API: a string with two decimals (``"120.00"``, :func:`money_text`).
    ``of`` computes the amount from the object instead of reading the field's attribute."""

    def __init__(self, *, of: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        metadata = {**MONEY_DOC, **kwargs.pop("metadata", {})}
        super().__init__(places=2, as_string=True, metadata=metadata, **kwargs)
        self.of = of

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = missing) -> Any:
        if self.of is not None:
            return self.of(obj)
        return super().get_value(obj, attr, accessor=accessor, default=default)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return money_text(value)


#: An input amount as documented: a decimal string with at most two decimals.
MONEY_IN_DOC = {**MONEY_DOC, "pattern": r"^[0-9]+(\.[0-9]{1,2})?$",
                "description": "money, e.g. \"120.00\""}
#: The same, where a sign is allowed (adjustments).
SIGNED_MONEY_IN_DOC = {**MONEY_IN_DOC, "pattern": r"^-?[0-9]+(\.[0-9]{1,2})?$"}


def money_in(**kwargs: Any) -> Raw:
    """An input amount: documented as a decimal string (``"120.00"``); the service parses it
    (:func:`dispatch.money.parse_money`, which also takes a JSON number)."""
    return Raw(metadata=MONEY_IN_DOC, **kwargs)


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: at most ``MAX_ID``, so a larger number is a plain 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class PageQuery(Schema):
    q = String(load_default="", validate=Length(max=100))
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))


def paginate(query: Select[Any], args: dict[str, Any]) -> dict[str, Any]:
    """``{items, total, page, per_page}`` for one page of ``query``."""
    per_page = args.get("per_page") or current_app.config["PAGE_SIZE"]
    page = db.paginate(query, page=args.get("page", 1), per_page=per_page, error_out=False)
    return {"items": list(page.items), "total": page.total,
            "page": page.page, "per_page": per_page}
