"""Production pages: the worker's phone (today, report, decline, hand in) and the organiser's floor.

The worker's report, decline and hand-in forms work as plain form POSTs (a key in a hidden field makes a
double tap count once); `static/js/production.js` turns them into an outbox on the phone that sends the
same requests with keys of its own (`Idempotency-Key`) and asks for JSON back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from factory.access import allow, public
from factory.accounts.models import Role, User
from factory.extensions import db
from factory.locking import begin_immediate_for
from factory.orders.services import local_today, parse_date
from factory.production import floor, material, offline, services
from factory.production.models import DEAD, Inspection, InspectionPhoto, MaterialMovement, Report, Task
from factory.production.services import ProductionError
from factory.workers.models import WorkerSkill

bp = Blueprint("production", __name__)

# These requests read (the task, what was reported) and then write: on SQLite they take the write lock first.
begin_immediate_for(
    "production.report",
    "production.inspect",
    "production.reassign",
    "production.decline",
    "production.hand_in",
    "production.issue_material",
    "production.return_material",
    "production.record_loss",
    "api.create_report",
    "api.create_inspection",
)

STATUS_LABELS = {
    "assigned": _l("Not picked up"),
    "picked_up": _l("Material picked up"),
    "in_progress": _l("In progress"),
    "returned": _l("Handed in"),
    "inspected": _l("Inspected"),
    "done": _l("Done"),
    "declined": _l("Declined"),
    "cancelled": _l("Withdrawn"),
}
NOTICE_TEXTS = {
    "task_new": _l("New task: %(product)s, lot %(lot)s."),
    "task_changed": _l("Your plan changed: %(product)s, lot %(lot)s."),
    "task_withdrawn": _l("Task withdrawn: %(product)s, lot %(lot)s."),
    "rework": _l("%(pieces)s pieces of %(product)s, lot %(lot)s came back for rework: %(reason)s"),
    "task_declined": _l("%(worker)s declined %(product)s, lot %(lot)s."),
}


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def notice_text(kind: str, params: dict[str, Any]) -> str:
    template = NOTICE_TEXTS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


@bp.app_template_filter("num")
def num(value: Decimal | int) -> str:
    """A quantity without trailing zeros: 12.50 → 12.5, 100.000 → 100."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"task_status": status_label, "notice_text": notice_text, "whole_days": floor.whole_days}


# ------------------------------------------------------------------ load and authorise


def get_task_or_404(task_id: int, user: User) -> Task:
    """The task, if it is the worker's own or at the organiser's station."""
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    if user.role == Role.WORKER and task.worker_id == user.id:
        return task
    if user.role == Role.ORGANISER and task.station_id == user.station_id:
        return task
    abort(404)


def get_inspection_or_404(inspection_id: int, user: User) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404)
    get_task_or_404(inspection.task_id, user)
    return inspection


def report_hash(task_id: int, pieces: Any, minutes: Any) -> str:
    """What a report says, as the idempotency check compares it (the same on pages and the API)."""
    body = {
        "task": task_id,
        "pieces": str(pieces if pieces is not None else "").strip(),
        "minutes": str(minutes if minutes is not None else "").strip(),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


# ------------------------------------------------------------------ the worker's phone


def _today_context(
    errors: dict[int, dict[str, list[str]]] | None = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    today = local_today()
    horizon = today + timedelta(days=13)
    tasks = services.worker_day(current_user.id, today, horizon)
    stations = {t.station_id: t.station for t in tasks}
    now_tasks, later, finished = [], [], []
    for t in tasks:
        first = t.days[0].day if t.days else today
        if t.status in DEAD or t.status == "done":
            finished.append(t)
        elif first <= today or t.status != "assigned":
            now_tasks.append(t)
        else:
            later.append(t)
    later.sort(key=lambda t: (t.days[0].day if t.days else today, t.id))
    coming: dict[date, list[tuple[services.TaskCard, int]]] = {}
    for t in now_tasks + later:
        for day, pieces in floor.whole_days(t.days).items():
            if today < day <= horizon and pieces:
                coming.setdefault(day, []).append((t, pieces))
    holdings: dict[int, list[material.Holding]] = {}
    if now_tasks:  # the page shows what the worker holds for the tasks in hand
        holdings = material.material_in_hand(current_user.id, [t.id for t in now_tasks])
    return {
        "today": today,
        "tasks": now_tasks,
        "later": later,
        "finished": [t for t in finished if t.reported or t.status == "done"][:5],
        "coming": sorted(coming.items()),
        "stations": stations,
        "holdings": holdings,
        "notices": services.unread_notices(current_user.id),
        "planned_on": floor.planned_on,
        "errors": errors or {},
        "values": values or {},
        "new_key": lambda: uuid.uuid4().hex,
        "made_at": offline.made_at(),
    }


@bp.route("/today")
@allow("worker")
def today() -> Any:
    """The worker's day: today's tasks first, then the coming days."""
    return offline.kept_copy(render_template("production/today.html", **_today_context()))


@bp.route("/today/notices/read", methods=["POST"])
@allow("worker", "organiser")
def notices_read() -> Any:
    services.mark_read(current_user.id)
    target = "production.today" if current_user.role == Role.WORKER else "production.board"
    return redirect(url_for(target))


@bp.route("/today/tasks/<int:task_id>/report", methods=["POST"])
@allow("worker")
def report(task_id: int) -> Any:
    """Count finished pieces: a form POST (hidden key) or the outbox's request (JSON answer)."""
    task = get_task_or_404(task_id, current_user)
    key = (request.headers.get("Idempotency-Key") or request.form.get("key") or "").strip()
    pieces, minutes = request.form.get("pieces"), request.form.get("minutes") or None
    try:
        saved, created = services.record_report(
            task.id, current_user, pieces, key, report_hash(task.id, pieces, minutes), minutes
        )
    except ProductionError as exc:
        if _wants_json():
            return jsonify(
                {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
            ), exc.status
        fields = exc.fields or {"pieces": [exc.message]}
        context = _today_context({task.id: fields}, {"pieces": pieces})
        return render_template("production/today.html", **context), exc.status
    db.session.refresh(task)
    if _wants_json():
        return jsonify(
            {
                "report_id": saved.id,
                "task_id": task.id,
                "pieces": saved.pieces,
                "created": created,
                "reported": saved.reported_after,
                "left": task.pieces - task.reported,
            }
        ), (201 if created else 200)
    if created:
        flash(
            _(
                "Counted %(pieces)s pieces. %(left)s left in this lot.",
                pieces=saved.pieces,
                left=task.pieces - task.reported,
            ),
            "success",
        )
    else:
        flash(_("This report was already counted."), "success")
    return redirect(url_for("production.today") + f"#task-{task.id}")


def _request_key() -> str | None:
    """The idempotency key a change was sent with: the outbox's header, or the form's hidden field."""
    if "Idempotency-Key" in request.headers:
        return request.headers["Idempotency-Key"]  # an empty or too long one is refused
    return request.form.get("key") or None  # a page without the field (an old copy) sends none


def _action_done(task: Task, action: str, message: str) -> Any:
    """The answer to a worker's change to a task: JSON for the outbox (the same for a resend), else the page."""
    if _wants_json():
        status = "declined" if action == "decline" else "returned"
        return jsonify(
            {
                "task_id": task.id,
                "action": action,
                "status": status,
                "status_label": status_label(status),
                "message": message,
            }
        )
    flash(message, "success")
    return redirect(url_for("production.today"))


def _action_refused(exc: ProductionError) -> Any:
    if _wants_json():
        return jsonify(
            {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
        ), exc.status
    return _refused(exc)


@bp.route("/today/tasks/<int:task_id>/decline", methods=["POST"])
@allow("worker")
def decline(task_id: int) -> Any:
    """Turn a task down before picking up its material: a form POST (hidden key) or the outbox's request."""
    task = get_task_or_404(task_id, current_user)
    try:
        services.decline_task(task.id, current_user, request.form.get("reason", ""), _request_key())
    except ProductionError as exc:
        return _action_refused(exc)
    return _action_done(task, "decline", _("You declined this task. Your organiser has been told."))


def _refused(exc: ProductionError) -> Any:
    """A refused form on a page that has no form of its own to re-show: the message, and nothing kept."""
    return render_template("production/refused.html", message=exc.message), exc.status


@bp.route("/today/tasks/<int:task_id>/hand-in", methods=["POST"])
@allow("worker")
def hand_in(task_id: int) -> Any:
    """Say the lot's finished pieces are back at the station: a form POST or the outbox's request."""
    task = get_task_or_404(task_id, current_user)
    try:
        services.mark_returned(task.id, current_user, _request_key())
    except ProductionError as exc:
        return _action_refused(exc)
    return _action_done(task, "hand_in", _("Noted: the pieces are handed in for inspection."))


@bp.route("/today/tasks/<int:task_id>")
@allow("worker")
def task(task_id: int) -> Any:
    """One of the worker's tasks: its days, reports, inspections and the material they hold."""
    return offline.kept_copy(_task_page(get_task_or_404(task_id, current_user)))


@bp.route("/today/offline")
@public
def offline_page() -> Any:
    """What the phone shows for a worker's page it has no copy of when there is no network.

    The service worker keeps it from when it is installed, for every session on the phone: so it shows
    nobody's name or tasks, and no form.
    """
    response = Response(render_template(offline.FALLBACK_TEMPLATE), mimetype="text/html")
    response.headers["Content-Language"] = offline.page_language()
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
@public
def service_worker() -> Any:
    """The service worker that keeps the worker's pages for when the phone has no network."""
    response = Response(offline.script(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("production.today")
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/production/tasks/<int:task_id>")
@allow("organiser")
def organiser_task(task_id: int) -> Any:
    """A task at the organiser's station, with the forms for material, inspection and reassigning."""
    return _task_page(get_task_or_404(task_id, current_user))


def _task_page(task: Task) -> Any:
    reports = db.session.scalars(
        select(Report).where(Report.task_id == task.id).order_by(Report.id.desc())
    ).all()
    inspections = db.session.scalars(
        select(Inspection)
        .where(Inspection.task_id == task.id)
        .options(selectinload(Inspection.photo))
        .order_by(Inspection.id.desc())
    ).all()
    moves = db.session.scalars(
        select(MaterialMovement).where(MaterialMovement.task_id == task.id).order_by(MaterialMovement.id)
    ).all()
    context: dict[str, Any] = {
        "task": task,
        "reports": reports,
        "inspections": inspections,
        "moves": moves,
        "holdings": material.material_in_hand(task.worker_id, [task.id]).get(task.id, []),
        "today": local_today(),
        "made_at": offline.made_at(),
        "new_key": lambda: uuid.uuid4().hex,
    }
    if current_user.role == Role.ORGANISER:
        context.update(_organiser_forms(task))
        return render_template("production/task_organiser.html", **context)
    return render_template("production/task_worker.html", **context)


# ------------------------------------------------------------------ the organiser's floor


def _organiser_forms(
    task: Task, errors: dict[str, list[str]] | None = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    workers = db.session.scalars(
        select(User)
        .where(User.station_id == task.station_id, User.role == Role.WORKER, User.is_disabled.is_(False))
        .order_by(User.name)
    ).all()
    # Those who can do the lot's work come first; the others stay choosable (a skill may be learned on the job).
    able = set(
        db.session.scalars(
            select(WorkerSkill.worker_id).where(
                WorkerSkill.skill_id == task.order.skill_id,
                WorkerSkill.worker_id.in_([w.id for w in workers]),
            )
        )
    )
    return {
        "kit": material.kit(task),
        "to_issue": material.still_needed(task),
        "reasons": floor.reject_reasons(task.station_id),
        "workers": [w for w in workers if w.id != task.worker_id and w.id in able],
        "other_workers": [w for w in workers if w.id != task.worker_id and w.id not in able],
        "errors": errors or {},
        "values": values or {},
    }


def _task_refused(task: Task, exc: ProductionError, form: str) -> Any:
    """Show the task page again with the refused form's message beside its fields; nothing is kept."""
    reports = db.session.scalars(
        select(Report).where(Report.task_id == task.id).order_by(Report.id.desc())
    ).all()
    inspections = db.session.scalars(
        select(Inspection).where(Inspection.task_id == task.id).order_by(Inspection.id.desc())
    ).all()
    moves = db.session.scalars(select(MaterialMovement).where(MaterialMovement.task_id == task.id)).all()
    fields = exc.fields or {"_form": [exc.message]}
    context = {
        "task": task,
        "reports": reports,
        "inspections": inspections,
        "moves": moves,
        "holdings": material.material_in_hand(task.worker_id, [task.id]).get(task.id, []),
        "today": local_today(),
        "failed_form": form,
        "form_message": exc.message,
        **_organiser_forms(task, fields, request.form.to_dict()),
    }
    return render_template("production/task_organiser.html", **context), exc.status


@bp.route("/production")
@allow("organiser")
def board() -> Any:
    """The station's day board."""
    station_id = current_user.station_id
    return render_template(
        "production/board.html",
        board=floor.day_board(station_id),
        notices=services.unread_notices(current_user.id),
        quality=floor.quality_by_worker(station_id, local_today() - timedelta(days=30)),
    )


@bp.route("/production/tasks")
@allow("organiser")
def tasks() -> Any:
    today = local_today()
    rows = services.station_tasks(
        current_user.station_id, today - timedelta(days=30), today + timedelta(days=30)
    )
    return render_template("production/tasks.html", tasks=rows, today=today)


def _quantities(prefix: str = "material_") -> dict[int, str]:
    out = {}
    for name, value in request.form.items():
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            out[int(name[len(prefix) :])] = value
    return out


def _move_material(task_id: int, kind: str) -> Any:
    task = get_task_or_404(task_id, current_user)
    note = request.form.get("note", "")
    try:
        if kind == "issue":
            material.issue_material(task.id, current_user, _quantities() or None, note)
            flash(_("Material handed out."), "success")
        elif kind == "return":
            material.return_material(task.id, current_user, _quantities(), note)
            flash(_("Material taken back."), "success")
        else:
            material.record_loss(task.id, current_user, _quantities(), note)
            flash(_("Loss recorded."), "success")
    except ProductionError as exc:
        return _task_refused(task, exc, kind)
    return redirect(url_for("production.organiser_task", task_id=task.id))


@bp.route("/production/tasks/<int:task_id>/material/issue", methods=["POST"])
@allow("organiser")
def issue_material(task_id: int) -> Any:
    """Hand a kit out (the quantities in the form; the whole kit when the form names none)."""
    return _move_material(task_id, "issue")


@bp.route("/production/tasks/<int:task_id>/material/return", methods=["POST"])
@allow("organiser")
def return_material(task_id: int) -> Any:
    return _move_material(task_id, "return")


@bp.route("/production/tasks/<int:task_id>/material/loss", methods=["POST"])
@allow("organiser")
def record_loss(task_id: int) -> Any:
    return _move_material(task_id, "loss")


@bp.route("/production/tasks/<int:task_id>/inspect", methods=["POST"])
@allow("organiser")
def inspect(task_id: int) -> Any:
    task = get_task_or_404(task_id, current_user)
    photo = None
    upload = request.files.get("photo")
    try:
        if upload is not None and upload.filename:
            try:
                data = upload.read(services.PHOTO_LIMIT + 1)
            finally:
                upload.close()
            photo = (services.check_photo(data), data)
        on, problem = parse_date(request.form.get("inspected_on") or local_today().isoformat())
        if problem or on is None:
            raise services.field_error("inspected_on", problem or _("Enter a date as YYYY-MM-DD."))
        services.record_inspection(
            task.id,
            current_user,
            request.form.get("accepted"),
            request.form.get("rejected"),
            request.form.get("reason", ""),
            on,
            request.form.get("rework") == "1",
            reason_code=request.form.get("reason_code") or None,
            photo=photo,
        )
    except ProductionError as exc:
        return _task_refused(task, exc, "inspect")
    flash(_("Inspection recorded."), "success")
    return redirect(url_for("production.organiser_task", task_id=task.id))


@bp.route("/production/tasks/<int:task_id>/reassign", methods=["POST"])
@allow("organiser")
def reassign(task_id: int) -> Any:
    task = get_task_or_404(task_id, current_user)
    worker_id = request.form.get("worker_id", "")
    try:
        new = services.reassign_task(task.id, int(worker_id) if worker_id.isdigit() else 0, current_user)
    except ProductionError as exc:
        return _task_refused(task, exc, "reassign")
    flash(_("The rest of the lot went to %(name)s.", name=new.worker.name), "success")
    return redirect(url_for("production.organiser_task", task_id=new.id))


@bp.route("/production/tasks/<int:task_id>/hand-in", methods=["POST"])
@allow("organiser")
def organiser_hand_in(task_id: int) -> Any:
    task = get_task_or_404(task_id, current_user)
    try:
        services.mark_returned(task.id, current_user)
    except ProductionError as exc:
        return _task_refused(task, exc, "hand_in")
    flash(_("Noted: the pieces are handed in for inspection."), "success")
    return redirect(url_for("production.organiser_task", task_id=task.id))


@bp.route("/production/inspections/<int:inspection_id>/photo")
@allow("organiser", "worker")
def photo(inspection_id: int) -> Any:
    inspection = get_inspection_or_404(inspection_id, current_user)
    found = db.session.scalar(select(InspectionPhoto).where(InspectionPhoto.inspection_id == inspection.id))
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/production/material")
@allow("organiser")
def ledger() -> Any:
    return render_template("production/ledger.html", lines=material.station_ledger(current_user.station_id))


@bp.route("/production/quality")
@allow("organiser")
def quality() -> Any:
    since = local_today() - timedelta(days=90)
    return render_template(
        "production/quality.html", rows=floor.quality_by_worker(current_user.station_id, since), since=since
    )


@bp.route("/production/reasons", methods=["GET", "POST"])
@allow("organiser")
def reasons() -> Any:
    station_id = current_user.station_id
    status = 200
    error = None
    if request.method == "POST":
        try:
            floor.add_reject_reason(station_id, request.form.get("label", ""), current_user)
            flash(_("Reason added."), "success")
            return redirect(url_for("production.reasons"))
        except ProductionError as exc:
            error, status = exc.message, exc.status
    return render_template(
        "production/reasons.html", reasons=floor.reject_reasons(station_id), error=error
    ), status


@bp.route("/production/reasons/<int:reason_id>/remove", methods=["POST"])
@allow("organiser")
def remove_reason(reason_id: int) -> Any:
    try:
        floor.remove_reject_reason(reason_id, current_user)
    except ProductionError:
        abort(404)
    flash(_("Reason removed from the list."), "success")
    return redirect(url_for("production.reasons"))
