"""``flask --app dispatch monthly-report --month YYYY-MM``: the R17 PDF into ``instance/files/reports``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from dispatch import storage
from dispatch.timeutil import last_month
from dispatch.validators import parse_month
from workorders.care.stats import build_monthly_report_pdf, monthly_stats


@click.command("monthly-report")
@click.option("--month", default="", help="YYYY-MM; default: last month.")
@with_appcontext
def monthly_report_command(month: str) -> None:
    """Write last month's (or ``--month``'s) customer-care statistics as a PDF."""
    text = month or last_month()
    try:
        year, number = parse_month(text)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM", param_hint="--month") from exc
    folder = storage.root() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"care-{year:04d}-{number:02d}.pdf"
    path.write_bytes(build_monthly_report_pdf(monthly_stats(year, number)))
    click.echo(f"Wrote {path}")


def register_care_commands(app: Flask) -> None:
    """Add the care commands and the care demo data (idempotent across app instances)."""
    from dispatch.demo import DEMO_EXTENSIONS
    from workorders.care.demo import load_care_demo
    from workorders.demo import load_order_demo

    app.cli.add_command(monthly_report_command)
    for extension in (load_order_demo, load_care_demo):
        if extension not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(extension)
