"""Customer-care records: complaints and their follow-ups, repair callbacks, quarterly audit
re-checks, and the incentive tables (service points per kind, safety incidents)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.models import User
from dispatch.extensions import Model, in_values
from dispatch.registry.models import Customer
from dispatch.technicians.models import Technician
from dispatch.timeutil import UTCDateTime, utcnow
from workorders.models import KINDS, WorkOrder

CHANNELS = ("hotline", "mail", "web", "walk_in", "other")
SEVERITIES = ("minor", "major", "critical")
COMPLAINT_STATUSES = ("open", "escalated", "resolved", "closed")
CAUSES = ("device", "sim", "installation", "service", "billing", "other")
DEPARTMENTS = ("customer_service", "field_service", "warehouse", "finance", "vendor", "customer")
AUDIT_RESULTS = ("pending", "ok", "issue")



#: R15: a clear answer within 3 calendar days of registration.
ANSWER_DAYS = 3


def _answer_due(context: Any) -> datetime:
    """``answer_due_at`` when the writer gives none: registration + 3 days."""
    received = context.get_current_parameters().get("received_at") or utcnow()
    return received + timedelta(days=ANSWER_DAYS)


class Complaint(Model):
    """R15–R17: a registered complaint, its flow by severity, reply promise and responsibility."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(in_values("channel", CHANNELS), name="channel_known"),
        CheckConstraint(in_values("severity", SEVERITIES), name="severity_known"),
        CheckConstraint(in_values("status", COMPLAINT_STATUSES), name="status_known"),
        CheckConstraint(f"cause IS NULL OR {in_values('cause', CAUSES)}", name="cause_known"),
        CheckConstraint(f"responsible_department IS NULL OR "
                        f"{in_values('responsible_department', DEPARTMENTS)}", name="department_known"),
        CheckConstraint("status NOT IN ('resolved', 'closed') OR resolved_at IS NOT NULL",
                        name="resolved_has_time"),
        CheckConstraint("due_at > received_at", name="due_after_received"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    workorder_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    description: Mapped[str] = mapped_column(Text)
    overseas: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: R15: a clear answer within 3 calendar days of registration.
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, default=_answer_due)
    promised_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(String(12))
    responsible_department: Mapped[str | None] = mapped_column(String(20))
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: R13: the employee who answers for it until it is closed (the registering one at first).
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    workorder: Mapped[WorkOrder | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
    follow_ups: Mapped[list[ComplaintFollowUp]] = relationship(
        back_populates="complaint", order_by="ComplaintFollowUp.id", cascade="all, delete-orphan")
    promises: Mapped[list[ComplaintPromise]] = relationship(
        back_populates="complaint", order_by="ComplaintPromise.id", cascade="all, delete-orphan")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}  # type: ignore[misc]


class ComplaintPromise(Model):
    """R16: a reply time promised to the customer; a later promise replaces an earlier one."""

    __tablename__ = "complaint_promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    promised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    complaint: Mapped[Complaint] = relationship(back_populates="promises")
    user: Mapped[User] = relationship()


class ComplaintFollowUp(Model):
    """R16: a call back to the customer after the complaint was resolved (one or two)."""

    __tablename__ = "complaint_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reached: Mapped[bool]
    satisfied: Mapped[bool | None]
    notes: Mapped[str] = mapped_column(String(1000), default="")

    complaint: Mapped[Complaint] = relationship(back_populates="follow_ups")
    user: Mapped[User] = relationship()


class Callback(Model):
    """R14: one attempt to call the customer of a completed repair order."""

    __tablename__ = "callbacks"
    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)",
                        name="satisfaction_range"),
        CheckConstraint("reached OR satisfaction IS NULL", name="satisfaction_needs_reach"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reached: Mapped[bool]
    satisfaction: Mapped[int | None]
    notes: Mapped[str] = mapped_column(String(1000), default="")

    workorder: Mapped[WorkOrder] = relationship()
    user: Mapped[User] = relationship()


class CallbackDecision(Model):
    """R14: after the set number of failed callback attempts, a manager's decision (with its
    reason) that the repair closes without the customer reached."""

    __tablename__ = "callback_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(300))

    decided_by: Mapped[User] = relationship()


class AuditCheck(Model):
    """R14: one repair order drawn into a quarter's audit sample and its re-check result."""

    __tablename__ = "audit_checks"
    __table_args__ = (CheckConstraint(in_values("result", AUDIT_RESULTS), name="result_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    seed: Mapped[int]
    workorder_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    result: Mapped[str] = mapped_column(String(8), default="pending")
    notes: Mapped[str] = mapped_column(String(1000), default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workorder: Mapped[WorkOrder] = relationship()
    checked_by: Mapped[User | None] = relationship()


class ServicePoints(Model):
    """R19: the coefficient table, service points one completed order of a kind earns."""

    __tablename__ = "service_points"
    __table_args__ = (
        CheckConstraint(in_values("kind", KINDS), name="kind_known"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class SafetyIncident(Model):
    """R19: a safety incident costs the technician two points in its month."""

    __tablename__ = "safety_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    technician: Mapped[Technician] = relationship()
