"""Import runs and their row problems.

A run is itself the record of what an import did (who, when, which file, what it counted), so
neither table is audited: the records an import writes are, each audit row naming the run and
the row (``import #12 row 57``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.models import User
from dispatch.extensions import Model, in_values
from dispatch.timeutil import UTCDateTime, utcnow

RUN_STATUSES = ("queued", "running", "done", "failed")
FORMATS = ("csv", "xlsx")
ENCODINGS = ("auto", "utf-8", "gb18030")


class ImportRun(Model):
    __tablename__ = "import_runs"
    __audit__ = False  # the run is the log of the import; what it writes is audited
    __table_args__ = (
        CheckConstraint(in_values("status", RUN_STATUSES), name="status_known"),
        CheckConstraint(in_values("file_format", FORMATS), name="format_known"),
        CheckConstraint("processed >= 0 AND processed <= rows", name="progress_range"),
        Index("ix_import_runs_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The upload: its name as sent, where it is stored (``dispatch.storage``), its SHA-256 and size.
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(4))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    #: The encoding asked for (auto, utf-8, gb18030) and the one the file was read with.
    encoding: Mapped[str] = mapped_column(String(10), default="auto")
    detected_encoding: Mapped[str | None] = mapped_column(String(10))
    dry_run: Mapped[bool] = mapped_column(default=False)
    #: The language of whoever started it: row problems are written in it.
    locale: Mapped[str] = mapped_column(String(10), default="en")
    #: The dry run whose file this run applies.
    source_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: Why a run failed (the file could not be read, the server failed…).
    error: Mapped[str | None] = mapped_column(Text)
    #: Data rows in the file (blank rows not counted) and how many are done.
    rows: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    #: record kind → count, e.g. ``{"customers": 3, "vehicles": 10, …}``.
    created: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Records the file named that were already as it says.
    unchanged_records: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Rows that changed nothing, and rows refused (listed in ``import_problems``).
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    #: Header cells that are none of the kind's columns (reported once, ignored).
    unknown_columns: Mapped[list[str]] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship()


class ImportProblem(Model):
    """One problem of a refused row (a row may have several, one per column)."""

    __tablename__ = "import_problems"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"),
                                        index=True)
    row: Mapped[int]
    field: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(String(500))
