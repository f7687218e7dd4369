"""Order pages: the coordinator's orders, the organiser's offers, deliveries, statements, minimum wages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from factory.access import allow
from factory.accounts.models import Role, Station, User
from factory.extensions import db
from factory.locking import begin_immediate_for
from factory.orders import deliveries as dl
from factory.orders import services
from factory.orders.domain import OrderStatus
from factory.orders.forms import (
    AcceptForm,
    DeliveryForm,
    DistrictTierForm,
    ImportForm,
    MinimumWageForm,
    OrderForm,
    PostForm,
    ReceiptForm,
)
from factory.orders.models import Delivery, Order
from factory.orders.services import OrderServiceError
from factory.reference.models import District, MinimumWage, Skill

bp = Blueprint("orders", __name__)
begin_immediate_for("orders.deliver", "api.create_delivery")  # deliveries read what is left, then spend it
begin_immediate_for(
    "orders.new"
)  # an order for missing pieces reads what is left to re-order, then spends it


# ------------------------------------------------------------------ load and authorise


def get_order_or_404(order_id: int, user: User) -> Order:
    """The order, if `user` may see it (own enterprise, offered to or taken by own station, admin)."""
    order = db.session.get(Order, order_id) if order_id <= services.MAX_ID else None
    if order is None or not services.can_see(order, user):
        abort(404)
    return order


def get_own_order_or_404(order_id: int, user: User) -> Order:
    """The order, if it belongs to the coordinator's enterprise."""
    order = db.session.get(Order, order_id) if order_id <= services.MAX_ID else None
    if order is None or user.role != Role.COORDINATOR or order.enterprise_id != user.enterprise_id:
        abort(404)
    return order


def get_delivery_or_404(delivery_id: int, user: User) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id) if delivery_id <= services.MAX_ID else None
    if delivery is None:
        abort(404)
    if user.role == Role.ADMIN:
        return delivery
    if user.role == Role.COORDINATOR and delivery.order.enterprise_id == user.enterprise_id:
        return delivery
    if user.role == Role.ORGANISER and delivery.station_id == user.station_id:
        return delivery
    abort(404)


# ------------------------------------------------------------------ helpers


STATUS_LABELS = {
    "draft": "Draft",
    "posted": "Posted",
    "accepted": "Taken on",
    "in_production": "In production",
    "delivered": "Delivered",
    "closed": "Closed",
    "cancelled": "Cancelled",
}


def status_label(status: str) -> str:
    labels = {
        "draft": _("Draft"),
        "posted": _("Posted"),
        "accepted": _("Taken on"),
        "in_production": _("In production"),
        "delivered": _("Delivered"),
        "closed": _("Closed"),
        "cancelled": _("Cancelled"),
    }
    return labels.get(status, status)


@bp.app_template_filter("order_status")
def _order_status_filter(status: str) -> str:
    return status_label(status)


@bp.app_template_filter("yuan")
def _yuan_filter(fen: Any) -> str:
    from factory.money import format_fen

    return format_fen(int(fen)) if fen is not None else "—"


@bp.app_template_filter("rate")
def _rate_filter(units: int) -> str:
    from factory.money import format_rate

    return format_rate(int(units))


@bp.app_template_filter("minutes")
def _minutes_filter(value: Any) -> str:
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def _skill_choices() -> list[SelectChoice]:
    from flask_babel import get_locale

    locale = str(get_locale() or "zh")
    skills = db.session.scalars(select(Skill).order_by(Skill.id)).all()
    return [SelectChoice("", _("Choose a skill"))] + [
        SelectChoice(s.code, s.display_name(locale)) for s in skills
    ]


def _order_form(
    order: Order | None = None, *, again: Order | None = None, missing: bool = False
) -> OrderForm:
    form = OrderForm(formdata=request.form if request.method == "POST" else None)
    form.skill.choices = _skill_choices()
    form.offer.choices = [
        SelectChoice("all", _("All stations")),
        SelectChoice("chosen", _("Only the stations chosen below")),
    ]
    form.stations.choices = [
        SelectChoice(s.id, f"{s.name}（{s.district.name}）")
        for s in db.session.scalars(select(Station).order_by(Station.name))
    ]
    if order is not None and request.method != "POST":
        form.product.data = order.product
        form.reference.data = order.reference
        form.description.data = order.description
        form.skill.data = order.skill.code
        form.quantity.data = str(order.quantity)
        form.lot_size.data = str(order.lot_size)
        form.piece_rate.data = services.rate_yuan_text(order.piece_rate_units)
        form.standard_minutes.data = _minutes_filter(order.standard_minutes)
        form.service_fee.data = services.fen_yuan_text(order.service_fee_fen)
        form.due_date.data = order.due_date.isoformat()
        form.quality_standard.data = order.quality_standard
        form.materials.data = services.materials_text(order.materials)
        form.note.data = order.note
        form.offer.data = "all" if order.open_to_all else "chosen"
        form.stations.data = order.target_station_ids
        form.below_minimum_reason.data = order.below_minimum_reason or ""
    elif again is not None and request.method != "POST":
        _fill_again(form, again, missing=missing)
    elif order is None and request.method != "POST":
        form.offer.data = "all"
        form.service_fee.data = "0"
    return form


def _fill_again(form: OrderForm, order: Order, *, missing: bool) -> None:
    """A new order like `order`: the same product, pay, materials and stations, with a due date left to choose.

    With `missing`, the new order is for the pieces of `order` that never arrived and are not ordered again
    yet, and its note says so. The enterprise's own order number is left for the coordinator: the new order
    is another order and would otherwise show the same number as `order`.
    """
    left = services.missing_not_reordered(order) if missing else 0
    quantity = left or order.quantity
    form.product.data = order.product
    form.reference.data = ""
    form.description.data = order.description
    form.skill.data = order.skill.code
    form.quantity.data = str(quantity)
    form.lot_size.data = str(min(order.lot_size, quantity))
    form.piece_rate.data = services.rate_yuan_text(order.piece_rate_units)
    form.standard_minutes.data = _minutes_filter(order.standard_minutes)
    form.service_fee.data = services.fen_yuan_text(order.service_fee_fen)
    form.due_date.data = ""
    form.quality_standard.data = order.quality_standard
    form.materials.data = services.materials_text(order.materials)
    form.note.data = (
        _("The %(missing)s pieces missing from order #%(id)s.", missing=left, id=order.id)
        if left
        else order.note
    )
    form.offer.data = "all" if order.open_to_all else "chosen"
    form.stations.data = order.target_station_ids


def _form_values() -> dict[str, Any]:
    values: dict[str, Any] = {k: request.form.get(k, "") for k in request.form}
    values["open_to_all"] = request.form.get("offer", "all") != "chosen"
    values["station_ids"] = request.form.getlist("stations")
    return values


def _show_errors(form: OrderForm, errors: dict[str, list[str]]) -> list[str]:
    """Put each problem next to its field; return the problems that belong to no field."""
    loose: list[str] = []
    for name, messages in errors.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors or []) + list(messages)
        else:
            loose.extend(messages)
    return loose


def _parse_and_check(order: Order | None = None) -> tuple[services.OrderInput, dict[str, list[str]]]:
    data, problems = services.order_input_from_text(_form_values())
    if order is not None and services.edit_mode(order) == "text":
        return data, problems  # the service keeps quantities and pay as they are
    return data, services.merge_errors(problems, services.check_input(data)) if problems else {}


# ------------------------------------------------------------------ lists


@bp.route("/orders/")
@allow("coordinator", "organiser", "admin")
def index() -> Any:
    user = current_user
    status = request.args.get("status", "")
    stmt = services.visible_orders_query(user)
    if status in STATUS_LABELS:
        stmt = stmt.where(Order.status == status)
    orders = db.session.scalars(stmt.limit(200)).all()
    offered: list[Order] = []
    if user.role == Role.ORGANISER:
        offered = services.offered_orders(user.station_id)
        taken = {o.id for o in services.taken_orders(user.station_id)}
        orders = [o for o in orders if o.id in taken]
    ids = [o.id for o in orders] + [o.id for o in offered]
    station_id = user.station_id if user.role == Role.ORGANISER else None
    progress = services.order_progress(ids, station_id=station_id)
    left = services.pieces_left(ids)
    return render_template(
        "orders/index.html",
        orders=orders,
        offered=offered,
        progress=progress,
        left=left,
        status=status,
        statuses=STATUS_LABELS,
    )


# ------------------------------------------------------------------ create, edit


@bp.route("/orders/new", methods=["GET", "POST"])
@allow("coordinator")
def new() -> Any:
    """A new order; `?again=<id>` starts from one of the enterprise's orders, and records that it follows it;
    `&part=missing` makes it for that order's missing pieces that are not ordered again yet."""
    again_id = request.args.get("again", type=int)
    again = get_own_order_or_404(again_id, current_user) if again_id is not None else None
    missing = again is not None and request.args.get("part") == "missing"
    if (
        again is not None
        and missing
        and request.method != "POST"
        and not services.missing_not_reordered(again)
    ):
        flash(
            _("The pieces missing from order #%(id)s have already been ordered again.", id=again.id), "info"
        )
        return redirect(url_for("orders.show", order_id=again.id))
    form = _order_form(again=again, missing=missing)
    status = 200
    loose: list[str] = []
    if request.method == "POST":
        data, errors = _parse_and_check()
        if not errors:
            try:
                if again is not None:
                    order = services.reorder(again, data, current_user, missing=missing)
                else:
                    order = services.create_order(current_user.enterprise_id, data, current_user)
                if request.form.get("action") == "post":
                    services.post_order(order, current_user, reason=request.form.get("below_minimum_reason"))
                    flash(_("Order %(id)s posted to the stations.", id=order.id), "success")
                else:
                    flash(_("Order %(id)s saved as a draft.", id=order.id), "success")
                return redirect(url_for("orders.show", order_id=order.id))
            except OrderServiceError as exc:
                errors = exc.fields or {"": [exc.message]}
                if exc.code == "below_minimum_wage":
                    loose.append(exc.message)
                status = exc.status
        loose += _show_errors(form, errors)
        status = status if status >= 400 else 422
    return render_template(
        "orders/form.html", form=form, order=None, again=again, missing=missing, loose=loose, mode="all"
    ), status


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@allow("coordinator")
def edit(order_id: int) -> Any:
    order = get_own_order_or_404(order_id, current_user)
    mode = services.edit_mode(order)
    if mode == "none":
        flash(_("This order can no longer be changed: work on it has started."), "error")
        return redirect(url_for("orders.show", order_id=order.id))
    form = _order_form(order)
    status = 200
    loose: list[str] = []
    if request.method == "POST":
        data, errors = _parse_and_check(order)
        if not errors:
            try:
                services.update_order(
                    order, data, current_user, reason=request.form.get("below_minimum_reason")
                )
                flash(_("Order %(id)s saved.", id=order.id), "success")
                return redirect(url_for("orders.show", order_id=order.id))
            except OrderServiceError as exc:
                errors = exc.fields or {"": [exc.message]}
                if exc.code == "below_minimum_wage":
                    loose.append(exc.message)
        loose += _show_errors(form, errors)
        status = 422
    return render_template("orders/form.html", form=form, order=order, loose=loose, mode=mode), status


# ------------------------------------------------------------------ one order


def _chart(progress: services.Progress, title: str) -> Markup | None:
    from factory.charts import time_line_chart

    series = progress.series()
    if not series:
        return None
    totals = {"reported": 0, "accepted": 0, "rejected": 0, "delivered": 0, "received": 0}
    lines: dict[str, list[tuple[date, int]]] = {k: [] for k in totals}
    for day, counts in series:
        for key in totals:
            totals[key] += getattr(counts, key)
            lines[key].append((day, totals[key]))
    names = {
        "reported": _("Reported"),
        "accepted": _("Passed inspection"),
        "rejected": _("Rejected"),
        "delivered": _("Delivered"),
        "received": _("Received"),
    }
    svg = time_line_chart(  # x by date: ten days between records take more room than three
        [(names[k], v) for k, v in lines.items() if totals[k]],
        title=title,
        y_label=_("Pieces (running total)"),
    )
    return Markup(svg)  # noqa: S704  (built by factory.charts with ElementTree: every text is escaped)


@bp.route("/orders/<int:order_id>")
@allow("coordinator", "organiser", "admin")
def show(order_id: int) -> Any:
    order = get_order_or_404(order_id, current_user)
    user = current_user
    station_id = user.station_id if user.role == Role.ORGANISER else None
    progress = services.order_progress([order.id])[order.id]
    own = services.order_progress([order.id], station_id=station_id)[order.id] if station_id else None
    shown = own or progress
    goal = own.accepted_by_stations if own else progress.quantity  # what "all passed" means on this page
    per_station = services.progress_by_station(order.id) if user.role != Role.ORGANISER else []
    deliveries = dl.deliveries_for(order.id, station_id)
    accept_form = AcceptForm()
    delivery_form = DeliveryForm()
    delivery_form.delivered_on.data = services.local_today().isoformat()
    coordinator = user.role == Role.COORDINATOR
    missing = services.missing_pieces(order) if coordinator else 0
    reordered = services.missing_reordered(order) if missing else 0
    return render_template(
        "orders/show.html",
        order=order,
        progress=progress,
        own=own,
        shown=shown,
        goal=goal,
        per_station=per_station,
        chart=_chart(shown, _("Progress of order %(id)s", id=order.id)),
        estimate=(
            services.estimate_completion(shown, goal=goal, due=order.due_date)
            if goal and order.status in ("accepted", "in_production")
            else None
        ),
        deliveries=deliveries,
        short=services.missing_on_receipt(order) if order.status == "in_production" else (0, 0),
        missing=missing,
        reordered=reordered,
        missing_left=max(0, missing - reordered),
        follow_ups=services.follow_ups([order.id], user)[order.id],
        follows=order.follows if order.follows and services.can_see(order.follows, user) else None,
        left=services.pieces_left([order.id]).get(order.id, 0),
        choices=services.valid_take_quantities(order),
        may_take=user.role == Role.ORGANISER and services.may_take(order, user.station_id),
        deliverable=dl.deliverable(order, station_id) if station_id else 0,
        can_deliver=bool(station_id)
        and order.status in dl.DELIVERABLE
        and own is not None
        and own.accepted_by_stations > 0,
        edit_mode=services.edit_mode(order) if user.role == Role.COORDINATOR else "none",
        post_form=PostForm(),
        accept_form=accept_form,
        delivery_form=delivery_form,
        wage=services.wage_check_for(order) if order.status == OrderStatus.DRAFT else None,
        lot_ranges=services.lot_ranges,
        own_lots=[lot for lot in order.lots if station_id and lot.station_id == station_id],
        today=services.local_today(),
    )


def _refused(order: Order, exc: OrderServiceError) -> Any:
    """Show the order page again with the refusal, under a 4xx status so that nothing is kept."""
    order_id = order.id
    db.session.rollback()
    messages = [m for ms in exc.fields.values() for m in ms] if exc.fields else []
    flash(exc.message if not messages or exc.code == "below_minimum_wage" else " ".join(messages), "error")
    return show(order_id), exc.status


@bp.route("/orders/<int:order_id>/post", methods=["POST"])
@allow("coordinator")
def post(order_id: int) -> Any:
    order = get_own_order_or_404(order_id, current_user)
    try:
        services.post_order(order, current_user, reason=request.form.get("below_minimum_reason"))
    except OrderServiceError as exc:
        return _refused(order, exc)
    flash(_("Order %(id)s posted to the stations.", id=order.id), "success")
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/<int:order_id>/withdraw", methods=["POST"])
@allow("coordinator")
def withdraw(order_id: int) -> Any:
    order = get_own_order_or_404(order_id, current_user)
    try:
        services.withdraw_order(order, current_user)
    except OrderServiceError as exc:
        return _refused(order, exc)
    flash(_("Order %(id)s is a draft again.", id=order.id), "info")
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@allow("coordinator")
def cancel(order_id: int) -> Any:
    order = get_own_order_or_404(order_id, current_user)
    try:
        services.cancel_order(order, current_user)
    except OrderServiceError as exc:
        return _refused(order, exc)
    flash(_("Order %(id)s cancelled.", id=order.id), "info")
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/<int:order_id>/close", methods=["POST"])
@allow("coordinator")
def close(order_id: int) -> Any:
    order = get_own_order_or_404(order_id, current_user)
    try:
        services.close_order(order, current_user, request.form.get("reason", ""))
    except OrderServiceError as exc:
        return _refused(order, exc)
    flash(_("Order %(id)s closed.", id=order.id), "success")
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/<int:order_id>/accept", methods=["POST"])
@allow("organiser")
def accept(order_id: int) -> Any:
    order = get_order_or_404(order_id, current_user)
    try:
        acceptance = services.accept_order(
            order, current_user.station_id, request.form.get("quantity"), current_user
        )
    except OrderServiceError as exc:
        return _refused(order, exc)
    flash(
        _("Your station took on %(pieces)s pieces of order %(id)s.", pieces=acceptance.quantity, id=order.id),
        "success",
    )
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/<int:order_id>/deliveries", methods=["POST"])
@allow("organiser")
def deliver(order_id: int) -> Any:
    order = get_order_or_404(order_id, current_user)
    try:
        delivery = dl.record_delivery(
            order,
            current_user.station_id,
            current_user,
            pieces=request.form.get("pieces"),
            delivered_on=request.form.get("delivered_on"),
            note=request.form.get("note", ""),
        )
    except OrderServiceError as exc:
        return _refused(order, exc)
    flash(
        _("Delivery %(number)s recorded. Print the delivery note and take it along.", number=delivery.number),
        "success",
    )
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/orders/deliveries/<int:delivery_id>/receive", methods=["GET", "POST"])
@allow("coordinator")
def receive(delivery_id: int) -> Any:
    """Confirm receipt on its own page: the pieces counted (all of them unless changed) and a note."""
    delivery = get_delivery_or_404(delivery_id, current_user)
    form = ReceiptForm()
    if request.method == "GET":
        if delivery.received_at is not None:
            return redirect(url_for("orders.show", order_id=delivery.order_id))
        form.received.data = str(delivery.pieces)
        return render_template("orders/receive.html", delivery=delivery, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        dl.confirm_receipt(
            delivery, current_user, received=form.received.data, note=form.receipt_note.data or ""
        )
    except OrderServiceError as exc:
        db.session.rollback()
        if exc.code == "invalid":
            for name, messages in exc.fields.items():
                getattr(form, name).errors = list(messages)
            return render_template("orders/receive.html", delivery=delivery, form=form), exc.status
        flash(exc.message, "error")
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status
    if delivery.short:
        flash(
            _(
                "Receipt of %(received)s of %(pieces)s pieces confirmed; %(short)s missing.",
                received=delivery.pieces_received,
                pieces=delivery.pieces,
                short=delivery.short,
            ),
            "success",
        )
    else:
        flash(_("Receipt of %(pieces)s pieces confirmed.", pieces=delivery.pieces), "success")
    return redirect(url_for("orders.show", order_id=delivery.order_id))


@bp.route("/orders/deliveries/<int:delivery_id>.pdf")
@allow("coordinator", "organiser", "admin")
def delivery_note(delivery_id: int) -> Any:
    from factory.pdf import render_pdf

    delivery = get_delivery_or_404(delivery_id, current_user)
    pdf = render_pdf(
        "orders/delivery_note.html",
        delivery=delivery,
        order=delivery.order,
        lines=delivery.lines,
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="delivery-{delivery.number}.pdf"'},
    )


# ------------------------------------------------------------------ what is owed


def _month_arg() -> str | None:
    month = request.args.get("month", "")
    if not month:
        return None
    try:
        year, mon = (int(p) for p in month.split("-"))
        date(year, mon, 1)
    except ValueError:
        abort(400)
    return f"{year:04d}-{mon:02d}"


@bp.route("/orders/statement")
@allow("coordinator", "admin")
def statement() -> Any:
    month = _month_arg()
    enterprise_id = current_user.enterprise_id if current_user.role == Role.COORDINATOR else None
    st = dl.statement(enterprise_id, month=month)
    return render_template("orders/statement.html", st=st, month=month or "")


@bp.route("/orders/statement.csv")
@allow("coordinator", "admin")
def statement_csv() -> Any:
    month = _month_arg()
    enterprise_id = current_user.enterprise_id if current_user.role == Role.COORDINATOR else None
    data = dl.statement_csv(dl.statement(enterprise_id, month=month))
    name = f"statement-{month or 'all'}.csv"
    return Response(
        data, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# ------------------------------------------------------------------ import


@bp.route("/orders/import", methods=["GET", "POST"])
@allow("coordinator")
def import_orders() -> Any:
    from factory.orders import importing

    form = ImportForm()
    problems: list[tuple[int | None, str | None, str]] = []
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = [(None, None, _("Choose a file to upload."))]
        else:
            try:
                orders = importing.import_orders(
                    current_user.enterprise_id,
                    upload.filename,
                    upload.read(),
                    current_user,
                    post=bool(request.form.get("post")),
                )
            except importing.ImportProblems as exc:
                problems = exc.problems
            else:
                flash(_("%(count)s orders imported.", count=len(orders)), "success")
                return redirect(url_for("orders.index"))
        status = 422
    return render_template(
        "orders/import.html", form=form, problems=problems, columns=importing.column_help()
    ), status


@bp.route("/orders/import/template.csv")
@allow("coordinator")
def import_template() -> Any:
    from factory.orders import importing

    return Response(
        importing.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="orders-template.csv"'},
    )


# ------------------------------------------------------------------ minimum wages (administrator)


def _wage_values(form: MinimumWageForm) -> dict[str, Any] | None:
    from factory.money import parse_yuan

    values: dict[str, Any] = {}
    for name in ("hourly", "monthly"):
        try:
            values[f"{name}_fen"] = parse_yuan(getattr(form, name).data or "")
        except (TypeError, ValueError):
            getattr(form, name).errors.append(_("Enter an amount in yuan, for example 22.00."))
    if form.errors or len(values) < 2:
        return None
    values.update(
        tier=form.tier.data,
        effective_from=form.effective_from.data,
        source=form.source.data,
        confirmed=bool(form.confirmed.data),
    )
    return values


@bp.route("/admin/minimum-wages", methods=["GET", "POST"])
@allow("admin")
def minimum_wages() -> Any:
    from factory.orders import wages

    form = MinimumWageForm(prefix="new")
    status = 200
    if form.validate_on_submit():
        values = _wage_values(form)
        if values is not None:
            try:
                wages.add_minimum_wage(current_user, **values)
            except OrderServiceError as exc:
                _show_errors(form, exc.fields)  # type: ignore[arg-type]
            else:
                flash(_("Minimum wage added."), "success")
                return redirect(url_for("orders.minimum_wages"))
        status = 422
    elif form.is_submitted():
        status = 422
    return _wages_page(form, status)


def _wages_page(form: MinimumWageForm, status: int, edit_forms: dict[int, Any] | None = None) -> Any:
    rows = db.session.scalars(
        select(MinimumWage).order_by(MinimumWage.tier, MinimumWage.effective_from)
    ).all()
    districts = db.session.scalars(select(District).order_by(District.id)).all()
    edit_forms = edit_forms or {}
    forms = {}
    for row in rows:
        if row.id in edit_forms:
            forms[row.id] = edit_forms[row.id]
            continue
        f = MinimumWageForm(prefix=f"w{row.id}", formdata=None)
        f.tier.data, f.effective_from.data, f.source.data, f.confirmed.data = (
            row.tier,
            row.effective_from,
            row.source,
            row.confirmed,
        )
        f.hourly.data, f.monthly.data = (
            services.fen_yuan_text(row.hourly_fen),
            services.fen_yuan_text(row.monthly_fen),
        )
        forms[row.id] = f
    tier_forms = {}
    for d in districts:
        tf = DistrictTierForm(prefix=f"d{d.id}", formdata=None)
        tf.tier.data = d.tier
        tier_forms[d.id] = tf
    return render_template(
        "orders/minimum_wages.html",
        form=form,
        rows=rows,
        forms=forms,
        districts=districts,
        tier_forms=tier_forms,
    ), status


@bp.route("/admin/minimum-wages/<int:wage_id>", methods=["POST"])
@allow("admin")
def edit_minimum_wage(wage_id: int) -> Any:
    from factory.orders import wages

    row = db.session.get(MinimumWage, wage_id) if wage_id <= services.MAX_ID else None
    if row is None:
        abort(404)
    form = MinimumWageForm(prefix=f"w{row.id}")
    if form.validate_on_submit():
        values = _wage_values(form)
        if values is not None:
            try:
                wages.update_minimum_wage(row, current_user, **values)
            except OrderServiceError as exc:
                _show_errors(form, exc.fields)  # type: ignore[arg-type]
            else:
                flash(_("Minimum wage saved."), "success")
                return redirect(url_for("orders.minimum_wages"))
    db.session.rollback()
    return _wages_page(MinimumWageForm(prefix="new", formdata=None), 422, {row.id: form})


@bp.route("/admin/districts/<int:district_id>/tier", methods=["POST"])
@allow("admin")
def district_tier(district_id: int) -> Any:
    from factory.orders import wages

    district = db.session.get(District, district_id) if district_id <= services.MAX_ID else None
    if district is None:
        abort(404)
    form = DistrictTierForm(prefix=f"d{district.id}")
    if form.validate_on_submit():
        wages.set_district_tier(district, form.tier.data, current_user)
        flash(_("%(name)s is now in tier %(tier)s.", name=district.name, tier=form.tier.data), "success")
        return redirect(url_for("orders.minimum_wages"))
    flash(_("The tier is a number from 1 to 9."), "error")
    return _wages_page(MinimumWageForm(prefix="new", formdata=None), 422)
