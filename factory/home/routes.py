"""Each role's home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from factory.access import public
from factory.accounts.models import Enterprise, Role, Station, User
from factory.extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template(f"home/{current_user.role}.html", **_figures(current_user))


def _figures(user: User) -> dict[str, Any]:
    if user.role == Role.ADMIN:
        return {
            "stations": db.session.scalar(select(func.count(Station.id))),
            "enterprises": db.session.scalar(select(func.count(Enterprise.id))),
            "workers": db.session.scalar(select(func.count(User.id)).where(User.role == Role.WORKER)),
        }
    if user.role == Role.ORGANISER:
        return {
            "workers": db.session.scalar(
                select(func.count(User.id)).where(
                    User.role == Role.WORKER, User.station_id == user.station_id
                )
            )
        }
    if user.role == Role.COORDINATOR and user.enterprise_id is not None:
        from factory.orders.deliveries import awaiting_receipt
        from factory.orders.services import late_orders

        return {
            "to_receive": awaiting_receipt(user.enterprise_id),
            "late": late_orders(user.enterprise_id),
        }
    return {}


@bp.route("/healthz")
@public
def healthz() -> Any:
    db.session.execute(select(1))
    return {"status": "ok"}
