"""``flask --app dispatch …`` commands: accounts and demo data."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from dispatch.auth.roles import ROLES
from dispatch.errors import ValidationFailed
from dispatch.extensions import db


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


@click.command("demo")
@click.option("--password", default="demo1234", show_default=True,
              help="Password of every demo account.")
@with_appcontext
def demo_command(password: str) -> None:
    """Load a city's worth of demo data (idempotent)."""
    from dispatch.demo import load_demo

    summary = load_demo(password)
    db.session.commit()
    click.echo(summary)


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
