"""`flask demo seed`: load the demo data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from factory.demo.seed import DEMO_PASSWORD, database_is_empty, demo_logins, seed
from factory.extensions import db

cli = AppGroup("demo", help="Demo data.")


@cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no user yet.")
def seed_command(if_empty: bool) -> None:
    """Load the demo data (running it twice changes nothing)."""
    if if_empty and not database_is_empty():
        click.echo("database already holds data; demo data not loaded")
    else:
        seed()
        db.session.commit()
        click.echo("demo data loaded")
    click.echo(f"demo logins (password {DEMO_PASSWORD}):")
    for login in demo_logins():
        click.echo(f"  {login.role:<12} {login.mobile}  {login.name}  {login.tenant}")
