"""Customer-care demo data: a few complaints in their different states, the coefficients."""

from __future__ import annotations

import random

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.registry.models import Customer
from workorders.care.complaints import register_complaint, resolve_complaint
from workorders.care.incentives import DEFAULT_POINTS, coefficients, set_service_points

COMPLAINTS = [
    ("minor", "hotline", "安装师傅迟到一小时，未提前电话通知。", "已致歉，并提醒师傅提前联系客户。"),
    ("major", "mail", "维修后终端仍频繁掉线，车辆位置一天内多次丢失。", None),
    ("critical", "hotline", "车辆被盗，定位平台无法追踪，客户要求立即处理。", None),
    ("minor", "web", "发票抬头开错，需要重开。", None),
]


def load_care_demo(rng: random.Random) -> None:
    """Register the demo complaints as the demo agent (one escalated one is resolved), and
    fill the coefficient table if it is empty."""
    agent = db.session.scalars(select(User).where(User.username == "agent")).one()
    manager = db.session.scalars(select(User).where(User.username == "manager")).one()
    if not coefficients():
        set_service_points(DEFAULT_POINTS, manager)
    customers = db.session.scalars(select(Customer).where(Customer.confidentiality == "ordinary")
                                   .order_by(Customer.id)).all()
    for index, (severity, channel, text, resolution) in enumerate(COMPLAINTS):
        complaint = register_complaint(
            {"customer_id": rng.choice(customers).id, "severity": severity, "channel": channel,
             "description": text, "resolution": resolution or ""}, agent)
        if index == 1:
            resolve_complaint(complaint, {"resolution": "更换天线并升级固件，客户确认恢复。",
                                          "cause": "device", "responsible_department": "vendor"},
                              manager)
