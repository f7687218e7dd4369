"""`flask accounts create` and `flask accounts token`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from factory.accounts import services
from factory.accounts.models import Role, User
from factory.extensions import db
from factory.workers.domain import normalise_mobile

cli = AppGroup("accounts", help="User accounts.")


@cli.command("create")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.argument("mobile")
@click.argument("name")
@click.option("--tenant", help="Enterprise (coordinator) or station (organiser, worker); created if new.")
@click.option("--district", help="District of a new station, e.g. 市北区.")
@click.option("--password", help="Set this password instead of printing an activation code.")
def create(
    role: str, mobile: str, name: str, tenant: str | None, district: str | None, password: str | None
) -> None:
    """Create a user of ROLE with MOBILE and NAME."""
    try:
        mobile = normalise_mobile(mobile)
    except ValueError as exc:
        raise click.UsageError(f"MOBILE: {exc}") from exc
    enterprise = station = None
    try:
        if role == Role.COORDINATOR:
            if not tenant:
                raise click.UsageError("a coordinator needs --tenant ENTERPRISE")
            enterprise = services.get_or_create_enterprise(tenant)
        elif role in (Role.ORGANISER, Role.WORKER):
            if not tenant:
                raise click.UsageError("an organiser or worker needs --tenant STATION")
            station = services.get_or_create_station(tenant, district)
        user, code = services.create_user(
            role, mobile, name, enterprise=enterprise, station=station, password=password
        )
        db.session.commit()
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(f"refused: {exc.code} {exc.params or ''}".strip()) from exc
    click.echo(f"created {role} {user.name} ({user.mobile}), id {user.id}")
    if code:
        click.echo(f"activation code (valid 7 days): {code}")


@cli.command("token")
@click.argument("mobile")
@click.option("--name", default="script", show_default=True)
def token(mobile: str, name: str) -> None:
    """Print a new API token for the user with MOBILE."""
    try:
        mobile = normalise_mobile(mobile)
    except ValueError as exc:
        raise click.UsageError(f"MOBILE: {exc}") from exc
    user = db.session.scalar(select(User).where(User.mobile == mobile))
    if user is None:
        raise click.ClickException("no user with this mobile number")
    _, secret = services.create_token(user, name)
    db.session.commit()
    click.echo(secret)
