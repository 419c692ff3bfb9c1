"""``flask --app dispatch …`` commands: accounts, demo data, workers, backups (the app shell:
may import every room)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from dispatch import planner_stats
from dispatch.auth.roles import ROLES
from dispatch.errors import ValidationFailed
from dispatch.extensions import db
from dispatch.jobs.worker import sweep_command, worker_command
from workorders.care.cli import monthly_report_command


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="A role to grant; repeat for several.")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--name", default="", help="Display name.")
@with_appcontext
def create_user_command(username: str, roles: tuple[str, ...], password: str, name: str) -> None:
    """Create a user without prompting."""
    from dispatch.auth.services import create_user

    try:
        user = create_user(username, password, roles, name=name)
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(f"Created user {user.username} with roles {', '.join(sorted(user.roles))}.")


@click.command("deactivate-user")
@click.argument("username")
@with_appcontext
def deactivate_user_command(username: str) -> None:
    """Stop an account: it cannot sign in, and its sessions and API tokens end now."""
    from sqlalchemy import select

    from dispatch.auth.models import User
    from dispatch.auth.services import deactivate_user

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.UsageError(f"No user {username!r}.")
    deactivate_user(user)
    db.session.commit()
    click.echo(f"Deactivated {user.username}; their sessions and API tokens are ended.")


@click.command("demo")
@click.option("--password", default="demo1234", show_default=True,
              help="Password of every demo account.")
@with_appcontext
def demo_command(password: str) -> None:
    """Load a city's worth of demo data (idempotent)."""
    from dispatch.demo import load_demo

    summary = load_demo(password)
    db.session.commit()
    planner_stats.refresh()
    click.echo(summary)


@click.command("synth")
@click.option("--orders", type=click.IntRange(0, 10_000_000), default=10_000, show_default=True)
@click.option("--technicians", type=click.IntRange(0, 100_000), default=100, show_default=True)
@click.option("--open", "open_orders", type=click.IntRange(0, 10_000_000), default=1_000,
              show_default=True, help="How many of the orders are still open.")
@click.option("--seed", type=int, default=7, show_default=True)
@with_appcontext
def synth_command(orders: int, technicians: int, open_orders: int, seed: int) -> None:
    """Bulk-load a synthetic city (for benchmarks; never on production data)."""
    from dispatch.synth import generate

    def progress(what: str, done: int, total: int) -> None:
        click.echo(f"\r{what}: {done:,}/{total:,}", nl=done == total)

    summary = generate(orders, technicians, min(open_orders, orders), seed=seed, progress=progress)
    planner_stats.refresh()
    click.echo(", ".join(f"{value:,} {key}" for key, value in summary.items()))


@click.command("backup")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the archive (default: instance/backups).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Back up the database and the stored files into one archive."""
    from flask import current_app

    from dispatch.backup import backup

    folder = output or Path(current_app.instance_path) / "backups"
    click.echo(f"Wrote {backup(folder)}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has data.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup archive (database and files)."""
    from dispatch.backup import restore

    try:
        restore(archive, force=force)
    except (FileExistsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {archive.name}")


@click.command("import-sample")
@click.option("--rows", type=click.IntRange(1, 10_000_000), default=1000, show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (.csv, or .xlsx for a workbook).")
@click.option("--kind", default="installed_base", show_default=True,
              help="What the file holds (an import kind).")
@click.option("--seed", type=int, default=1, show_default=True)
@with_appcontext
def import_sample_command(rows: int, out: Path, kind: str, seed: int) -> None:
    """Write a sample import file of valid, plausible rows (Hangzhou fleets)."""
    from dispatch.exports import to_csv, to_xlsx
    from dispatch.imports.kinds import KINDS

    if kind not in KINDS:
        raise click.BadParameter(f"choose one of {', '.join(sorted(KINDS))}", param_hint="--kind")
    chosen = KINDS[kind]
    lines = chosen.sample_rows(rows, seed)
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(to_xlsx(chosen.name, chosen.columns, lines))
    else:
        out.write_bytes(to_csv(chosen.columns, lines))
    click.echo(f"Wrote {rows:,} rows to {out}")


#: Every ``flask --app dispatch`` command (registered by ``dispatch.wiring.init_commands``).
COMMANDS = (create_user_command, deactivate_user_command, demo_command, synth_command,
            worker_command, sweep_command, backup_command, restore_command,
            monthly_report_command, import_sample_command)
