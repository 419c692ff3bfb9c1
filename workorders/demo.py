"""Demo work orders: some waiting for approval, some on the dispatcher board, a few assigned,
so a person trying the demo finds every page with something in it."""

from __future__ import annotations

import random

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.registry.models import Customer
from dispatch.technicians.models import Technician
from workorders.assignment import approve, assign
from workorders.intake import create_order

FAULTS = ["终端不上线，平台显示离线超过24小时", "定位漂移严重，轨迹跳点", "断油断电继电器无响应",
          "SIM卡欠费停机后无法恢复上线", "车辆熄火后终端仍耗电，电瓶亏电", "主机指示灯不亮"]


def load_order_demo(rng: random.Random) -> None:
    """Twelve orders through the services, as the demo agent, manager and dispatcher."""
    agent, manager, dispatcher = (db.session.scalars(select(User).where(User.username == name)).one()
                                  for name in ("agent", "manager", "dispatcher"))
    customers = [c for c in db.session.scalars(select(Customer).where(
        Customer.confidentiality == "ordinary").order_by(Customer.id)) if c.vehicles]
    technicians = db.session.scalars(select(Technician).order_by(Technician.id)).all()
    for index in range(12):
        customer = customers[(index * 3) % len(customers)]
        install = index % 4 == 3
        order, _warnings = create_order({
            "kind": "install" if install else "repair", "customer_id": customer.id,
            "plate": customer.vehicles[0].plate, "product_model": "GT06N",
            "fault_description": "" if install else rng.choice(FAULTS),
            "priority": "urgent" if index % 5 == 0 else "normal",
            "purchase_date": "2025-03-01"}, agent)
        if index >= 4:
            approve(order, manager)
        if index >= 9:
            assign(order, technicians[index % len(technicians)].id, dispatcher)
