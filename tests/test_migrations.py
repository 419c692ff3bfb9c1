"""The migrations build exactly the schema the models describe, and each one undoes cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from dispatch import create_app
from dispatch.extensions import db
from tests.conftest import PG_SERVER, _settings


@pytest.fixture
def empty_database(backend, tmp_path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"dispatch_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _schema() -> dict[str, tuple]:
    """Tables with their columns and indexes, as the database reports them."""
    found = inspect(db.engine)
    return {table: (sorted(column["name"] for column in found.get_columns(table)),
                    sorted((index["name"], tuple(index["column_names"]), bool(index["unique"]))
                           for index in found.get_indexes(table)))
            for table in found.get_table_names() if table != "alembic_version"}


def test_migrations_match_the_models_and_each_downgrade_restores_the_schema_before_it(
        empty_database):
    app = create_app(_settings(empty_database))
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        revisions = [r.revision for r in reversed(list(ScriptDirectory.from_config(config)
                                                        .walk_revisions()))]
        assert len(revisions) >= 10
        before: dict[str, dict] = {}
        for revision in revisions:
            before[revision] = _schema()
            upgrade(revision=revision)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        for revision in reversed(revisions):
            downgrade(revision="-1")
            assert _schema() == before[revision], f"downgrade of {revision}"
        db.engine.dispose()
