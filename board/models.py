"""Day plans solved in the background (issue 23): one row per request, with its progress while
the solver runs and the proposal it found, until a dispatcher accepts it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import Model, in_values
from dispatch.timeutil import UTCDateTime, utcnow

PLAN_STATUSES = ("queued", "running", "done", "failed", "accepted")
PLAN_METHODS = ("joint", "greedy")


class DayPlanRun(Model):
    __tablename__ = "day_plan_runs"
    __audit__ = False  # a working record; accepting it assigns orders, and that is audited
    __table_args__ = (
        CheckConstraint(in_values("status", PLAN_STATUSES), name="status_known"),
        CheckConstraint("budget_seconds > 0", name="budget_positive"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        Index("ix_day_plan_runs_day_created", "day", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: What was asked: the orders and technicians to plan (None: every one that fits), the budget.
    order_ids: Mapped[list[int] | None] = mapped_column(JSON)
    technician_ids: Mapped[list[int] | None] = mapped_column(JSON)
    budget_seconds: Mapped[float] = mapped_column(Float)
    #: While it runs: percent of the budget spent, seconds so far, today's plan and the best
    #: total driving found so far (km).
    progress: Mapped[int] = mapped_column(default=0)
    elapsed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    greedy_km: Mapped[float | None] = mapped_column(Float)
    best_km: Mapped[float | None] = mapped_column(Float)
    #: Which plan is proposed: the joint solve's, or today's when the solve found nothing better.
    method: Mapped[str | None] = mapped_column(String(10))
    #: The proposal, as the API shows it (orders named, routes from their start point).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
