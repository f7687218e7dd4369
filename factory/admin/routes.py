"""The administrator's pages: enterprises, stations, staff accounts, reference data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from factory.access import allow
from factory.accounts import services
from factory.accounts.models import Enterprise, Role, Station, User
from factory.accounts.routes import error_message
from factory.admin.forms import EnterpriseForm, StaffForm, StationForm
from factory.audit.services import record
from factory.extensions import db
from factory.reference.models import District, MinimumWage, Skill
from factory.types import utcnow
from factory.workers.domain import normalise_mobile

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/enterprises", methods=["GET", "POST"])
@allow("admin")
def enterprises() -> Any:
    form = EnterpriseForm()
    status = 200
    if form.validate_on_submit():
        name = form.name.data.strip()
        if db.session.scalar(select(Enterprise.id).where(Enterprise.name == name)):
            form.name.errors.append(_("An enterprise with this name exists already."))
            status = 400
        else:
            enterprise = Enterprise(name=name, contact=(form.contact.data or "").strip())
            db.session.add(enterprise)
            record(current_user, "enterprise.create", enterprise, after={"name": name})
            flash(_("Enterprise %(name)s added.", name=name), "success")
            return redirect(url_for("admin.enterprises"))
    elif form.is_submitted():
        status = 400
    rows = db.session.scalars(select(Enterprise).order_by(Enterprise.name)).all()
    return render_template("admin/enterprises.html", form=form, enterprises=rows), status


@bp.route("/stations", methods=["GET", "POST"])
@allow("admin")
def stations() -> Any:
    form = StationForm()
    form.district_id.choices = [
        SelectChoice(d.id, d.name) for d in db.session.scalars(select(District).order_by(District.id))
    ]
    status = 200
    if form.validate_on_submit():
        name = form.name.data.strip()
        if db.session.scalar(select(Station.id).where(Station.name == name)):
            form.name.errors.append(_("A station with this name exists already."))
            status = 400
        else:
            station = Station(
                name=name, district_id=form.district_id.data, address=(form.address.data or "").strip()
            )
            db.session.add(station)
            record(
                current_user,
                "station.create",
                station,
                after={"name": name, "district_id": form.district_id.data},
            )
            flash(_("Station %(name)s added.", name=name), "success")
            return redirect(url_for("admin.stations"))
    elif form.is_submitted():
        status = 400
    rows = db.session.scalars(select(Station).order_by(Station.name)).all()
    return render_template("admin/stations.html", form=form, stations=rows), status


def _staff_form() -> StaffForm:
    form = StaffForm()
    form.enterprise_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(e.id, e.name) for e in db.session.scalars(select(Enterprise).order_by(Enterprise.name))
    ]
    form.station_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(s.id, s.name) for s in db.session.scalars(select(Station).order_by(Station.name))
    ]
    return form


def _staff_page(form: StaffForm, status: int = 200, **shown: Any) -> Any:
    rows = db.session.scalars(
        select(User).where(User.role != Role.WORKER).order_by(User.role, User.name)
    ).all()
    return render_template("admin/staff.html", form=form, users=rows, now=utcnow(), **shown), status


@bp.route("/staff", methods=["GET", "POST"])
@allow("admin")
def staff() -> Any:
    form = _staff_form()
    status = 200
    code = None
    if form.validate_on_submit():
        enterprise = db.session.get(Enterprise, form.enterprise_id.data) if form.enterprise_id.data else None
        station = db.session.get(Station, form.station_id.data) if form.station_id.data else None
        try:
            user, code = services.create_user(
                form.role.data,
                normalise_mobile(form.mobile.data),
                form.name.data.strip(),
                enterprise=enterprise,
                station=station,
                actor=current_user,
            )
        except services.AccountError as exc:
            field = {"mobile": form.mobile, "enterprise": form.enterprise_id, "station": form.station_id}.get(
                exc.field or "", form.role
            )
            field.errors.append(error_message(exc))
            status = 400
        else:
            flash(_("Account for %(name)s created.", name=user.name), "success")
    elif form.is_submitted():
        status = 400
    return _staff_page(form, status, new_code=code)


def get_staff_or_404(user_id: int) -> User:
    """A coordinator's, organiser's or administrator's account (workers are managed on their own pages)."""
    user = db.session.get(User, user_id)
    if user is None or user.role == Role.WORKER:
        abort(404)
    return user


@bp.route("/staff/<int:user_id>/disable", methods=["POST"])
@allow("admin")
def disable(user_id: int) -> Any:
    user = get_staff_or_404(user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("admin.staff"))
    services.set_disabled(user, not user.is_disabled, current_user)
    if user.is_disabled:
        flash(_("%(name)s disabled: they can no longer log in.", name=user.name), "info")
    else:
        flash(_("%(name)s enabled again.", name=user.name), "success")
    return redirect(url_for("admin.staff"))


@bp.route("/staff/<int:user_id>/code", methods=["POST"])
@allow("admin")
def code(user_id: int) -> Any:
    """A new one-time activation code, for a staff member who has not activated or lost their password."""
    user = get_staff_or_404(user_id)
    form = _staff_form()
    try:
        new_code = services.new_activation_code(current_user, user)
    except services.AccountError:
        flash(
            _("%(name)s's account is disabled: enable it before giving a new code.", name=user.name), "error"
        )
        return _staff_page(form, 409)
    return _staff_page(form, code_user=user, user_code=new_code)


@bp.route("/reference")
@allow("admin", "organiser", "coordinator")
def reference() -> Any:
    districts = db.session.scalars(select(District).order_by(District.id)).all()
    wages = db.session.scalars(
        select(MinimumWage).order_by(MinimumWage.tier, MinimumWage.effective_from)
    ).all()
    skills = db.session.scalars(select(Skill).order_by(Skill.id)).all()
    return render_template("admin/reference.html", districts=districts, wages=wages, skills=skills)
