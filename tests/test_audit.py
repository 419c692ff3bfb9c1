"""The audit log names the record of every change, created ones included."""

from sqlalchemy import select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.registry.models import Customer


def test_a_created_record_is_audited_under_its_id_and_so_are_its_later_changes(app):
    customer = Customer(name="杭州顺达物流有限公司", contact_name="王伟", phone="+8613800138000",
                        address="杭州市西湖区文三路100号")
    db.session.add(customer)
    db.session.commit()
    customer.address = "杭州市滨江区江南大道1号"
    db.session.commit()
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "customers")
                              .order_by(AuditLog.id)).all()
    assert [(r.action, r.entity_id) for r in rows] == [("create", str(customer.id)),
                                                       ("update", str(customer.id))]
    assert rows[0].after["name"] == "杭州顺达物流有限公司"
