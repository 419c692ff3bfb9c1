"""Backups: the database and the stored files (signatures, photos, PDFs) in one archive.

SQLite is copied with its online backup API (consistent while the app runs). PostgreSQL is
dumped with ``pg_dump`` (custom format) when the client tools are installed; the README gives
the manual recipe. ``restore`` refuses to overwrite a database that already has data unless
told to.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dispatch import storage
from dispatch.extensions import db

DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_args(url) -> list[str]:
    return ["--dbname", url.set(drivername="postgresql").render_as_string(hide_password=False)]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ValueError(f"{name} is not installed (Debian package postgresql-client)")
    return path


def backup(target_dir: Path) -> Path:
    """Write ``dispatch-backup-<UTC time>.tar.gz`` into ``target_dir``; returns its path."""
    url = _url()
    backend = url.get_backend_name()
    target_dir.mkdir(parents=True, exist_ok=True)
    archive = target_dir / f"dispatch-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DATABASE_MEMBER[backend]
        if backend == "sqlite":
            with sqlite3.connect(url.database) as source, sqlite3.connect(dump) as copy:
                source.backup(copy)
        else:
            subprocess.run([_tool("pg_dump"), "--format=custom", "--file", str(dump), *_pg_args(url)],
                           check=True)
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            tar.add(storage.root(), arcname="files")
    return archive


def restore(archive: Path, force: bool = False) -> None:
    """Put the archive's database and files back (into an empty database unless ``force``)."""
    url = _url()
    backend = url.get_backend_name()
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(work, filter="data")
        dump = Path(work) / DATABASE_MEMBER[backend]
        if not dump.exists():
            raise ValueError(f"{archive.name} holds no {backend} database")
        if backend == "sqlite":
            target = Path(url.database)
            if target.exists() and target.stat().st_size and not force:
                raise FileExistsError(f"{target} exists; use --force to replace it")
            with sqlite3.connect(dump) as source, sqlite3.connect(target) as copy:
                source.backup(copy)
        else:
            if _has_schema() and not force:
                raise FileExistsError(f"{url.database} already has tables; use --force to replace")
            db.session.remove()  # our own open transactions would block pg_restore's locks
            db.engine.dispose()
            subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                            *_pg_args(url), str(dump)], check=True)
        files = Path(work) / "files"
        if files.exists():
            shutil.copytree(files, storage.root(), dirs_exist_ok=True)


def _has_schema() -> bool:
    found = db.session.execute(text("SELECT to_regclass('public.work_orders')")).scalar()
    db.session.rollback()
    return found is not None


def describe(archive: Path) -> list[str]:
    with tarfile.open(archive, "r:gz") as tar:
        return [member.name for member in tar.getmembers() if member.isfile()]



