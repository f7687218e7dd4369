"""`flask reports store`: store the settled months' employment figures (city and each district) ahead of time.

Run after each release's `flask db upgrade` (and by `make run`): the first look at the dashboard is then as
quick as every later one. Closing a pay period does the same for its station in the background.
"""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from factory.extensions import db
from factory.orders.services import local_today
from factory.reports import domain, services
from factory.reports.services import Scope

cli = AppGroup("reports", help="The employment figures.")


@cli.command("store")
@click.option("--months", default=13, show_default=True, help="How many months back from this one.")
def store(months: int) -> None:
    """Compute and store the figures of the settled months for the city and each district."""
    spans = domain.last_months(local_today(), max(1, months))
    scopes = [Scope(spans[-1])] + [
        Scope(spans[-1], district_id=district_id) for district_id, _name in services.districts_with_stations()
    ]
    started = time.perf_counter()
    for scope in scopes:
        services.by_month(scope, spans)
        db.session.commit()
    click.echo(f"stored: {len(scopes)} scopes, {len(spans)} months, {time.perf_counter() - started:.1f} s")
