"""`flask payroll close STATION_ID START`: close a station's pay period from a script."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from factory.extensions import db
from factory.payroll import services
from factory.payroll.models import PayPeriod

cli = AppGroup("payroll", help="Pay periods and slips.")


@cli.command("close")
@click.argument("station_id", type=int)
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option(
    "--top-up/--no-top-up", default=True, show_default=True, help="Top up shortfalls to the minimum wage."
)
@click.option("--leave-uninspected", is_flag=True, help="Close even with lots not inspected yet.")
def close(station_id: int, start: object, top_up: bool, leave_uninspected: bool) -> None:
    """Close the station's pay period that starts on START (YYYY-MM-DD)."""
    day: date = start.date()  # type: ignore[attr-defined]
    period = db.session.scalar(
        select(PayPeriod).where(PayPeriod.station_id == station_id, PayPeriod.start == day)
    )
    if period is None:
        raise click.ClickException(f"station {station_id} has no pay period starting on {day}")
    try:
        result = services.close_period(period.id, None, top_up=top_up, leave_uninspected=leave_uninspected)
    except services.PayrollError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(
        f"closed: {result.slips} slips, {result.total_fen} fen, {result.top_ups_total} top-ups "
        f"({result.top_ups_made_at_close} made at closing)"
    )
