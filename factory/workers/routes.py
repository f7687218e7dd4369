"""Worker pages: the organiser's roster, registration, a worker's page, trials, hours, import and export,
training; the worker's own profile and hours on the phone; the administrator's skills list."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from factory import tabular
from factory.access import allow
from factory.accounts.models import Role, Station, User
from factory.audit.services import record
from factory.extensions import db
from factory.orders.services import local_today
from factory.reference.models import Skill
from factory.workers import domain, services, training, transfer, work
from factory.workers.forms import (
    CourseForm,
    ImportForm,
    SelfForm,
    SessionForm,
    SkillAdminForm,
    SkillForm,
    StepForm,
    TrialForm,
    WorkerForm,
    category_labels,
)
from factory.workers.models import Course, WorkerProfile

bp = Blueprint("workers", __name__)

HOURS_STEP = Decimal("0.5")
AHEAD_DAYS = 14
SKILL_CODE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


# ---------------------------------------------------------------- loading with the tenant check


def get_worker_or_404(worker_id: int, user: User) -> WorkerProfile:
    """The worker, if `user` may see them: their organiser's station, an administrator, or themselves."""
    account = db.session.get(User, worker_id)
    if account is None or account.role != Role.WORKER:
        abort(404)
    worker = services.ensure_profile(account)
    if user.role == Role.ADMIN or user.id == worker.user_id:
        return worker
    if user.role == Role.ORGANISER and user.station_id == worker.user.station_id:
        return worker
    abort(404)


def get_course_or_404(course_id: int, user: User) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    if user.role == Role.ADMIN or (user.role == Role.ORGANISER and user.station_id == course.station_id):
        return course
    abort(404)


def get_skill_or_404(skill_id: int, user: User) -> Skill:
    skill = db.session.get(Skill, skill_id)
    if skill is None or user.role != Role.ADMIN:
        abort(404)
    return skill


def own_profile() -> WorkerProfile:
    return services.ensure_profile(current_user)


def acting_station() -> Station:
    """The station an organiser manages, or the one an administrator picked (?station=)."""
    if current_user.role == Role.ORGANISER:
        return current_user.station
    station_id = request.args.get("station", type=int) or request.form.get("station", type=int)
    station = db.session.get(Station, station_id) if station_id else None
    if station is None:
        station = db.session.scalar(select(Station).order_by(Station.name))
    if station is None:
        raise NoStation
    return station


class NoStation(Exception):
    """An administrator opened a station's page before any station exists."""


@bp.errorhandler(NoStation)
def _no_station(exc: NoStation) -> Any:
    return render_template("workers/no_station.html")


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _skill_choices() -> list[SelectChoice]:
    locale = _locale()
    return [
        SelectChoice(s.code, s.display_name(locale))
        for s in db.session.scalars(select(Skill).order_by(Skill.id))
    ]


def _fail(form: Any, exc: services.WorkerInputError) -> None:
    """Put service messages next to their fields (or on the form when there is no such field)."""
    for name, messages in exc.fields.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            if isinstance(target.errors, dict):
                continue
            target.errors = list(target.errors) + messages
        else:
            form.form_errors.extend(messages)


def _stations_near(station: Station, worker: WorkerProfile | None) -> list[Station]:
    """Stations offered for 'can also fetch from': the same district first, then any already reached."""
    reached = {r.station_id for r in worker.reach} if worker else set()
    rows = db.session.scalars(select(Station).where(Station.id != station.id).order_by(Station.name)).all()
    near = [s for s in rows if s.district_id == station.district_id or s.id in reached]
    return near or list(rows)[:20]


def _reach_from_form(stations: list[Station]) -> dict[int, str]:
    out = {}
    for s in stations:
        value = request.form.get(f"reach-{s.id}", "").strip()
        if value:
            out[s.id] = value
    return out


def _input_from_form(form: WorkerForm, stations: list[Station]) -> services.WorkerInput:
    return services.WorkerInput(
        name=form.name.data or "",
        mobile=form.mobile.data or "",
        id_number=form.id_number.data or None,
        skills=form.skills.data or None,
        weekly_hours=form.weekly_hours.data or None,
        hard_to_employ=bool(form.hard_to_employ.data),
        hardship_category=form.hardship_category.data or None,
        priority=bool(form.priority.data),
        reach=_reach_from_form(stations),
        notes=form.notes.data or "",
    )


# ---------------------------------------------------------------- roster


@bp.route("/workers/")
@allow("organiser", "admin")
def index() -> Any:
    station = acting_station()
    q = (request.args.get("q") or "").strip()
    show = request.args.get("show", "current")
    workers = services.station_workers(station.id, include_left=show == "all")
    if q:
        workers = [w for w in workers if q in w.user.name or q in w.user.mobile]
    today = local_today()
    week = {w.user_id: sum(d.hours for d in services.days_ahead(w, today, 7)) for w in workers}
    stations = (
        db.session.scalars(select(Station).order_by(Station.name)).all()
        if current_user.role == Role.ADMIN
        else []
    )
    return render_template(
        "workers/index.html",
        station=station,
        stations=stations,
        workers=workers,
        week=week,
        q=q,
        show=show,
        mobile_for=services.mobile_for,
        activated=services.is_activated,
        has_code=services.has_valid_code,
        categories=category_labels(),
        form=StepForm(),
    )


@bp.route("/workers/new", methods=["GET", "POST"])
@allow("organiser", "admin")
def new() -> Any:
    station = acting_station()
    form = WorkerForm()
    stations = _stations_near(station, None)
    status = 200
    if form.validate_on_submit():
        try:
            worker, code = services.register_worker(current_user, station, _input_from_form(form, stations))
        except services.WorkerInputError as exc:
            _fail(form, exc)
            status = 422
        else:
            return render_template("workers/registered.html", worker=worker, code=code, station=station), 201
    elif form.is_submitted():
        status = 422
    return render_template(
        "workers/form.html", form=form, station=station, stations=stations, reach={}, worker=None
    ), status


@bp.route("/workers/<int:worker_id>")
@allow("organiser", "admin")
def show(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    return _show(worker)


def _show(
    worker: WorkerProfile,
    *,
    revealed: str | None = None,
    code: str | None = None,
    skill_form: SkillForm | None = None,
    status: int = 200,
) -> Any:
    if skill_form is None:
        skill_form = SkillForm(formdata=None)
    skill_form.skill.choices = _skill_choices()
    days = services.days_ahead(worker, local_today(), AHEAD_DAYS)
    return render_template(
        "workers/show.html",
        worker=worker,
        mobile=services.mobile_for(current_user, worker),
        revealed=revealed,
        code=code,
        skill_form=skill_form,
        days=days,
        weekly=services.weekly_hours(worker),
        trials=services.trials(worker)[:10],
        courses=training.worker_courses(worker.user_id),
        activated=services.is_activated(worker),
        has_code=services.has_valid_code(worker),
        categories=category_labels(),
        locale=_locale(),
        form=StepForm(),
        work=work.work_overview(
            worker.user_id,
            current_user.station_id if current_user.role == Role.ORGANISER else None,
            worker.user.station_id,
        ),
        organiser=current_user.role == Role.ORGANISER,
    ), status


@bp.route("/workers/<int:worker_id>/edit", methods=["GET", "POST"])
@allow("organiser", "admin")
def edit(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    station = worker.user.station
    stations = _stations_near(station, worker)
    form = WorkerForm(
        data={
            "name": worker.user.name,
            "mobile": worker.user.mobile,
            "hard_to_employ": worker.hard_to_employ,
            "hardship_category": worker.hardship_category or "",
            "priority": worker.priority,
            "notes": worker.notes,
        }
        if request.method == "GET"
        else None
    )
    status = 200
    if form.validate_on_submit():
        data = _input_from_form(form, stations)
        data.skills = None  # skills and hours have their own forms on the worker's page
        data.weekly_hours = None
        try:
            services.update_worker(
                current_user, worker, data, clear_id_number=bool(form.clear_id_number.data)
            )
        except services.WorkerInputError as exc:
            _fail(form, exc)
            status = 422
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("workers.show", worker_id=worker.user_id))
    elif form.is_submitted():
        status = 422
    reach = {r.station_id: r.minutes for r in worker.reach}
    if request.method == "POST":
        reach = _reach_from_form(stations)
    return render_template(
        "workers/form.html", form=form, station=station, stations=stations, reach=reach, worker=worker
    ), status


@bp.route("/workers/<int:worker_id>/reveal", methods=["POST"])
@allow("organiser", "admin")
def reveal(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    if not StepForm().validate_on_submit():
        abort(400)
    return _show(worker, revealed=services.reveal_id_number(current_user, worker))


@bp.route("/workers/<int:worker_id>/leave")
@allow("organiser", "admin")
def confirm_leave(worker_id: int) -> Any:
    """Ask before marking a worker as left (the account is disabled and they are signed out)."""
    worker = get_worker_or_404(worker_id, current_user)
    if worker.left_at is not None:
        return redirect(url_for("workers.show", worker_id=worker.user_id))
    return render_template("workers/leave.html", worker=worker, form=StepForm())


@bp.route("/workers/<int:worker_id>/status", methods=["POST"])
@allow("organiser", "admin")
def change_status(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    if not StepForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    if action == "pause":
        services.set_paused(current_user, worker, True)
        flash(_("%(name)s is paused: no new work will be planned for them.", name=worker.user.name), "info")
    elif action == "resume":
        services.set_paused(current_user, worker, False)
        flash(_("%(name)s can be given work again.", name=worker.user.name), "info")
    elif action == "leave":
        services.leave(current_user, worker)
        flash(
            _(
                "%(name)s has left. Their account is disabled: they cannot sign in. Their history is kept.",
                name=worker.user.name,
            ),
            "info",
        )
    elif action == "rejoin":
        services.rejoin(current_user, worker)
        flash(_("%(name)s is back; their account works again.", name=worker.user.name), "info")
    else:
        abort(400)
    return redirect(url_for("workers.show", worker_id=worker.user_id), 303)


@bp.route("/workers/<int:worker_id>/code", methods=["POST"])
@allow("organiser", "admin")
def code(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    if not StepForm().validate_on_submit():
        abort(400)
    if worker.left_at is not None:
        abort(409)
    return _show(worker, code=services.new_activation_code(current_user, worker))


@bp.route("/workers/slips", methods=["POST"])
@allow("organiser", "admin")
def slips() -> Any:
    """Print activation slips for the chosen workers who have not activated their account."""
    if not StepForm().validate_on_submit():
        abort(400)
    station = acting_station()
    wanted = {int(v) for v in request.form.getlist("worker") if v.isdigit()}
    workers = [w for w in services.station_workers(station.id) if w.user_id in wanted]
    issued = services.issue_codes(current_user, workers)
    if not issued:
        flash(_("Choose at least one worker who has not activated their account yet."), "error")
        return redirect(url_for("workers.index", station=station.id), 303)
    return render_template("workers/slips.html", issued=issued, station=station)


# ---------------------------------------------------------------- skills and trials


@bp.route("/workers/<int:worker_id>/skills", methods=["POST"])
@allow("organiser", "admin")
def set_skill(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    form = SkillForm()
    form.skill.choices = _skill_choices()
    if request.form.get("remove"):
        if not StepForm().validate_on_submit():
            abort(400)
        services.remove_skill(current_user, worker, request.form["remove"])
        return redirect(url_for("workers.show", worker_id=worker.user_id), 303)
    if not form.validate_on_submit():
        return _show(worker, skill_form=form, status=422)
    try:
        services.set_skill(current_user, worker, form.skill.data, form.speed.data, source="estimated")
    except services.WorkerInputError as exc:
        _fail(form, exc)
        return _show(worker, skill_form=form, status=422)
    flash(_("Saved."), "success")
    return redirect(url_for("workers.show", worker_id=worker.user_id), 303)


@bp.route("/workers/<int:worker_id>/trial", methods=["GET", "POST"])
@allow("organiser", "admin")
def trial(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    form = TrialForm()
    form.skill.choices = _skill_choices()
    if request.method == "GET" and request.args.get("skill"):
        form.skill.data = request.args["skill"]
    status = 200
    if form.validate_on_submit():
        try:
            result = services.record_trial(
                current_user, worker, form.skill.data, form.pieces.data, form.minutes.data
            )
        except services.WorkerInputError as exc:
            _fail(form, exc)
            status = 422
        else:
            flash(
                _(
                    "Trial recorded: %(pieces)s pieces in %(minutes)s minutes is %(speed)s pieces per hour.",
                    pieces=result.pieces,
                    minutes=result.minutes,
                    speed=result.speed,
                ),
                "success",
            )
            return redirect(url_for("workers.show", worker_id=worker.user_id), 303)
    elif form.is_submitted():
        status = 422
    return render_template(
        "workers/trial.html", form=form, worker=worker, trials=services.trials(worker)
    ), status


# ---------------------------------------------------------------- hours


def _parse_hours_form(keys: list[str], *, only_sent: bool = False) -> tuple[dict[str, str], str | None]:
    """Read the day fields and the +/- button pressed (`step` = "key:+" or "key:-").

    With `only_sent`, a key the form did not send is left out (not read as 0): a page opened yesterday and
    saved after midnight lacks the new fourteenth day, whose hours must stay as they are.
    """
    values = {
        k: (request.form.get(f"h-{k}") or "0").strip()
        for k in keys
        if not only_sent or f"h-{k}" in request.form
    }
    step = request.form.get("step")
    if step and ":" in step:
        key, sign = step.rsplit(":", 1)
        if key in values:
            try:
                current = Decimal(values[key])
            except InvalidOperation:
                current = Decimal(0)
            new = current + HOURS_STEP if sign == "+" else current - HOURS_STEP
            values[key] = str(min(Decimal(24), max(Decimal(0), new)))
    return values, step


def _hours_page(worker: WorkerProfile, template: str, back: str) -> Any:
    """The two-weeks-ahead and weekly-pattern editor, for the worker and for their organiser."""
    start = local_today()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not StepForm().validate_on_submit():
            abort(400)
        part = request.form.get("part", "days")
        try:
            if part == "weekly":
                values, _step = _parse_hours_form([str(i) for i in range(7)])
                services.set_weekly_hours(current_user, worker, [values[str(i)] for i in range(7)])
            else:
                keys = [(start + timedelta(days=i)).isoformat() for i in range(AHEAD_DAYS)]
                values, _step = _parse_hours_form(keys, only_sent=True)
                services.set_days(current_user, worker, {date.fromisoformat(k): v for k, v in values.items()})
        except services.WorkerInputError as exc:
            errors = exc.fields
            status = 422
        else:
            if not request.form.get("step"):
                flash(
                    _("Your hours are saved.") if worker.user_id == current_user.id else _("Saved."),
                    "success",
                )
            return redirect(request.path + ("#weekly" if part == "weekly" else "#days"), 303)
    return render_template(
        template,
        worker=worker,
        days=services.days_ahead(worker, start, AHEAD_DAYS),
        weekly=services.weekly_hours(worker),
        errors=errors,
        back=back,
        form=StepForm(),
    ), status


@bp.route("/workers/<int:worker_id>/hours", methods=["GET", "POST"])
@allow("organiser", "admin")
def hours(worker_id: int) -> Any:
    worker = get_worker_or_404(worker_id, current_user)
    return _hours_page(worker, "workers/hours.html", url_for("workers.show", worker_id=worker.user_id))


@bp.route("/my/hours", methods=["GET", "POST"])
@allow("worker")
def my_hours() -> Any:
    return _hours_page(own_profile(), "workers/hours.html", url_for("home.index"))


# ---------------------------------------------------------------- the worker's own data


@bp.route("/my/profile", methods=["GET", "POST"])
@allow("worker")
def my_profile() -> Any:
    worker = own_profile()
    form = SelfForm(
        data={"name": worker.user.name, "mobile": worker.user.mobile} if request.method == "GET" else None
    )
    status = 200
    if form.validate_on_submit():
        data = services.WorkerInput(
            name=form.name.data, mobile=form.mobile.data, id_number=form.id_number.data or None
        )
        try:
            services.update_worker(current_user, worker, data)
        except services.WorkerInputError as exc:
            _fail(form, exc)
            status = 422
        else:
            flash(_("Your details are saved."), "success")
            return redirect(url_for("workers.my_profile"), 303)
    elif form.is_submitted():
        status = 422
    return render_template(
        "workers/my_profile.html",
        form=form,
        worker=worker,
        courses=training.worker_courses(worker.user_id),
        categories=category_labels(),
        locale=_locale(),
    ), status


# ---------------------------------------------------------------- import and export


@bp.route("/workers/import", methods=["GET", "POST"])
@allow("organiser", "admin")
def import_page() -> Any:
    station = acting_station()
    form = ImportForm()
    problems: list[transfer.Problem] = []
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.read(tabular.MAX_BYTES + 1)
        finally:
            upload.close()
        try:
            created = transfer.import_workers(current_user, station, upload.filename or "", data)
        except transfer.ImportRefused as exc:
            problems = exc.problems
            status = 422
        else:
            flash(
                _(
                    "%(count)s workers registered. Give each an activation code when you meet them.",
                    count=len(created),
                ),
                "success",
            )
            return redirect(url_for("workers.index", station=station.id), 303)
    elif form.is_submitted():
        status = 422
    return render_template(
        "workers/import.html",
        form=form,
        problems=problems,
        columns=transfer.COLUMNS,
        station=station,
        aliases=transfer.ALIASES,
    ), status


@bp.route("/workers/import/template.csv")
@allow("organiser", "admin")
def import_template() -> Any:
    headers, rows = transfer.template_rows()
    return Response(
        tabular.write_csv(headers, rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=workers-template.csv"},
    )


@bp.route("/workers/export.csv")
@allow("organiser", "admin")
def export_csv() -> Any:
    return _export("csv")


@bp.route("/workers/export.xlsx")
@allow("organiser", "admin")
def export_xlsx() -> Any:
    return _export("xlsx")


def _export(fmt: str) -> Any:
    station = acting_station()
    headers, rows = transfer.export_table(station.id, _locale())
    record(
        current_user,
        "worker.export",
        station,
        after={"format": fmt, "rows": len(rows)},
        station_id=station.id,
    )
    stamp = local_today().strftime("%Y%m%d")
    if fmt == "csv":
        body, mimetype = tabular.write_csv(headers, rows), "text/csv; charset=utf-8"
    else:
        body = tabular.write_xlsx(headers, rows, _("Workers"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        content_type=mimetype,
        headers={"Content-Disposition": f"attachment; filename=workers-{station.id}-{stamp}.{fmt}"},
    )


# ---------------------------------------------------------------- training


@bp.route("/workers/courses", methods=["GET", "POST"])
@allow("organiser", "admin")
def courses() -> Any:
    station = acting_station()
    form = CourseForm()
    form.skill.choices = _skill_choices()
    status = 200
    if form.validate_on_submit():
        try:
            course = training.create_course(
                current_user, station, form.name.data, form.skill.data, form.starting_speed.data
            )
        except services.WorkerInputError as exc:
            _fail(form, exc)
            status = 422
        else:
            return redirect(url_for("workers.course", course_id=course.id), 303)
    elif form.is_submitted():
        status = 422
    rows = training.station_courses(station.id)
    return render_template(
        "workers/courses.html", form=form, courses=rows, station=station, locale=_locale()
    ), status


@bp.route("/workers/courses/<int:course_id>", methods=["GET", "POST"])
@allow("organiser", "admin")
def course(course_id: int) -> Any:
    course = get_course_or_404(course_id, current_user)
    session_form = SessionForm(prefix="s")
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "session":
            if session_form.validate_on_submit():
                try:
                    training.add_session(
                        current_user,
                        course,
                        session_form.day.data,
                        session_form.hours.data,
                        session_form.topic.data or "",
                    )
                except services.WorkerInputError as exc:
                    _fail(session_form, exc)
                    status = 422
                else:
                    return redirect(url_for("workers.course", course_id=course.id), 303)
            else:
                status = 422
        else:
            if not StepForm().validate_on_submit():
                abort(400)
            status = _course_action(course, action)
            if status < 400:
                return redirect(url_for("workers.course", course_id=course.id), 303)
    enrolled = {p.worker_id for p in course.participants}
    candidates = [w for w in services.station_workers(course.station_id) if w.user_id not in enrolled]
    return render_template(
        "workers/course.html",
        course=course,
        session_form=session_form,
        progress=training.progress(course),
        candidates=candidates,
        locale=_locale(),
        form=StepForm(),
    ), status


def _course_action(course: Course, action: str | None) -> int:
    def worker_from_form() -> WorkerProfile:
        worker_id = request.form.get("worker", type=int)
        worker = db.session.get(WorkerProfile, worker_id) if worker_id else None
        if worker is None or worker.user.station_id != course.station_id:
            abort(422)
        return worker

    if action == "enrol":
        training.enrol(current_user, course, worker_from_form())
    elif action == "attendance":
        session_id = request.form.get("session", type=int)
        session = next((s for s in course.sessions if s.id == session_id), None)
        if session is None:
            abort(422)
        present = {int(v) for v in request.form.getlist("present") if v.isdigit()}
        training.set_attendance(current_user, session, present)
        flash(_("Attendance saved."), "success")
    elif action == "complete":
        worker = worker_from_form()
        if training.complete(current_user, course, worker):
            flash(
                _(
                    "%(name)s completed the course and now has the skill %(skill)s.",
                    name=worker.user.name,
                    skill=course.skill.display_name(_locale()),
                ),
                "success",
            )
        else:
            flash(_("%(name)s completed the course.", name=worker.user.name), "success")
    else:
        abort(400)
    return 200


# ---------------------------------------------------------------- skills (reference data)


@bp.route("/admin/skills", methods=["GET", "POST"])
@allow("admin")
def skills_admin() -> Any:
    form = SkillAdminForm()
    status = 200
    if form.validate_on_submit():
        if _check_skill_form(form, None):
            skill = Skill(
                code=form.code.data.strip(),
                name_zh=form.name_zh.data.strip(),
                name_en=form.name_en.data.strip(),
                unit_zh=form.unit_zh.data.strip(),
                unit_en=form.unit_en.data.strip(),
            )
            db.session.add(skill)
            record(current_user, "skill.create", skill, after=_skill_values(skill))
            flash(_("Skill %(name)s added.", name=skill.display_name(_locale())), "success")
            return redirect(url_for("workers.skills_admin"), 303)
        status = 422
    elif form.is_submitted():
        status = 422
    elif not form.unit_zh.data:
        form.unit_zh.data, form.unit_en.data = "件", "piece"
    holders = dict(
        db.session.execute(
            select(Skill.id, func.count()).select_from(Skill).join(services.WorkerSkill).group_by(Skill.id)
        ).all()
    )
    rows = db.session.scalars(select(Skill).order_by(Skill.id)).all()
    return render_template(
        "workers/skills_admin.html", form=form, skills=rows, holders=holders, editing=None
    ), status


@bp.route("/admin/skills/<int:skill_id>", methods=["GET", "POST"])
@allow("admin")
def skill_edit(skill_id: int) -> Any:
    skill = get_skill_or_404(skill_id, current_user)
    form = SkillAdminForm(obj=skill if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        if _check_skill_form(form, skill):
            before = _skill_values(skill)
            skill.name_zh = form.name_zh.data.strip()
            skill.name_en = form.name_en.data.strip()
            skill.unit_zh = form.unit_zh.data.strip()
            skill.unit_en = form.unit_en.data.strip()
            record(current_user, "skill.update", skill, before=before, after=_skill_values(skill))
            flash(_("Saved."), "success")
            return redirect(url_for("workers.skills_admin"), 303)
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("workers/skill_edit.html", form=form, skill=skill), status


def _check_skill_form(form: SkillAdminForm, skill: Skill | None) -> bool:
    code = (form.code.data or "").strip()
    if skill is not None:
        if code != skill.code:
            form.code.errors = [_("The code cannot change: orders and imports name the skill by it.")]
            return False
        return True
    if not code or code[0] not in SKILL_CODE_CHARS[:26] or any(c not in SKILL_CODE_CHARS for c in code):
        form.code.errors = [_("A code is lower-case letters, digits and _, starting with a letter.")]
        return False
    if db.session.scalar(select(Skill.id).where(Skill.code == code)) is not None:
        form.code.errors = [_("A skill with this code exists already.")]
        return False
    return True


def _skill_values(skill: Skill) -> dict[str, str]:
    return {
        "code": skill.code,
        "name_zh": skill.name_zh,
        "name_en": skill.name_en,
        "unit_zh": skill.unit_zh,
        "unit_en": skill.unit_en,
    }


# ---------------------------------------------------------------- template helpers


@bp.app_template_filter("hours")
def hours_filter(value: Decimal) -> str:
    """3.50 → 3.5, 4.00 → 4."""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text


@bp.app_template_filter("masked_mobile")
def masked_mobile(value: str) -> str:
    return domain.mask_mobile(value)


@bp.app_context_processor
def _worker_home() -> dict[str, Any]:
    return {"workers_home": worker_home}


class _Home:
    def __init__(self, worker: WorkerProfile, start: date) -> None:
        self.worker = worker
        self.days = services.days_ahead(worker, start, AHEAD_DAYS)
        self.week_total = sum((d.hours for d in self.days[:7]), Decimal(0))


def worker_home(user: User) -> _Home | None:
    """What the worker's home page shows: their skills and the next two weeks of hours."""
    if not user.is_authenticated or user.role != Role.WORKER:
        return None
    return _Home(services.ensure_profile(user), local_today())
