"""``flask --app dispatch monthly-report --month YYYY-MM``: the R17 PDF into ``instance/files/reports``."""

from __future__ import annotations

import click
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
