"""Many rows into one table at once, in the session's transaction: the quickest way each database
has, for writers of tens of thousands of rows (the installed-base import and its audit rows).

- **SQLite**: one executemany of the driver. A new row takes ``max(id) + 1``, and from its first insert the
  transaction holds the database's write lock, so the rows' ids are the last ones, in order
  (checked on the first row).
- **PostgreSQL**: ``COPY … FROM STDIN`` (several times quicker than an executemany, let alone
  ``INSERT … RETURNING``), the ids first reserved from the table's sequence.

Values go through the columns' own types first (``UTCDateTime``, ``JSON``…), so the rows read
back exactly as if the ORM had written them; a value the previous row of the column had too
(the very object: the batch's clock, None) is converted once.

A writer that grows tables by batches also keeps PostgreSQL's statistics up with them
(:func:`keep_statistics`): autovacuum comes too late in one long import, and a table never
analysed since it was small is looked up by sequential scans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from dispatch.extensions import db

_UNSET = object()
#: Rows a table grows by, at least, before its statistics are taken again.
STATISTICS_GROWTH = 500


def keep_statistics(state: dict[str, list[int]], added: Mapping[str, int]) -> list[str]:
    """PostgreSQL: ``ANALYZE`` (in the session's transaction) the tables of ``added`` (table →
    rows just inserted) that grew by half, and at least :data:`STATISTICS_GROWTH` rows, since
    their statistics were last taken; the tables analysed. ``state`` (table → [rows then,
    rows added since]) is the writer's, kept from batch to batch.

    Without it, a table filled by one long import keeps the statistics of when it was empty
    (autovacuum analyses it minutes later, if the import has not ended by then): its lookups
    by ``IN (…)`` on a unique index are planned as sequential scans, each batch reading the
    whole table — an import's time then grows with the square of its rows. Growth by half
    means a few analyses per table and run (each samples at most 30,000 rows)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return []  # SQLite plans these lookups by the unique index without statistics
    due = []
    for table, count in added.items():
        if count <= 0:
            continue
        entry = state.get(table)
        if entry is None:
            known = connection.execute(
                text("SELECT greatest(reltuples, 0)::bigint FROM pg_class "
                     "WHERE oid = to_regclass(:t)"), {"t": table}).scalar()
            entry = state[table] = [int(known or 0), 0]
        entry[1] += count
        if entry[1] >= max(STATISTICS_GROWTH, entry[0] // 2):
            due.append(table)
            entry[0], entry[1] = entry[0] + entry[1], 0
    if due:
        connection.execute(text("ANALYZE " + ", ".join(f'"{table}"' for table in due)))
    return due


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], ids: bool = False,
                key: Sequence[str] = ()) -> list[int]:
    """Insert ``rows`` (dicts with the same columns) into ``table``. With ``ids``, return their
    new ids in order (``key``: columns the SQLite check compares on the first row)."""
    if not rows:
        return []
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]

    # The last value each column converted and what it became: rows share many values (the
    # batch's clock, the import's user, None), each then converted once, not once a row.
    memos: list[list[Any]] = [[_UNSET, None] for _ in names]

    def convert(index: int, value: Any) -> Any:
        memo = memos[index]
        if value is not memo[0]:
            memo[0], memo[1] = value, processors[index](value)  # type: ignore[misc]
        return memo[1]

    plain = [process is None for process in processors]

    def values(row: dict[str, Any]) -> list[Any]:
        return [row[name] if plain[index] else convert(index, row[name])
                for index, name in enumerate(names)]

    if dialect.name != "postgresql":
        # The driver's own executemany, the values converted by their types as SQLAlchemy
        # would (a third quicker than its executemany for these many rows).
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        where = [names.index(name) for name in compiled.positiontup or ()]
        connection.exec_driver_sql(compiled.string, [
            tuple(converted[index] for index in where)
            for converted in map(values, rows)])
        if not ids:
            return []
        last = connection.execute(select(func.max(table.c.id))).scalar_one()
        first = last - len(rows) + 1
        check = connection.execute(select(*(table.c[name] for name in key))
                                   .where(table.c.id == first)).one()
        if tuple(check) != tuple(rows[0][name] for name in key):
            raise RuntimeError(f"the new rows of {table.name} did not take the last ids")
        return list(range(first, last + 1))
    new_ids: list[int] = []
    if ids:
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                      {"t": table.name}).scalar_one()
        new_ids = list(connection.execute(
            text("SELECT nextval(:s) FROM generate_series(1, :n)"),
            {"s": sequence, "n": len(rows)}).scalars())
    columns = ", ".join(f'"{name}"' for name in (["id", *names] if ids else names))
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for number, row in enumerate(rows):
                copy.write_row([new_ids[number], *values(row)] if ids else values(row))
    except dialect.loaded_dbapi.Error as exc:  # what SQLAlchemy raises (IntegrityError…)
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()
    return new_ids
