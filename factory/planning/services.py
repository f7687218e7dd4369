"""Planning runs: build the instance from the database, solve it as a job, review, pin, move, compare, publish."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from math import ceil
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from factory.accounts.models import Role, Station, User
from factory.audit.models import AuditEntry
from factory.audit.services import record
from factory.extensions import db
from factory.jobs import services as jobs
from factory.jobs.models import Job
from factory.jobs.queue import JobCancelled, handler
from factory.orders.domain import OrderStatus
from factory.orders.models import Lot, Order
from factory.orders.services import local_today
from factory.planning import domain
from factory.planning.domain import PlanningError
from factory.planning.models import PlanPin, PlanRun
from factory.reference.models import Skill
from factory.scheduling import InstanceError, solve
from factory.types import utcnow

DEFAULT_DAYS = 14
MAX_DAYS = 60
PLANNABLE_ORDER_STATUSES = (OrderStatus.ACCEPTED.value, OrderStatus.IN_PRODUCTION.value)
JOB_KIND = "plan_solve"


def default_start() -> date:
    return local_today() + timedelta(days=1)


def time_limit() -> int:
    return int(current_app.config.get("PLANNING_TIME_LIMIT", 30))


# ------------------------------------------------------------------ what the instance is made of


def _started_lots() -> Any:
    """A subquery of lot ids whose material is with a worker already (or further): never replanned."""
    from factory.production.models import STARTED, Task

    return select(Task.lot_id).where(Task.status.in_(STARTED))


def open_orders(station_id: int | None) -> list[domain.OrderIn]:
    """Accepted orders with their lots allotted to the station (every station for the city) that no
    worker has picked up yet."""
    stmt = (
        select(Lot)
        .join(Order, Order.id == Lot.order_id)
        .where(Order.status.in_(PLANNABLE_ORDER_STATUSES), Lot.id.not_in(_started_lots()))
        .options(selectinload(Lot.order))
        .order_by(Lot.order_id, Lot.index)
    )
    stmt = stmt.where(Lot.station_id == station_id if station_id is not None else Lot.station_id.is_not(None))
    from factory.production.services import made_by_earlier_workers

    by_order: dict[int, list[Lot]] = defaultdict(list)
    orders: dict[int, Order] = {}
    lots = list(db.session.scalars(stmt))
    # a lot partly made by someone who no longer has it is planned for the pieces still to make
    made = made_by_earlier_workers(lot.id for lot in lots)
    for lot in lots:
        if lot.pieces - made.get(lot.id, 0) <= 0:
            continue
        by_order[lot.order_id].append(lot)
        orders[lot.order_id] = lot.order
    return [
        domain.OrderIn(
            id=o.id,
            product=o.product,
            skill=o.skill.code,
            lot_size=o.lot_size,
            due_date=o.due_date,
            rate_units=o.piece_rate_units,
            lots=[
                domain.LotIn(x.id, x.index, x.pieces - made.get(x.id, 0), x.station_id or 0)
                for x in by_order[o.id]
            ],
        )
        for o in orders.values()
    ]


def _committed_hours(
    speeds: Mapping[int, Mapping[str, Decimal]], start: date, days: int, planned_lots: set[int]
) -> dict[int, list[float]]:
    """Hours each worker already owes on each day to live tasks of lots this run does not plan
    (material picked up, or another station's plan)."""
    from factory.production.models import DEAD, Task, TaskDay

    out: dict[int, list[float]] = {}
    if not speeds:
        return out
    rows = db.session.execute(
        select(Task.worker_id, Task.lot_id, Skill.code, TaskDay.day, TaskDay.pieces)
        .join(TaskDay, TaskDay.task_id == Task.id)
        .join(Order, Order.id == Task.order_id)
        .join(Skill, Skill.id == Order.skill_id)
        .where(
            Task.worker_id.in_(list(speeds)),
            Task.status.not_in(DEAD),
            TaskDay.day >= start,
            TaskDay.day < start + timedelta(days=days),
        )
    )
    for worker_id, lot_id, skill, day, pieces in rows:
        if lot_id in planned_lots:
            continue
        speed = speeds[worker_id].get(skill)
        if not speed:
            continue
        hours = out.setdefault(worker_id, [0.0] * days)
        hours[(day - start).days] += float(pieces) / float(speed)
    return out


def workers_for(
    station_id: int | None, start: date, days: int, planned_lots: set[int]
) -> list[domain.WorkerIn]:
    """Active workers with their hours less what they already owe elsewhere; a station's run also counts
    workers of other stations who said they would fetch material from it."""
    from factory.workers.services import availability

    if station_id is not None:
        found = availability(station_id, start, days, include_visitors=True)
    else:
        found = []
        for sid in db.session.scalars(select(Station.id).order_by(Station.id)):
            found.extend(availability(sid, start, days))
    committed = _committed_hours({w.worker_id: w.speeds for w in found}, start, days, planned_lots)
    out = []
    for w in found:
        owed = committed.get(w.worker_id, [0.0] * days)
        hours = [max(0.0, float(h) - o) for h, o in zip(w.hours, owed, strict=True)]
        out.append(
            domain.WorkerIn(
                id=w.worker_id,
                station_id=w.station_id,
                name=w.name,
                speeds={k: float(v) for k, v in w.speeds.items()},
                hours=hours,
                reach=dict(w.reach),
                priority=w.priority,
            )
        )
    return out


def pins_for(station_id: int | None) -> list[PlanPin]:
    stmt = select(PlanPin).order_by(PlanPin.id)
    stmt = stmt.where(
        PlanPin.station_id == station_id if station_id is not None else PlanPin.station_id.is_(None)
    )
    return list(db.session.scalars(stmt))


def current_holders(lot_ids: Iterable[int]) -> dict[int, int]:
    """lot id -> worker id of the live tasks of these lots."""
    from factory.production.models import DEAD, Task

    ids = list(lot_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Task.lot_id, Task.worker_id).where(Task.lot_id.in_(ids), Task.status.not_in(DEAD))
    )
    return {lot_id: worker_id for lot_id, worker_id in rows}


def held_lots(lot_ids: Iterable[int]) -> list[domain.HeldIn]:
    """The lots given out and not yet picked up, with their worker, pieces and days."""
    from factory.production.models import Task, TaskStatus

    ids = list(lot_ids)
    if not ids:
        return []
    tasks = db.session.scalars(
        select(Task)
        .where(Task.lot_id.in_(ids), Task.status == TaskStatus.ASSIGNED.value)
        .options(selectinload(Task.days))
        .order_by(Task.lot_id)
    )
    return [
        domain.HeldIn(t.lot_id, t.worker_id, t.pieces, [(d.day, float(d.pieces)) for d in t.days])
        for t in tasks
    ]


@dataclass
class Built:
    instance: dict[str, Any]
    lots: dict[str, list[int]]
    previous_plan: dict[str, Any] | None
    dropped_pins: list[tuple[int, int]]


def build(station_id: int | None, start: date, days: int, previous: PlanRun | None = None) -> Built:
    """The instance of a run of `station_id` (None: the city) from `start` over `days` days."""
    orders = open_orders(station_id)
    planned = {lot.id for o in orders for lot in o.lots}
    workers = workers_for(station_id, start, days, planned)
    station_ids = {w.station_id for w in workers} | {lot.station_id for o in orders for lot in o.lots}
    if station_id is not None:
        station_ids.add(station_id)
    stations = [
        domain.StationIn(s.id, s.name, s.district.name if s.district else "")
        for s in db.session.scalars(select(Station).where(Station.id.in_(station_ids)).order_by(Station.id))
    ]
    pins = [(p.lot_id, p.worker_id) for p in pins_for(station_id)]
    instance, lot_map, dropped = domain.build_instance(
        start=start,
        days=days,
        stations=stations,
        workers=workers,
        orders=orders,
        pins=pins,
        held=held_lots(planned),
        city=station_id is None,
    )
    if previous is not None and previous.plan:
        previous_plan = domain.translate_plan(previous.plan, previous.lots, lot_map)
    else:  # stay close to what the workers were told last time
        previous_plan = domain.plan_from_holders(current_holders(planned), lot_map)
    return Built(instance, lot_map, previous_plan, dropped)


# ------------------------------------------------------------------ plain words


def skill_name(code: str) -> str:
    skill = db.session.scalar(select(Skill).where(Skill.code == code))
    return skill.display_name(str(get_locale() or "zh")) if skill else code


def station_name(text_id: str) -> str:
    station = db.session.get(Station, domain.id_number(text_id))
    return station.name if station else text_id


def worker_name(text_id: str) -> str:
    user = db.session.get(User, domain.id_number(text_id))
    return user.name if user else text_id


def reason_text(
    code: str, params: Mapping[str, Any], start: date, horizon_days: int, due_date: date | None
) -> str:
    """Why a lot is not placed, from the engine's reason code and its params."""
    skill = skill_name(str(params.get("skill", "")))
    if code == "no_skill":
        # the engine counts only the workers in this run who offer hours: others may have the skill but be
        # paused or away, so say who was looked at
        return _("None of the workers with hours in these days can do “%(skill)s”.", skill=skill)
    if code == "no_reachable_station":
        names = "、".join(station_name(s) for s in params.get("stations", []))
        return _(
            "The workers who can do “%(skill)s” are too far from %(stations)s, or cannot get there.",
            skill=skill,
            stations=names,
        )
    end = start + timedelta(days=horizon_days - 1)
    if code == "no_time_before_due":
        if due_date is not None and due_date > end:
            return _(
                "The workers who can do “%(skill)s” do not have enough hours in these %(days)s days "
                "for this lot of %(pieces)s pieces.",
                skill=skill,
                days=horizon_days,
                pieces=params.get("pieces", ""),
            )
        return _(
            "Not enough working hours before the due date: the workers who can do “%(skill)s” cannot "
            "finish %(pieces)s more pieces by %(due)s.",
            skill=skill,
            pieces=params.get("pieces", ""),
            due=(due_date or end).strftime("%m-%d"),
        )
    if code == "not_chosen":
        return _(
            "Their hours before the due date went to other lots that are due sooner or count more; "
            "there is no time left for this one."
        )
    return _("The plan could not place this lot.")


def pin_error_text(
    exc: InstanceError, instance: Mapping[str, Any], lot_map: Mapping[str, Sequence[int]]
) -> str:
    """An engine refusal of a pin, naming the pin (worker, order and lot number) in plain words."""
    message = str(exc)
    numbers = domain.failing_pins(message)
    if not numbers:
        return _("The plan cannot be made: %(detail)s", detail=message)
    names = []
    for n in numbers:
        pin = instance["pinned"][n]
        lot_id = domain.lot_id_of(lot_map, pin["order"], pin["lot"])
        lot = db.session.get(Lot, lot_id) if lot_id else None
        what = (
            _("lot %(index)s of “%(product)s”", index=lot.index, product=lot.order.product)
            if lot
            else pin["order"]
        )
        names.append(_("%(lot)s pinned to %(worker)s", lot=what, worker=worker_name(pin["worker"])))
    pinned = "；".join(names)
    kind = domain.pin_problem_kind(message)
    if kind == "no_skill":
        return _("This pin cannot hold: %(pin)s, but this worker does not have the skill.", pin=pinned)
    if kind == "no_reach":
        return _(
            "This pin cannot hold: %(pin)s, but this worker cannot fetch material from that station.",
            pin=pinned,
        )
    if kind == "no_time":
        return _(
            "This pin cannot hold: %(pin)s, but this worker has too few hours before the due date.",
            pin=pinned,
        )
    if kind == "too_many":
        return _(
            "These pins cannot all hold: %(pin)s: together they need more hours than the worker offers.",
            pin=pinned,
        )
    return _("This pin cannot hold: %(pin)s.", pin=pinned)


def move_problem_text(problem: domain.MoveProblem, worker: str) -> str:
    p = problem.params
    name = worker_name(worker)
    if problem.rule == "no_skill":
        return _("Refused: %(name)s cannot do “%(skill)s”.", name=name, skill=skill_name(p["skill"]))
    if problem.rule == "no_reach":
        return _(
            "Refused: %(name)s cannot fetch material from %(station)s.",
            name=name,
            station=station_name(p["station"]),
        )
    if problem.rule == "no_time":
        return _(
            "Refused: %(name)s does not have enough free hours before the due date "
            "(the lot needs %(need)s hours, %(free)s are free).",
            name=name,
            need=p["need"],
            free=p["free"],
        )
    if problem.rule == "pinned":
        return _(
            "Refused: this lot is pinned to %(name)s. Remove the pin first.", name=worker_name(p["pinned_to"])
        )
    if problem.rule == "same_worker":
        return _("This lot is already with %(name)s.", name=name)
    if problem.rule == "unknown":
        return _("This lot or worker is not part of this plan.")
    return _("Refused: the plan would break a rule (%(detail)s).", detail=p.get("detail", ""))


# ------------------------------------------------------------------ starting and solving runs


def start_run(
    actor: User,
    station_id: int | None,
    *,
    start: date | None = None,
    days: int = DEFAULT_DAYS,
    previous: PlanRun | None = None,
    limit: int | None = None,
) -> PlanRun:
    """Build the instance now (so that bad input is refused at once) and solve it as a background job."""
    start = start or default_start()
    if start < local_today():
        raise PlanningError(
            "past_start",
            _(
                "A plan cannot start on a day that has gone by (%(day)s). Start today or later.",
                day=start.isoformat(),
            ),
        )
    if not 1 <= days <= MAX_DAYS:
        raise PlanningError("bad_days", _("Plan between 1 and %(max)s days.", max=MAX_DAYS))
    if station_id is None and actor.role != Role.ADMIN:
        raise PlanningError("forbidden", _("Only the administrator plans the whole city."))
    built = build(station_id, start, days, previous)
    domain.check_runnable(built.instance)
    try:
        domain.validate(built.instance)
    except InstanceError as exc:
        raise PlanningError("pin", pin_error_text(exc, built.instance, built.lots)) from exc
    run = PlanRun(
        station_id=station_id,
        status="queued",
        start_date=start,
        days=days,
        time_limit=limit or time_limit(),
        instance=built.instance,
        lots=built.lots,
        previous_run_id=previous.id if previous else None,
        created_by_id=actor.id,
    )
    run.message = ""
    if built.dropped_pins:
        run.message = _(
            "%(n)s pins were left out: their lot is already with a worker or their worker is away.",
            n=len(built.dropped_pins),
        )
    db.session.add(run)
    db.session.flush()
    params: dict[str, Any] = {"run_id": run.id}
    if built.previous_plan:
        params["previous_plan"] = built.previous_plan
    job = jobs.start(JOB_KIND, actor, params, station_id=station_id)
    run.job_id = job.id
    record(
        actor,
        "plan.run",
        run,
        after={
            "start": start.isoformat(),
            "days": days,
            "orders": len(built.instance["orders"]),
            "workers": len(built.instance["workers"]),
            "pins": len(built.instance["pinned"]),
            "previous_run_id": run.previous_run_id,
        },
        station_id=station_id,
    )
    db.session.flush()
    return run


@handler(JOB_KIND)
def solve_job(job: Job, report: Any) -> None:
    """Solve a run's instance; stopping early keeps the best plan found so far."""
    run = db.session.scalar(select(PlanRun).where(PlanRun.id == job.params["run_id"]))
    if run is None:
        raise ValueError("the plan run is gone")
    stop = threading.Event()

    def progress(percent: int, message: str) -> None:
        if stop.is_set():
            return
        try:
            report(percent, message)
        except JobCancelled:
            stop.set()

    run.status = "running"
    plan = solve(
        run.instance,
        time_limit=run.time_limit,
        progress=progress,
        cancel=stop,
        previous_plan=job.params.get("previous_plan"),
        workers=int(current_app.config.get("PLANNING_CORES", 2)),
    )
    run.plan = plan
    run.stats = plan["stats"]
    run.status = "done"
    run.finished_at = utcnow()
    job.result = {"run_id": run.id}


def refresh(run: PlanRun) -> None:
    """Bring the run's own status in line with a job that failed or was cancelled (for lists and the API)."""
    if (
        run.status in ("queued", "running")
        and run.job is not None
        and run.job.status in ("failed", "cancelled")
    ):
        run.status = run.job.status
        run.message = run.job.message or run.message
        run.finished_at = run.job.finished_at


# ------------------------------------------------------------------ pins and moves


def _lot_in_run(run: PlanRun, lot_id: int) -> domain.LotRef:
    ref = domain.lot_index(run.lots).get(lot_id)
    if ref is None:
        raise PlanningError("unknown_lot", _("This lot is not part of this plan."))
    return ref


def _worker_in_run(run: PlanRun, worker_id: int) -> str:
    text = domain.wid(worker_id)
    if text not in {w["id"] for w in run.instance["workers"]}:
        raise PlanningError("unknown_worker", _("This worker is not part of this plan."))
    return text


def _require_done(run: PlanRun) -> dict[str, Any]:
    if run.state != "done" or not run.plan:
        raise PlanningError("not_done", _("This plan has not finished yet."), status=409)
    return run.plan


def add_pin(actor: User, run: PlanRun, lot_id: int, worker_id: int) -> PlanPin:
    """Fix a lot to a worker for every later run of the same scope; refused when the pin cannot hold."""
    ref = _lot_in_run(run, lot_id)
    worker = _worker_in_run(run, worker_id)
    trial = dict(run.instance)
    trial["pinned"] = [x for x in run.instance["pinned"] if (x["order"], x["lot"]) != (ref.order_key, ref.k)]
    trial["pinned"].append({"order": ref.order_key, "lot": ref.k, "worker": worker})
    try:
        domain.validate(trial)
    except InstanceError as exc:
        raise PlanningError("pin", pin_error_text(exc, trial, run.lots)) from exc
    for p in pins_for(run.station_id):
        if p.lot_id == lot_id:
            db.session.delete(p)
    pin = PlanPin(
        station_id=run.station_id, run_id=run.id, lot_id=lot_id, worker_id=worker_id, created_by_id=actor.id
    )
    db.session.add(pin)
    db.session.flush()
    record(
        actor,
        "plan.pin",
        pin,
        after={"lot_id": lot_id, "worker_id": worker_id, "run_id": run.id},
        station_id=run.station_id,
    )
    return pin


def remove_pin(actor: User, pin: PlanPin) -> None:
    record(
        actor,
        "plan.unpin",
        pin,
        before={"lot_id": pin.lot_id, "worker_id": pin.worker_id},
        station_id=pin.station_id,
    )
    db.session.delete(pin)
    db.session.flush()


def move(actor: User, run: PlanRun, lot_id: int, worker_id: int) -> None:
    """Give a lot to another worker by hand; refused with the broken rule named. The lot is pinned too,
    so that a re-run keeps the organiser's choice."""
    plan = _require_done(run)
    ref = _lot_in_run(run, lot_id)
    worker = _worker_in_run(run, worker_id)
    before = domain.holders(plan, run.lots).get(lot_id)
    changed, problem = domain.move_lot(run.instance, plan, ref.order_key, ref.k, worker)
    if problem is not None:
        raise PlanningError("move_" + problem.rule, move_problem_text(problem, worker))
    run.plan = changed
    run.stats = changed["stats"]
    run.edited_at = utcnow()
    record(
        actor,
        "plan.move",
        run,
        before={"lot_id": lot_id, "worker_id": before},
        after={"lot_id": lot_id, "worker_id": worker_id},
        station_id=run.station_id,
    )
    add_pin(actor, run, lot_id, worker_id)


# ------------------------------------------------------------------ publishing


# What the engine read about the workers when the plan was made: a change to any of it since makes the plan
# out of date (their hours, skills and speeds, and who is there at all).
PLAN_INPUT_ACTIONS = (
    "worker.register",
    "worker.pause",
    "worker.resume",
    "worker.leave",
    "worker.rejoin",
    "worker.skill",
    "worker.skill_remove",
    "worker.weekly_hours",
    "worker.day_hours",
)
CHANGES_SHOWN = 12


@dataclass(frozen=True)
class InputChange:
    """A change to the workers the plan was made from, made after it (from the audit log)."""

    id: int
    at: datetime
    action: str
    worker: str

    @property
    def what(self) -> str:
        from factory.audit.labels import action_label

        return action_label(self.action) or self.action


@dataclass(frozen=True)
class ChangesSince:
    shown: list[InputChange]  # the latest CHANGES_SHOWN, newest first
    total: int
    last_id: int  # the newest change's audit entry (0: none); publishing checks no newer one came

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def changes_since(run: PlanRun) -> ChangesSince:
    """Changes to the plan's workers (hours, skills, pauses, leaving, new workers) made after the run read them."""
    where = [AuditEntry.at > run.created_at, AuditEntry.action.in_(PLAN_INPUT_ACTIONS)]
    if run.station_id is not None:
        where.append(AuditEntry.station_id == run.station_id)
    total, last_id = db.session.execute(
        select(func.count(AuditEntry.id), func.coalesce(func.max(AuditEntry.id), 0)).where(*where)
    ).one()
    rows = db.session.execute(
        select(AuditEntry.id, AuditEntry.at, AuditEntry.action, User.name)
        .outerjoin(User, User.id == AuditEntry.object_id)
        .where(*where)
        .order_by(AuditEntry.id.desc())
        .limit(CHANGES_SHOWN)
    ).all()
    shown = [InputChange(id=i, at=at, action=action, worker=name or "—") for i, at, action, name in rows]
    return ChangesSince(shown=shown, total=int(total), last_id=int(last_id))


def starts_in_the_past(run: PlanRun) -> bool:
    """The plan's first day has gone by: its pieces for that day can no longer be made."""
    return run.start_date < local_today()


def publish(
    actor: User,
    run: PlanRun,
    *,
    withdraw_unplaced: bool = False,
    seen_unplaced: Iterable[int] | None = None,
    changes_seen: int | None = None,
) -> Any:
    """Turn the plan into workers' tasks; only what changed is written, and the affected workers are told.

    A task already given out whose lot this plan does not place stays with its worker (see docs/decisions.md);
    with `withdraw_unplaced` it is withdrawn instead. `seen_unplaced`, the lots the organiser was shown as not
    placed, must then still be those lots: otherwise the refusal asks them to look again. A plan whose first
    day has gone by is refused (re-running it plans from today). `changes_seen`, the newest change to the
    plan's workers the organiser was shown (`changes_since`), must still be the newest: a change made while
    they looked asks them to look again; changes they saw are theirs to weigh.

    Refused when another plan of the same station or the city's (for a city plan: any plan) was published
    after this one was made: two organisers cannot publish two plans over each other. Publishers take turns:
    on PostgreSQL the station rows are locked first (the city's plan locks every station), so the second
    publisher waits and then sees the first one's plan; on SQLite the publishing requests begin with
    BEGIN IMMEDIATE (see `begin_immediate_for` in routes), which takes the database's write lock at once.
    """
    from factory.production.services import PublishedAssignment, publish_plan

    plan = _require_done(run)
    if run.station_id is not None:
        db.session.execute(select(Station.id).where(Station.id == run.station_id).with_for_update())
    else:
        db.session.execute(select(Station.id).order_by(Station.id).with_for_update())
    db.session.refresh(run, ["published_at"])
    scope: Any = PlanRun.id.is_not(None)  # the city's plan covers every station
    if run.station_id is not None:
        scope = (PlanRun.station_id == run.station_id) | PlanRun.station_id.is_(None)
    newer = db.session.scalar(
        select(PlanRun)
        .where(
            scope,
            PlanRun.id != run.id,
            PlanRun.published_at.is_not(None),
            PlanRun.published_at > run.created_at,
        )
        .order_by(PlanRun.published_at.desc())
        .limit(1)
    )
    if newer is not None:
        raise PlanningError(
            "superseded",
            _(
                "Plan #%(other)s was published after this plan was made. Start a new run so that you do not "
                "undo it.",
                other=newer.id,
            ),
            status=409,
        )
    if starts_in_the_past(run):
        raise PlanningError(
            "past",
            _(
                "This plan starts on %(day)s, which has gone by. Re-run it to plan from today.",
                day=run.start_date.isoformat(),
            ),
            status=409,
        )
    if changes_seen is not None and changes_since(run).last_id > changes_seen:
        raise PlanningError(
            "inputs_changed",
            _(
                "Workers' hours or skills changed while the page was shown. "
                "Look at the changes again and decide."
            ),
            status=409,
        )
    if withdraw_unplaced and seen_unplaced is not None:
        effect = publish_effect(run)
        if effect is not None and sorted(set(seen_unplaced)) != effect.unplaced_ids:
            raise PlanningError(
                "effect_changed",
                _(
                    "The tasks this would withdraw have changed since the page was shown. "
                    "Look at the list again and confirm."
                ),
                status=409,
            )
    start = run.start_date
    assignments = []
    for a in plan["assignments"]:
        lot_id = domain.lot_id_of(run.lots, a["order"], a["lot"])
        if lot_id is None:
            continue
        assignments.append(
            PublishedAssignment(
                lot_id=lot_id,
                worker_id=domain.id_number(a["worker"]),
                station_id=domain.id_number(a["station"]),
                days=[
                    (start + timedelta(days=d["day"]), Decimal(str(d["pieces"])))
                    for d in a["days"]
                    if d["pieces"] > 0
                ],
            )
        )
    result = publish_plan(
        run.station_id,
        run.id,
        assignments,
        actor,
        withdraw_unplaced=withdraw_unplaced,
        kept=kept_days(run),
    )
    run.published_at = utcnow()
    run.published_by_id = actor.id
    run.publish_result = {
        "created": result.created,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "cancelled": result.cancelled,
        "kept_started": result.kept_started,
        "kept_unplaced": result.kept_unplaced,
        "workers": len(result.affected_worker_ids),
    }
    record(actor, "plan.publish", run, after=run.publish_result, station_id=run.station_id)
    db.session.flush()
    return result


def kept_days(run: PlanRun) -> list[Any]:
    """The days the plan fits each lot it leaves with its worker into (the plan's `kept`), as dates."""
    from factory.production.services import KeptDays

    out = []
    until = run.start_date + timedelta(days=run.days)
    for e in (run.plan or {}).get("kept", []):
        lot_id = domain.lot_id_of(run.lots, e["order"], e["lot"])
        if lot_id is None:
            continue
        days = [
            (run.start_date + timedelta(days=d["day"]), Decimal(str(d["pieces"])))
            for d in e["days"]
            if d["pieces"] > 0
        ]
        out.append(KeptDays(lot_id, domain.id_number(e["worker"]), days, until))
    return out


Days = tuple[tuple[date, int], ...]  # (day, whole pieces), as the worker's phone shows them


@dataclass(frozen=True)
class LotChange:
    """A task that publishing changes: its lot, who has it, who gets it (None: nobody), and for a lot that
    stays with its worker, the days before and after (whole pieces) and whether they change."""

    lot_id: int
    product: str
    index: int
    station_id: int
    holder_id: int
    new_worker_id: int | None
    old_days: Days = ()
    new_days: Days = ()
    days_changed: bool = False
    unscheduled: int = 0  # pieces of a kept lot that no day of the plan holds

    @property
    def old_spans(self) -> list[tuple[date, date, int]]:
        return domain.day_spans(self.old_days)

    @property
    def new_spans(self) -> list[tuple[date, date, int]]:
        return domain.day_spans(self.new_days)


def _whole(days: Iterable[tuple[date, Decimal]]) -> Days:
    from factory.production.floor import whole_days
    from factory.production.services import DayPlan

    return tuple(sorted(whole_days([DayPlan(d, Decimal(p)) for d, p in days]).items()))


@dataclass
class PublishEffect:
    """What publishing a plan does to tasks already given out, before anything is written: lots not picked up
    that go to someone else (`moved`), lots not picked up that the plan does not place (`unplaced`), which
    stay with their worker unless the organiser asks to withdraw them (and then take the days the plan fits
    them into), and lots that stay with the same worker on other days (`rescheduled`)."""

    moved: list[LotChange]
    unplaced: list[LotChange]
    workers: dict[int, str]  # worker id -> name
    stations: dict[int, str]  # station id -> name
    rescheduled: list[LotChange] = field(default_factory=list)

    @property
    def moved_total(self) -> int:
        return len(self.moved)

    @property
    def rescheduled_total(self) -> int:
        return len(self.rescheduled)

    @property
    def any(self) -> bool:
        return bool(self.moved or self.unplaced or self.rescheduled)

    @property
    def unplaced_total(self) -> int:
        return len(self.unplaced)

    @property
    def unplaced_ids(self) -> list[int]:
        return sorted(c.lot_id for c in self.unplaced)

    def by_station(self) -> list[tuple[str, int, int]]:
        """(station name, lots moved, lots not placed) per station, by name."""
        ids = {c.station_id for c in self.moved} | {c.station_id for c in self.unplaced}
        rows = [
            (
                self.stations.get(i, str(i)),
                sum(1 for c in self.moved if c.station_id == i),
                sum(1 for c in self.unplaced if c.station_id == i),
            )
            for i in ids
        ]
        return sorted(rows)


def publish_effect(run: PlanRun) -> PublishEffect | None:
    """What publishing `run` would do to the tasks already given out, decided the way `publish_plan` decides
    it: a station's plan covers the live tasks of its station's lots; the city's plan the live tasks of the
    lots it assigns and those of earlier plans. A task not picked up moves when the plan gives its lot to
    someone else and stays (on the days the plan fits it into) when the plan does not place it; a task the
    plan leaves with its worker gets the plan's days. None before the run has a plan."""
    from factory.production.models import DEAD, STARTED, Task
    from factory.production.services import kept_task_days, normalised_days

    if run.state != "done" or not run.plan:
        return None
    start = run.start_date
    wanted: dict[int, tuple[int, int, list[tuple[date, Decimal]]]] = {}
    for a in run.plan["assignments"]:
        lot_id = domain.lot_id_of(run.lots, a["order"], a["lot"])
        if lot_id is not None:
            days = [(start + timedelta(days=d["day"]), Decimal(str(d["pieces"]))) for d in a["days"]]
            wanted[lot_id] = (domain.id_number(a["worker"]), domain.id_number(a["station"]), days)
    kept = {k.lot_id: k for k in kept_days(run)}
    unscheduled = {
        domain.lot_id_of(run.lots, e["order"], e["lot"]): e.get("unscheduled", 0)
        for e in run.plan.get("kept", [])
    }
    stmt = (
        select(Task, Lot.index, Order.product)
        .join(Lot, Lot.id == Task.lot_id)
        .join(Order, Order.id == Task.order_id)
        .where(Task.status.not_in(DEAD))
        .options(selectinload(Task.days))
        .order_by(Order.product, Lot.index)
    )
    # tasks not picked up, and the picked-up tasks of lots the plan places (picked up since the run: their
    # days follow the plan when they stay with their worker); never the station's whole history
    waiting = Task.status.not_in(STARTED)
    placed = Task.lot_id.in_(list(wanted) or [-1])
    if run.station_id is not None:
        stmt = stmt.where(Lot.station_id == run.station_id, waiting | placed)
    else:  # the city's plan: the tasks of its lots, of earlier plans and of the lots it keeps with their worker
        covered = Task.plan_run_id.is_not(None) | Task.lot_id.in_(list(kept) or [-1])
        stmt = stmt.where((covered & waiting) | placed)
    moved, unplaced, rescheduled = [], [], []
    for task, index, product in db.session.execute(stmt).all():
        started = task.status in STARTED
        before = [(d.day, d.pieces) for d in task.days]
        change = LotChange(task.lot_id, product, index, task.station_id, task.worker_id, task.worker_id)
        if task.lot_id not in wanted:
            if started:
                continue
            fit = kept.get(task.lot_id)
            after = (
                kept_task_days(before, fit) if fit is not None and fit.worker_id == task.worker_id else before
            )
            unplaced.append(
                replace(
                    change,
                    new_worker_id=None,
                    old_days=_whole(before),
                    new_days=_whole(after),
                    days_changed=after != before,
                    unscheduled=ceil(unscheduled.get(task.lot_id, 0)) if after != before else 0,
                )
            )
            continue
        worker_id, station_id, days = wanted[task.lot_id]
        if worker_id != task.worker_id or (station_id != task.station_id and not started):
            if not started:  # a lot already picked up stays where it is
                moved.append(replace(change, new_worker_id=worker_id))
            continue
        after = normalised_days(days)
        if after != before:
            rescheduled.append(
                replace(change, old_days=_whole(before), new_days=_whole(after), days_changed=True)
            )
    changes = moved + unplaced + rescheduled
    people = {c.holder_id for c in changes} | {c.new_worker_id for c in changes if c.new_worker_id}
    places = {c.station_id for c in changes}
    stations = (
        {i: n for i, n in db.session.execute(select(Station.id, Station.name).where(Station.id.in_(places)))}
        if places
        else {}
    )
    names = _names(people)
    rescheduled.sort(key=lambda c: (names.get(c.holder_id, ""), c.product, c.index))
    return PublishEffect(moved, unplaced, names, stations, rescheduled)


# ------------------------------------------------------------------ reading


def runs_for(station_id: int | None, limit: int = 20) -> list[PlanRun]:
    """The latest runs a station sees: its own and the city's."""
    stmt = select(PlanRun).options(selectinload(PlanRun.job)).order_by(PlanRun.id.desc()).limit(limit)
    if station_id is not None:
        stmt = stmt.where((PlanRun.station_id == station_id) | PlanRun.station_id.is_(None))
    return list(db.session.scalars(stmt))


def _names(ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {uid: name for uid, name in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))}


@dataclass
class ReviewPage:
    review: domain.Review
    names: dict[int, str]
    orders: dict[int, Order]
    lots: dict[int, Lot]
    reasons: dict[int, str]  # lot id -> plain words
    pins: dict[int, PlanPin]  # lot id -> pin
    holders: dict[int, int]  # lot id -> worker id
    gap: int | None

    def unplaced_groups(self) -> list[tuple[int, str, list[int], str]]:
        """Unplaced lots grouped by order and reason: (order id, reason, lot ids, lot numbers as ranges)."""
        from factory.orders.services import lot_ranges

        groups: dict[tuple[int, str], list[int]] = {}
        for u in self.review.unplaced:
            key = (domain.order_id_of(u.order_key), self.reasons.get(u.lot_id, ""))
            groups.setdefault(key, []).append(u.lot_id)
        return [
            (order_id, reason, lots, lot_ranges([self.lots[x] for x in lots if x in self.lots]))
            for (order_id, reason), lots in groups.items()
        ]


def review_page(run: PlanRun, station_id: int | None = None) -> ReviewPage:
    """Everything the review page shows; a station looking at a city run sees its share."""
    plan = _require_done(run)
    order_ids = {domain.order_id_of(k) for k in run.lots}
    orders = (
        {o.id: o for o in db.session.scalars(select(Order).where(Order.id.in_(order_ids)))}
        if order_ids
        else {}
    )
    review = domain.review(
        run.instance,
        plan,
        run.lots,
        {o.id: o.piece_rate_units for o in orders.values()},
        {o.id: o.due_date for o in orders.values()},
        station_id=station_id if run.station_id is None else None,
    )
    lot_ids = {x for ids in run.lots.values() for x in ids}
    lots = {x.id: x for x in db.session.scalars(select(Lot).where(Lot.id.in_(lot_ids)))} if lot_ids else {}
    reasons = {}
    for u in review.unplaced:
        order = orders.get(domain.order_id_of(u.order_key))
        reasons[u.lot_id] = reason_text(
            u.code, u.params, review.start, review.days, order.due_date if order else None
        )
    pins = {p.lot_id: p for p in pins_for(run.station_id) if p.lot_id in lot_ids}
    return ReviewPage(
        review=review,
        names=_names(review.workers),
        orders=orders,
        lots=lots,
        reasons=reasons,
        pins=pins,
        holders=domain.holders(plan, run.lots),
        gap=domain.bound_gap_percent(plan.get("stats", {})),
    )


@dataclass
class Comparison:
    a: PlanRun
    b: PlanRun
    changes: list[domain.Change]
    names: dict[int, str]
    lots: dict[int, Lot]


def compare_runs(a: PlanRun, b: PlanRun) -> Comparison:
    changes = domain.compare(a.plan, a.lots, b.plan, b.lots)
    workers = {c.before for c in changes if c.before} | {c.after for c in changes if c.after}
    lot_ids = {c.lot_id for c in changes}
    lots = (
        {
            x.id: x
            for x in db.session.scalars(
                select(Lot).where(Lot.id.in_(lot_ids)).options(selectinload(Lot.order))
            )
        }
        if lot_ids
        else {}
    )
    return Comparison(a, b, changes, _names(workers), lots)
