"""Gapless counters for human-readable numbers (orders, invoices, complaints).

``next_value`` increments a named counter inside the caller's transaction with a single
``UPDATE … RETURNING``, which takes the row lock on PostgreSQL and the write lock on SQLite: two
transactions can never get the same value, and a rolled-back transaction gives its value back,
so the numbers have no gaps.
"""

from __future__ import annotations

from sqlalchemy import String, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import Model, db


class Sequence(Model):
    __tablename__ = "sequences"
    __audit__ = False

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(name: str) -> int:
    """The next value of counter ``name`` (1 for a new counter), within the current transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Sequence).values(name=name, value=0).on_conflict_do_nothing())
    statement = (update(Sequence).where(Sequence.name == name)
                 .values(value=Sequence.value + 1).returning(Sequence.value))
    return db.session.execute(statement).scalar_one()
