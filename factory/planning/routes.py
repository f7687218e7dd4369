"""Planning pages: start a run, watch it, review it, pin and move lots, re-run, compare, publish."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from factory.access import allow
from factory.accounts.models import Role, User
from factory.extensions import db
from factory.jobs import services as jobs
from factory.jobs.queue import live_progress
from factory.jobs.routes import describe as describe_job
from factory.locking import begin_immediate_for
from factory.money import format_fen
from factory.orders.services import local_today
from factory.planning import domain, services
from factory.planning.domain import PlanningError
from factory.planning.forms import LotWorkerForm, RunForm
from factory.planning.models import PlanPin, PlanRun

bp = Blueprint("planning", __name__, url_prefix="/planning")

describe_job(
    services.JOB_KIND,
    lambda job: _("Work plan calculation"),
    lambda job: (
        url_for("planning.show", run_id=int((job.params or {}).get("run_id", 0))),
        _("Back to the plan"),
    ),
)

# Publishing reads the newest published plan and then writes tasks: on SQLite these requests take the
# write lock when they begin, so that a second publisher waits for the first and then sees its plan.
begin_immediate_for("planning.publish", "api.plans_publish")


def get_run_or_404(run_id: int, user: User) -> PlanRun:
    """The run, if the user may see it: the administrator all; an organiser their station's and the city's."""
    run = db.session.get(PlanRun, run_id)
    if run is None:
        abort(404)
    if user.role == Role.ADMIN:
        return run
    if user.role == Role.ORGANISER and (run.station_id is None or run.station_id == user.station_id):
        return run
    abort(404)


def get_own_run_or_404(run_id: int, user: User) -> PlanRun:
    """A run the user may change: the administrator the city's, an organiser their station's."""
    run = get_run_or_404(run_id, user)
    if (run.station_id is None) != (user.role == Role.ADMIN):
        abort(404)
    return run


def get_pin_or_404(pin_id: int, user: User) -> PlanPin:
    pin = db.session.get(PlanPin, pin_id)
    if pin is None:
        abort(404)
    if user.role == Role.ADMIN and pin.station_id is None:
        return pin
    if user.role == Role.ORGANISER and pin.station_id is not None and pin.station_id == user.station_id:
        return pin
    abort(404)


def _scope(user: User) -> int | None:
    return None if user.role == Role.ADMIN else user.station_id


def _index(form: RunForm, status: int = 200, error: str | None = None) -> Any:
    scope = _scope(current_user)
    if scope is not None:
        runs = services.runs_for(scope)
    else:
        runs = list(db.session.scalars(select(PlanRun).order_by(PlanRun.id.desc()).limit(30)))
    for run in runs:
        services.refresh(run)
    pins = services.pins_for(scope)
    return (
        render_template(
            "planning/index.html", form=form, runs=runs, pins=pins, error=error, city=scope is None
        ),
        status,
    )


@bp.route("/")
@allow("organiser", "admin")
def index() -> Any:
    form = RunForm()
    if not form.start.data:
        form.start.data = services.default_start()
    return _index(form)


@bp.route("/runs", methods=["POST"])
@allow("organiser", "admin")
def start() -> Any:
    form = RunForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        run = services.start_run(
            current_user, _scope(current_user), start=form.start.data, days=form.days.data
        )
    except PlanningError as exc:
        return _index(form, exc.status, exc.message)
    return redirect(url_for("planning.show", run_id=run.id), 303)


def _spread(page: services.ReviewPage) -> list[tuple[str, float, str, float]]:
    """Each worker who offers hours: (name, planned pay ÷ hours offered in yuan, planned pay, hours offered),
    highest first."""
    lines = sorted(
        (w for w in page.review.workers.values() if w.hours_offered > 0),
        key=lambda w: (-w.earnings_per_hour_units, page.names.get(w.worker_id, "")),
    )
    return [
        (
            page.names.get(w.worker_id, "?"),
            w.earnings_per_hour_units / 10_000,
            format_fen(round(w.earnings_units / 100)),
            w.hours_offered,
        )
        for w in lines
    ]


def _idle_words() -> tuple[dict[str, str], dict[str, str]]:
    """Why a worker has no work: a sentence for their card and a few words for the fairness list."""
    text = {
        domain.COULD_WORK: _("They could have taken a lot: consider giving them one by hand."),
        domain.NO_HOURS: _("They offer no hours in these days."),
        domain.NO_SKILL: _("None of these lots needs a skill they have (or they cannot fetch its material)."),
        domain.TOO_FEW_HOURS: _("Too few hours to finish any of these lots by its due date."),
    }
    short = {
        domain.COULD_WORK: _("could work"),
        domain.NO_HOURS: _("no hours"),
        domain.NO_SKILL: _("no matching skill"),
        domain.TOO_FEW_HOURS: _("too few hours"),
    }
    return text, short


def _review_context(run: PlanRun, page: services.ReviewPage) -> dict[str, Any]:
    text, short = _idle_words()
    others = [
        r for r in services.runs_for(run.station_id, 30) if r.id != run.id and r.station_id == run.station_id
    ]
    workers = sorted(
        ((w["id"], page.names.get(int(w["id"][1:]), w["id"])) for w in run.instance["workers"]),
        key=lambda x: x[1],
    )
    return {
        "run": run,
        "page": page,
        "spread": _spread(page),
        "idle_text": text,
        "idle_short": short,
        "others": others,
        "workers": workers,
        "yuan": format_fen,
        "changes": services.changes_since(run),
        "past": services.starts_in_the_past(run),
    }


@bp.route("/runs/<int:run_id>")
@allow("organiser", "admin")
def show(run_id: int) -> Any:
    run = get_run_or_404(run_id, current_user)
    services.refresh(run)
    own = (run.station_id is None) == (current_user.role == Role.ADMIN)
    if run.state != "done":
        progress, message = live_progress(run.job) if run.job else (0, "")
        return render_template("planning/running.html", run=run, progress=progress, message=message, own=own)
    page = services.review_page(run, station_id=_scope(current_user))
    return render_template(
        "planning/show.html",
        own=own,
        effect=services.publish_effect(run) if own else None,
        **_review_context(run, page),
    )


@bp.route("/runs/<int:run_id>.json")
@allow("organiser", "admin")
def status(run_id: int) -> Any:
    """The run's progress for the progress bar (the shape of the job status)."""
    run = get_run_or_404(run_id, current_user)
    services.refresh(run)
    progress, message = live_progress(run.job) if run.job else (100, "")
    state = run.state
    return {
        "id": run.id,
        "status": state,
        "progress": 100 if state == "done" else progress,
        "message": message,
        "finished": state in ("done", "failed", "cancelled"),
        "has_file": False,
    }


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@allow("organiser", "admin")
def cancel(run_id: int) -> Any:
    run = get_own_run_or_404(run_id, current_user)
    if run.job is not None:
        jobs.cancel(run.job)
    flash(_("Stopping: the best plan found so far is kept."))
    return redirect(url_for("planning.show", run_id=run.id), 303)


def _refuse(run: PlanRun, exc: PlanningError) -> Any:
    """Show the run again with the refusal; the 4xx status rolls everything back."""
    if run.state != "done":
        return (
            render_template(
                "planning/running.html", run=run, progress=0, message="", own=True, refusal=exc.message
            ),
            exc.status,
        )
    page = services.review_page(run, station_id=_scope(current_user))
    return (
        render_template(
            "planning/show.html",
            own=True,
            refusal=exc.message,
            effect=services.publish_effect(run),
            **_review_context(run, page),
        ),
        exc.status,
    )


def _lot_worker() -> tuple[int, int]:
    """The lot and worker a pin or a move names, or the refusal when the form does not name both."""
    form = LotWorkerForm()
    if not form.validate_on_submit():
        raise PlanningError("invalid", _("Choose a lot and a worker."))
    return form.lot_id.data, form.worker_id.data


@bp.route("/runs/<int:run_id>/pins", methods=["POST"])
@allow("organiser", "admin")
def pin(run_id: int) -> Any:
    run = get_own_run_or_404(run_id, current_user)
    try:
        lot_id, worker_id = _lot_worker()
        services.add_pin(current_user, run, lot_id, worker_id)
    except PlanningError as exc:
        return _refuse(run, exc)
    flash(_("Pinned. Every new run keeps this lot with this worker."))
    return redirect(url_for("planning.show", run_id=run.id, _anchor=f"lot-{lot_id}"), 303)


@bp.route("/pins/<int:pin_id>/delete", methods=["POST"])
@allow("organiser", "admin")
def unpin(pin_id: int) -> Any:
    pin = get_pin_or_404(pin_id, current_user)
    back = request.form.get("run_id", type=int)
    services.remove_pin(current_user, pin)
    flash(_("The pin is removed."))
    if back:
        return redirect(url_for("planning.show", run_id=back), 303)
    return redirect(url_for("planning.index"), 303)


@bp.route("/runs/<int:run_id>/move", methods=["POST"])
@allow("organiser", "admin")
def move(run_id: int) -> Any:
    run = get_own_run_or_404(run_id, current_user)
    try:
        lot_id, worker_id = _lot_worker()
        services.move(current_user, run, lot_id, worker_id)
    except PlanningError as exc:
        return _refuse(run, exc)
    flash(_("Moved. The lot is pinned to the new worker, so a re-run keeps it."))
    return redirect(url_for("planning.show", run_id=run.id, _anchor=f"lot-{lot_id}"), 303)


@bp.route("/runs/<int:run_id>/rerun", methods=["POST"])
@allow("organiser", "admin")
def rerun(run_id: int) -> Any:
    run = get_own_run_or_404(run_id, current_user)
    try:
        start = max(run.start_date, local_today())  # a plan is never re-made for days gone by
        new = services.start_run(current_user, run.station_id, start=start, days=run.days, previous=run)
    except PlanningError as exc:
        return _refuse(run, exc)
    return redirect(url_for("planning.show", run_id=new.id), 303)


@bp.route("/runs/<int:run_id>/publish", methods=["POST"])
@allow("organiser", "admin")
def publish(run_id: int) -> Any:
    run = get_own_run_or_404(run_id, current_user)
    withdraw = request.form.get("withdraw_unplaced") == "1"
    seen = [int(x) for x in request.form.get("seen_unplaced", "").split(",") if x.strip().isdigit()]
    changes_seen = request.form.get("changes_seen", type=int)
    try:
        result = services.publish(
            current_user, run, withdraw_unplaced=withdraw, seen_unplaced=seen, changes_seen=changes_seen
        )
    except PlanningError as exc:
        return _refuse(run, exc)
    flash(
        _(
            "Published: %(created)s new tasks, %(changed)s changed, %(cancelled)s withdrawn, "
            "%(unchanged)s unchanged. %(workers)s workers were told.",
            created=result.created,
            changed=result.changed,
            cancelled=result.cancelled,
            unchanged=result.unchanged,
            workers=len(result.affected_worker_ids),
        )
    )
    if result.kept_unplaced:
        flash(
            _(
                "%(n)s tasks this plan did not place stay with their workers.",
                n=result.kept_unplaced,
            )
        )
    return redirect(url_for("planning.show", run_id=run.id), 303)


@bp.route("/runs/<int:run_id>/compare")
@allow("organiser", "admin")
def compare(run_id: int) -> Any:
    run = get_run_or_404(run_id, current_user)
    other_id = request.args.get("with", type=int) or run.previous_run_id
    if other_id is None:
        abort(404)
    other = get_run_or_404(other_id, current_user)
    if run.state != "done" or other.state != "done":
        abort(404)
    a, b = (other, run) if other.id < run.id else (run, other)
    comparison = services.compare_runs(a, b)
    return render_template(
        "planning/compare.html",
        c=comparison,
        gap_a=services.domain.bound_gap_percent(a.stats or {}),
        gap_b=services.domain.bound_gap_percent(b.stats or {}),
    )
