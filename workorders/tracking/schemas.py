"""Shapes of the tracking API (types and lengths only; rules stay in the services)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, Raw, String
from apiflask.validators import Length, OneOf

from dispatch.tracking.platform import STATES
from workorders.tracking.activation import STATUSES


class ActivationOut(Schema):
    status = String(required=True, validate=OneOf(STATUSES))
    unique_id = String(allow_none=True)
    last_fix_at = String(allow_none=True, metadata={"format": "date-time"})
    distance_m = Integer(allow_none=True)
    checked_at = String(required=True, metadata={"format": "date-time"})
    platform = String(validate=OneOf(STATES))


class CommandIn(Schema):
    type = String(required=True, validate=Length(min=1, max=40))
    server = String(load_default=None, validate=Length(max=200))
    port = Raw(load_default=None, metadata={"description": "a number from 1 to 65535"})
    data = String(load_default=None, validate=Length(max=200))


class ResolveIn(Schema):
    note = String(load_default=None, validate=Length(max=200))
