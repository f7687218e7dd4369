"""Pay pages: the organiser's periods and close, slips on the phone and as PDF, the worker's earnings."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from factory.access import allow
from factory.accounts.models import Role, User
from factory.extensions import db
from factory.jobs.routes import describe as describe_job
from factory.locking import begin_immediate_for
from factory.money import parse_rate_yuan, parse_yuan
from factory.orders.models import Order
from factory.orders.services import can_see
from factory.payroll import exports, printing, services
from factory.payroll.forms import AdjustmentForm, CloseForm, PayeeForm, PeriodForm, RateForm
from factory.payroll.models import Adjustment, PayeeAccount, PayPeriod, PaySlip
from factory.payroll.services import PayrollError
from factory.production.offline import kept_copy, made_at

bp = Blueprint(
    "payroll", __name__
)  # under /pay, but for the worker's own pay, kept on the phone under /today


def _print_job_title(job: Any) -> str:
    period = db.session.get(PayPeriod, int((job.params or {}).get("period_id", 0)))
    if period is None:
        return _("Pay slips")
    return _(
        "Pay slips of %(station)s, %(start)s to %(end)s",
        station=period.station.name,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
    )


def _print_job_back(job: Any) -> tuple[str, str]:
    return url_for("payroll.period", period_id=int((job.params or {}).get("period_id", 0))), _(
        "Back to the pay period"
    )


describe_job("payroll_print", _print_job_title, _print_job_back)

# Closing and creating periods read, then write: on SQLite they take the write lock when they begin, so two
# organisers closing at once queue up and the second gets the clear "already closed" refusal.
begin_immediate_for(
    "payroll.create_period",
    "payroll.close",
    "payroll.top_up",
    "api.create_pay_period",
    "api.close_pay_period",
)


@bp.app_template_filter("pay_kind")
def _pay_kind(kind: str) -> str:
    return services.kind_label(kind)


# ------------------------------------------------------------------ load and authorise


def get_period_or_404(period_id: int, user: User) -> PayPeriod:
    """The period, if it is the organiser's station's (the administrator sees all)."""
    period = db.session.get(PayPeriod, period_id)
    if period is None:
        abort(404)
    if user.role == Role.ADMIN or (user.role == Role.ORGANISER and period.station_id == user.station_id):
        return period
    abort(404)


def get_slip_or_404(slip_id: int, user: User) -> PaySlip:
    """The slip, if it is the worker's own, or of the organiser's station (the administrator sees all)."""
    slip = db.session.get(PaySlip, slip_id)
    if slip is None:
        abort(404)
    if user.role == Role.ADMIN:
        return slip
    if user.role == Role.ORGANISER and slip.station_id == user.station_id:
        return slip
    if user.role == Role.WORKER and slip.worker_id == user.id:
        return slip
    abort(404)


def get_adjustment_or_404(adjustment_id: int, user: User) -> Adjustment:
    adjustment = db.session.get(Adjustment, adjustment_id)
    if adjustment is None or user.role != Role.ORGANISER or adjustment.period.station_id != user.station_id:
        abort(404)
    return adjustment


def get_station_worker_or_404(worker_id: int, user: User) -> User:
    worker = db.session.get(User, worker_id)
    if worker is None or worker.role != Role.WORKER or user.role != Role.ORGANISER:
        abort(404)
    if worker.station_id != user.station_id:
        abort(404)
    return worker


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _form_errors(form: Any, exc: PayrollError) -> list[str]:
    """Put each problem next to its field; return the ones that belong to no field."""
    loose = []
    for name, messages in exc.fields.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors or []) + list(messages)
        else:
            loose.extend(messages)
    return loose


# ------------------------------------------------------------------ periods


@bp.route("/pay/")
@allow("organiser")
def periods() -> Any:
    form = PeriodForm()
    if not form.is_submitted():
        suggested = services.suggested_period(current_user.station_id)
        form.start.data, form.end.data = suggested.start.isoformat(), suggested.end.isoformat()
    return _periods_page(form)


def _periods_page(form: PeriodForm, status: int = 200) -> Any:
    rows = services.station_periods(current_user.station_id)
    return render_template("payroll/periods.html", periods=rows, form=form), status


@bp.route("/pay/periods", methods=["POST"])
@allow("organiser")
def create_period() -> Any:
    form = PeriodForm()
    if not form.validate_on_submit():
        return _periods_page(form, 400)
    start, end = _parse_day(form.start.data), _parse_day(form.end.data)
    try:
        period = services.create_period(current_user.station_id, start, end, current_user)
    except PayrollError as exc:
        db.session.rollback()
        loose = _form_errors(form, exc)
        flash(" ".join(loose) if loose else exc.message, "error")
        return _periods_page(form, exc.status)
    flash(_("Pay period %(start)s to %(end)s opened.", start=period.start, end=period.end), "success")
    return redirect(url_for("payroll.period", period_id=period.id))


def _adjustment_form(period: PayPeriod, result: services.Computation | None) -> AdjustmentForm:
    form = AdjustmentForm()
    workers = db.session.scalars(
        select(User).where(User.station_id == period.station_id, User.role == Role.WORKER).order_by(User.name)
    ).all()
    form.worker_id.choices = [SelectChoice("", _("Choose a worker"))] + [
        SelectChoice(str(w.id), w.name) for w in workers
    ]
    form.kind.choices = [SelectChoice(k, services.kind_label(k)) for k in services.KINDS]
    return form


@bp.route("/pay/periods/<int:period_id>")
@allow("organiser", "admin")
def period(period_id: int) -> Any:
    return _period_page(get_period_or_404(period_id, current_user))


def _period_page(
    period: PayPeriod,
    status: int = 200,
    *,
    close_form: CloseForm | None = None,
    adjustment_form: AdjustmentForm | None = None,
    waiting: list[services.WaitingLot] | None = None,
) -> Any:
    context: dict[str, Any] = {"period": period, "today": services.local_today()}
    if period.is_open:
        problem = None
        try:
            result = services.compute(period)
        except PayrollError as exc:
            result, problem = None, exc.message
        context.update(
            result=result,
            problem=problem,
            waiting=waiting
            if waiting is not None
            else services.uninspected_lots(period.station_id, reported_by=period.end),
            adjustments=services.open_adjustments(period.id),
            close_form=close_form or CloseForm(formdata=None),
            adjustment_form=adjustment_form or _adjustment_form(period, result),
            rows=_preview_rows(result) if result else [],
        )
    else:
        slips = services.period_slips(period.id)
        later = services.corrections_of([s.id for s in slips])
        short = [
            s
            for s in slips
            if s.shortfall_left_fen
            - sum(a.amount_fen for a in later.get(s.id, []) if a.kind == "minimum_wage_top_up")
            > 0
        ]
        context.update(slips=slips, summary=exports.period_summary(period), short=short)
    return render_template("payroll/period.html", **context), status


def _preview_rows(result: services.Computation) -> list[dict[str, Any]]:
    rows = []
    for worker_id, slip in sorted(result.slips.items(), key=lambda kv: result.names.get(kv[0], "")):
        check = slip.minimum_wage_check
        topped = sum(a.amount_fen for a in slip.adjustments if a.tops_up_this_period)
        rows.append(
            {
                "worker_id": worker_id,
                "name": result.names.get(worker_id, str(worker_id)),
                "pieces": sum(line.accepted_pieces for line in slip.lines),
                "rejected": sum(line.rejected_pieces for line in slip.lines),
                "lines_fen": slip.lines_fen,
                "adjustments_fen": slip.adjustments_fen,
                "total_fen": slip.total_fen,
                "check": check,
                "short_fen": max(0, check.shortfall_fen - topped) if check else 0,
                "topped_fen": topped,
            }
        )
    return rows


@bp.route("/pay/periods/<int:period_id>/close", methods=["POST"])
@allow("organiser")
def close(period_id: int) -> Any:
    period = get_period_or_404(period_id, current_user)
    form = CloseForm()
    if not form.validate_on_submit():
        return _period_page(period, 400, close_form=form)
    try:
        result = services.close_period(
            period.id,
            current_user,
            top_up=bool(form.top_up.data),
            leave_uninspected=bool(form.leave_uninspected.data),
        )
    except PayrollError as exc:
        db.session.rollback()
        period = get_period_or_404(period_id, current_user)
        flash(exc.message, "error")
        return _period_page(period, exc.status, close_form=form)
    message = _(
        "Period closed: %(slips)s pay slips, %(total)s in all.",
        slips=result.slips,
        total=_yuan(result.total_fen),
    )
    if result.top_ups_total:
        message += " " + _(
            "%(count)s minimum-wage top-ups on the slips, %(total)s in all.",
            count=result.top_ups_total,
            total=_yuan(result.top_ups_fen),
        )
        if result.top_ups_made_at_close == result.top_ups_total:
            message += " " + _("All of them were added now, at closing.")
        elif result.top_ups_made_at_close:
            message += " " + _(
                "%(now)s of them were added now, at closing; the others were added before.",
                now=result.top_ups_made_at_close,
            )
        else:
            message += " " + _("All of them were added before closing.")
    if result.left_uninspected:
        message += " " + _(
            "%(count)s lots not yet inspected will be paid in the next period.",
            count=len(result.left_uninspected),
        )
    flash(message, "success")
    return redirect(url_for("payroll.period", period_id=period_id))


def _yuan(fen: int) -> str:
    from factory.money import format_fen

    return format_fen(fen)


@bp.route("/pay/periods/<int:period_id>/top-up", methods=["POST"])
@allow("organiser")
def top_up(period_id: int) -> Any:
    period = get_period_or_404(period_id, current_user)
    worker = request.form.get("worker_id", "")
    try:
        made = services.top_up_shortfalls(
            period.id, current_user, [int(worker)] if worker.isdigit() else None
        )
    except PayrollError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _period_page(get_period_or_404(period_id, current_user), exc.status)
    if made:
        flash(
            _(
                "Topped up %(count)s workers to the minimum wage, %(total)s in all.",
                count=len(made),
                total=_yuan(sum(a.amount_fen for a in made)),
            ),
            "success",
        )
    else:
        flash(_("Nobody falls short of the minimum wage."), "info")
    return redirect(url_for("payroll.period", period_id=period_id))


@bp.route("/pay/periods/<int:period_id>/adjustments", methods=["POST"])
@allow("organiser")
def add_adjustment(period_id: int) -> Any:
    period = get_period_or_404(period_id, current_user)
    form = _adjustment_form(period, None)
    if not form.validate_on_submit():
        return _period_page(period, 400, adjustment_form=form)
    amount = None
    try:
        amount = parse_yuan((form.amount.data or "").lstrip("-")) if form.amount.data else None
        if amount is not None and (form.amount.data or "").strip().startswith("-"):
            amount = -amount
    except ValueError:
        form.amount.errors = [_("Enter the amount in yuan, with at most 2 decimals, for example 12.50.")]
        return _period_page(period, 422, adjustment_form=form)
    worker_id = int(form.worker_id.data) if (form.worker_id.data or "").isdigit() else 0
    corrects = form.corrects_slip_id.data
    try:
        services.add_adjustment(
            period.id,
            worker_id,
            form.kind.data or "",
            amount,
            form.reason.data or "",
            current_user,
            corrects_slip_id=int(corrects) if corrects and corrects.isdigit() else None,
        )
    except PayrollError as exc:
        db.session.rollback()
        period = get_period_or_404(period_id, current_user)
        loose = _form_errors(form, exc)
        flash(" ".join(loose) if loose else exc.message, "error")
        return _period_page(period, exc.status, adjustment_form=form)
    flash(_("Adjustment added."), "success")
    return redirect(url_for("payroll.period", period_id=period_id) + "#adjustments")


@bp.route("/pay/adjustments/<int:adjustment_id>/delete", methods=["POST"])
@allow("organiser")
def delete_adjustment(adjustment_id: int) -> Any:
    adjustment = get_adjustment_or_404(adjustment_id, current_user)
    period_id = adjustment.period_id
    try:
        services.remove_adjustment(adjustment, current_user)
    except PayrollError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _period_page(get_period_or_404(period_id, current_user), exc.status)
    flash(_("Adjustment removed."), "success")
    return redirect(url_for("payroll.period", period_id=period_id) + "#adjustments")


@bp.route("/pay/periods/<int:period_id>/print", methods=["POST"])
@allow("organiser")
def print_all(period_id: int) -> Any:
    from factory.jobs import services as jobs

    period = get_period_or_404(period_id, current_user)
    if period.is_open:
        flash(_("Close the period before printing its slips."), "error")
        return _period_page(period, 409)
    job = jobs.start("payroll_print", current_user, {"period_id": period.id}, station_id=period.station_id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/pay/periods/<int:period_id>/transfers.<fmt>")
@allow("organiser")
def transfers(period_id: int, fmt: str) -> Any:
    period = get_period_or_404(period_id, current_user)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        data = (exports.transfers_csv if fmt == "csv" else exports.transfers_xlsx)(period, current_user)
    except PayrollError as exc:
        flash(exc.message, "error")
        return _period_page(period, exc.status)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"transfers-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return Response(
        data, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# ------------------------------------------------------------------ slips


@bp.route("/pay/slips/<int:slip_id>")
@allow("worker", "organiser", "admin")
def slip(slip_id: int) -> Any:
    found = get_slip_or_404(slip_id, current_user)
    view = printing.slip_views([found])[0]
    left = services.shortfall_left(found)
    return render_template("payroll/slip.html", view=view, slip=found, left=left)


@bp.route("/pay/slips/<int:slip_id>.pdf")
@allow("worker", "organiser", "admin")
def slip_pdf(slip_id: int) -> Any:
    found = get_slip_or_404(slip_id, current_user)
    return Response(
        printing.slip_pdf(found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="payslip-{found.number}.pdf"'},
    )


@bp.route("/pay/slips/<int:slip_id>/top-up", methods=["POST"])
@allow("organiser")
def top_up_slip(slip_id: int) -> Any:
    found = get_slip_or_404(slip_id, current_user)
    try:
        row = services.top_up_closed_slip(found, current_user)
    except PayrollError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        found = get_slip_or_404(slip_id, current_user)
        view = printing.slip_views([found])[0]
        return render_template(
            "payroll/slip.html", view=view, slip=found, left=services.shortfall_left(found)
        ), exc.status
    flash(
        _(
            "%(amount)s top-up added to the open period %(start)s to %(end)s.",
            amount=_yuan(row.amount_fen),
            start=row.period.start,
            end=row.period.end,
        ),
        "success",
    )
    return redirect(url_for("payroll.slip", slip_id=slip_id))


# ------------------------------------------------------------------ the worker's pay


@bp.route("/today/pay")
@allow("worker")
def mine() -> Any:
    """The worker's pay: kept on the phone like the today page, so it can be looked at without network."""
    earnings = services.worker_earnings(current_user)
    account = db.session.get(PayeeAccount, current_user.id)
    page = render_template("payroll/mine.html", e=earnings, account=account, made_at=made_at())
    return kept_copy(page)


@bp.route("/pay/me")
@allow("worker")
def mine_before() -> Any:
    """Where the worker's pay was before it was kept on the phone (a saved link still leads to it)."""
    return redirect(url_for("payroll.mine"), 301)


# ------------------------------------------------------------------ payee accounts


@bp.route("/pay/workers/<int:worker_id>/account", methods=["GET", "POST"])
@allow("organiser")
def payee(worker_id: int) -> Any:
    worker = get_station_worker_or_404(worker_id, current_user)
    account = db.session.get(PayeeAccount, worker.id)
    form = PayeeForm()
    status = 200
    if request.method == "GET":
        form.holder_name.data = account.holder_name if account else worker.name
        form.bank_name.data = account.bank_name if account else ""
    elif form.validate_on_submit():
        try:
            services.set_payee_account(
                worker,
                form.bank_name.data or "",
                form.account_number.data or "",
                current_user,
                form.holder_name.data,
            )
        except PayrollError as exc:
            db.session.rollback()
            _form_errors(form, exc)
            status = exc.status
        else:
            flash(_("Bank account saved for %(name)s.", name=worker.name), "success")
            return redirect(url_for("payroll.payee", worker_id=worker.id))
    else:
        status = 400
    return render_template("payroll/payee.html", worker=worker, account=account, form=form), status


# ------------------------------------------------------------------ rate changes


@bp.route("/pay/orders/<int:order_id>/rates", methods=["GET", "POST"])
@allow("coordinator", "organiser", "admin")
def rates(order_id: int) -> Any:
    order = db.session.get(Order, order_id)
    if order is None or not can_see(order, current_user):
        abort(404)
    may_change = current_user.role == Role.COORDINATOR and order.enterprise_id == current_user.enterprise_id
    form = RateForm()
    status = 200
    if request.method == "POST":
        if not may_change:
            abort(404)
        if not form.validate_on_submit():
            status = 400
        else:
            rate = None
            try:
                rate = parse_rate_yuan(form.rate.data or "")
            except ValueError:
                form.rate.errors = [
                    _("Enter the rate in yuan a piece, with at most 4 decimals, for example 0.35.")
                ]
                status = 422
            if rate is not None:
                try:
                    services.change_rate(
                        order,
                        _parse_day(form.effective_from.data),
                        rate,
                        form.reason.data or "",
                        current_user,
                    )
                except PayrollError as exc:
                    db.session.rollback()
                    _form_errors(form, exc)
                    flash(exc.message, "error")
                    status = exc.status
                else:
                    flash(_("The new rate is recorded."), "success")
                    return redirect(url_for("payroll.rates", order_id=order.id))
    return render_template(
        "payroll/rates.html",
        order=order,
        rows=services.order_rates(order.id),
        form=form,
        may_change=may_change,
    ), status
