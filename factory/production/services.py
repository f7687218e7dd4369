"""Production services: publish plans as tasks, reports, inspections, task life, material, the floor's figures.

Pages, the API, the CLI and the demo call these. They take explicit arguments (ids, the acting user), write,
audit and flush; the caller commits. A refused operation raises `ProductionError` and leaves the session as
it found it (writes that may be refused run inside a savepoint).

The limits are enforced by the database, never by a check followed by a write:
- a report adds to `Task.reported` with one conditional UPDATE (`reported + n <= pieces`), and the report row
  is unique per (worker, idempotency key), so a retried or doubled report is stored once;
- an inspection adds to `Task.accepted`/`scrapped` with one conditional UPDATE
  (`accepted + scrapped + n <= reported`), so two organisers inspecting at once cannot pass more than was
  reported; CHECK constraints on the task back both.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from factory.accounts.models import Role, Station, User
from factory.audit.services import record
from factory.errors import ServiceError
from factory.extensions import db
from factory.orders import services as orders
from factory.orders.models import Lot, Order
from factory.orders.services import (
    LotCount,
    ProductionCount,
    local_today,
    register_lot_source,
    register_progress_source,
)
from factory.payroll.models import PayPeriod
from factory.production.models import (
    DEAD,
    KEY_MAX,
    PHOTO_MAX_BYTES,
    REASON_MAX,
    REPORTABLE,
    STARTED,
    Inspection,
    InspectionPhoto,
    Notice,
    RejectReason,
    Report,
    Task,
    TaskDay,
    TaskRequestKey,
    TaskStatus,
)
from factory.types import utcnow

MAX_MINUTES = 24 * 60 * 7  # a report covers at most a week of work
PHOTO_LIMIT = PHOTO_MAX_BYTES


class ProductionError(ServiceError):
    """A refused operation on the production floor."""


def field_error(name: str, message: str, code: str = "invalid", status: int = 422) -> ProductionError:
    return ProductionError(code, message, {name: [message]}, status=status)


# ------------------------------------------------------------------ publishing plans


@dataclass(frozen=True)
class PublishedAssignment:
    lot_id: int
    worker_id: int
    station_id: int  # where the worker fetches the material
    days: list[tuple[date, Decimal]]


@dataclass(frozen=True)
class KeptDays:
    """A not-placed lot the plan leaves with its worker, with the days the plan fits it into: they replace
    the task's days before `until` (the end of the plan's days); the task's days from `until` on stay."""

    lot_id: int
    worker_id: int
    days: list[tuple[date, Decimal]]
    until: date


def kept_task_days(current: Iterable[tuple[date, Decimal]], kept: KeptDays) -> list[tuple[date, Decimal]]:
    """The days a kept task has once the plan is published."""
    return normalised_days([*kept.days, *((d, p) for d, p in current if d >= kept.until)])


@dataclass
class PublishResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    cancelled: int = 0
    kept_started: int = 0
    kept_unplaced: int = 0  # not picked up, not placed by the plan, left with their worker
    affected_worker_ids: set[int] = field(default_factory=set)


def normalised_days(days: Iterable[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    """Days in order, pieces to 2 places, empty days left out, the same day added up."""
    out: dict[date, Decimal] = defaultdict(Decimal)
    for day, pieces in days:
        out[day] += Decimal(pieces)
    return [
        (d, p.quantize(Decimal("0.01"), ROUND_HALF_UP))
        for d, p in sorted(out.items())
        if p.quantize(Decimal("0.01"), ROUND_HALF_UP) > 0
    ]


def _lock_stations(station_ids: Iterable[int]) -> None:
    """Serialise writers per station: lock the station rows (in id order, so two callers never deadlock)."""
    ids = sorted(set(station_ids))
    if ids:
        db.session.execute(
            select(Station.id).where(Station.id.in_(ids)).order_by(Station.id).with_for_update()
        )


def _set_days(task: Task, days: list[tuple[date, Decimal]]) -> None:
    task.days.clear()
    db.session.flush()  # the unique (task, day) rows go before the new ones come
    task.days.extend(TaskDay(day=d, pieces=p) for d, p in days)


def _replan(
    task: Task,
    days: list[tuple[date, Decimal]],
    actor: User | None,
    result: PublishResult,
    *,
    kept: bool = False,
) -> None:
    """New days for a task that stays with its worker: written, logged, told to the worker, counted."""
    before = [(d.day.isoformat(), str(d.pieces)) for d in task.days]
    _set_days(task, days)
    after: dict[str, Any] = {"days": [(d.isoformat(), str(p)) for d, p in days]}
    if kept:
        after["kept"] = True
    record(actor, "task.replan", task, before={"days": before}, after=after)
    _notify(task.worker_id, "task_changed", task_id=task.id, product=task.order.product, lot=task.lot.index)
    result.changed += 1
    result.affected_worker_ids.add(task.worker_id)


def _notify(user_id: int, kind: str, **params: Any) -> None:
    db.session.add(Notice(user_id=user_id, kind=kind, params=params))


def made_by_earlier_workers(lot_ids: Iterable[int]) -> dict[int, int]:
    """lot id -> pieces made on it by workers who no longer have it (the lot was given to someone else, or
    taken back, after they reported): those pieces are theirs, so the lot has that many fewer to make."""
    ids = list(lot_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Task.lot_id, func.sum(Task.reported))
        .where(Task.lot_id.in_(ids), Task.status.in_(DEAD), Task.reported > 0)
        .group_by(Task.lot_id)
    )
    return {lot_id: int(n or 0) for lot_id, n in rows}


def publish_plan(
    station_id: int | None,
    run_id: int,
    assignments: Sequence[PublishedAssignment],
    actor: User | None,
    *,
    withdraw_unplaced: bool = False,
    kept: Sequence[KeptDays] = (),
) -> PublishResult:
    """Make the plan's assignments the live tasks of the lots it covers (see the contract in the docstring).

    A station's plan covers the lots allotted to that station; the city's plan (`station_id=None`) covers the
    lots it assigns plus the lots whose live task came from an earlier plan. An identical assignment is left
    alone; a lot moved to another worker before pickup cancels the old task and creates a new one (counted as
    changed); a lot already picked up is never moved (kept_started). A covered lot the plan does not assign
    keeps its not-started task with its worker (kept_unplaced): the plan found nobody else for it, and taking it
    away would leave it with nobody; only with `withdraw_unplaced` is that task withdrawn (cancelled). A kept
    task takes the days the plan fits it into (`kept`), so that the worker's days hold the plan's lots and
    this one within their hours; the city's plan also covers the lots it lists in `kept`. Workers whose
    tasks changed get a notice.
    """
    result = PublishResult()
    wanted: dict[int, PublishedAssignment] = {}
    for a in assignments:
        if a.lot_id in wanted:
            raise ProductionError("duplicate_lot", _("The plan assigns lot %(lot)s twice.", lot=a.lot_id))
        wanted[a.lot_id] = a
    lots: dict[int, Lot] = {}
    if wanted:
        found = db.session.scalars(
            select(Lot).where(Lot.id.in_(list(wanted))).options(selectinload(Lot.order))
        )
        lots = {lot.id: lot for lot in found}
    missing = set(wanted) - set(lots)
    if missing:
        raise ProductionError(
            "unknown_lot", _("The plan names lots that do not exist: %(ids)s.", ids=sorted(missing))
        )
    if station_id is not None:
        foreign = sorted(i for i, lot in lots.items() if lot.station_id != station_id)
        if foreign:
            raise ProductionError(
                "not_station_lot",
                _("The plan names lots your station has not taken on: %(ids)s.", ids=foreign),
            )
    worker_ids = {a.worker_id for a in wanted.values()}
    workers = (
        set(db.session.scalars(select(User.id).where(User.id.in_(worker_ids), User.role == Role.WORKER)))
        if worker_ids
        else set()
    )
    if worker_ids - workers:
        raise ProductionError("unknown_worker", _("The plan names people who are not workers."))

    stations = (
        {station_id}
        if station_id is not None
        else {lot.station_id for lot in lots.values() if lot.station_id}
    )
    _lock_stations(s for s in stations if s is not None)

    # The lots this plan covers and their live tasks.
    if station_id is not None:
        covered = select(Lot.id).where(Lot.station_id == station_id)
        live = db.session.scalars(
            select(Task)
            .where(Task.lot_id.in_(covered), Task.status.notin_(DEAD))
            .options(selectinload(Task.days))
        ).all()
    else:
        live = db.session.scalars(
            select(Task)
            .where(
                Task.status.notin_(DEAD),
                or_(
                    Task.lot_id.in_(list(wanted) or [-1]),
                    Task.plan_run_id.is_not(None),
                    Task.lot_id.in_([k.lot_id for k in kept] or [-1]),
                ),
            )
            .options(selectinload(Task.days))
        ).all()
    current = {t.lot_id: t for t in live}
    kept_by_lot = {k.lot_id: k for k in kept}
    made_before = made_by_earlier_workers(wanted)
    touched_orders: set[int] = set()

    for lot_id, a in wanted.items():
        lot = lots[lot_id]
        days = normalised_days(a.days)
        task = current.get(lot_id)
        if task is not None and task.status in STARTED:
            same_days = [(d.day, d.pieces) for d in task.days] == days
            if task.worker_id == a.worker_id and not same_days:
                _set_days(task, days)
                result.changed += 1
                result.affected_worker_ids.add(task.worker_id)
            elif task.worker_id == a.worker_id:
                result.unchanged += 1
            else:
                result.kept_started += 1
            continue
        if task is not None and task.worker_id == a.worker_id and task.station_id == a.station_id:
            if [(d.day, d.pieces) for d in task.days] == days:
                result.unchanged += 1
                continue
            task.plan_run_id = run_id
            _replan(task, days, actor, result)
            continue
        if task is not None:  # moved before pickup: the old worker loses it, the new one gets it
            _cancel(task, actor, "task.move", notice="task_withdrawn")
            result.affected_worker_ids.add(task.worker_id)
            result.changed += 1
        else:
            result.created += 1
        new = Task(
            lot_id=lot.id,
            order_id=lot.order_id,
            worker_id=a.worker_id,
            station_id=a.station_id,
            pieces=lot.pieces - made_before.get(lot.id, 0),
            status=TaskStatus.ASSIGNED.value,
            plan_run_id=run_id,
        )
        new.days = [TaskDay(day=d, pieces=p) for d, p in days]
        db.session.add(new)
        db.session.flush()
        record(
            actor,
            "task.assign",
            new,
            after={
                "lot_id": lot.id,
                "worker_id": a.worker_id,
                "run_id": run_id,
                "days": [(d.isoformat(), str(p)) for d, p in days],
            },
        )
        _notify(a.worker_id, "task_new", task_id=new.id, product=lot.order.product, lot=lot.index)
        result.affected_worker_ids.add(a.worker_id)
        touched_orders.add(lot.order_id)

    for lot_id, task in current.items():
        if lot_id in wanted:
            continue
        if task.status in STARTED:
            result.kept_started += 1
            continue
        if not withdraw_unplaced:
            result.kept_unplaced += 1
            fit = kept_by_lot.get(lot_id)
            if (
                fit is not None
                and fit.worker_id == task.worker_id
                and task.status == TaskStatus.ASSIGNED.value
            ):
                told = [(d.day, d.pieces) for d in task.days]
                days = kept_task_days(told, fit)
                if days != told:
                    _replan(task, days, actor, result, kept=True)
            continue
        _cancel(task, actor, "task.cancel", notice="task_withdrawn")
        result.cancelled += 1
        result.affected_worker_ids.add(task.worker_id)

    for order_id in sorted(touched_orders):
        orders.mark_in_production(order_id, actor)
    db.session.flush()
    return result


def _cancel(task: Task, actor: User | None, action: str, *, notice: str | None = None) -> None:
    before = task.status
    task.status = TaskStatus.CANCELLED.value
    db.session.flush()  # the live-task index frees the lot before a new task takes it
    record(actor, action, task, before={"status": before}, after={"status": task.status})
    if notice:
        _notify(task.worker_id, notice, task_id=task.id, product=task.order.product, lot=task.lot.index)


def create_task(
    lot_id: int,
    worker_id: int,
    actor: User | None,
    *,
    days: Sequence[tuple[date, Decimal]] = (),
    station_id: int | None = None,
    pieces: int | None = None,
    reassigned_from: Task | None = None,
) -> Task:
    """Give a lot (or what is left of it) to a worker directly, outside a plan."""
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.station_id is None:
        raise ProductionError("unknown_lot", _("This lot has not been taken on by a station."), status=404)
    worker = db.session.get(User, worker_id)
    if worker is None or worker.role != Role.WORKER:
        raise field_error("worker_id", _("Choose a worker."))
    task = Task(
        lot_id=lot.id,
        order_id=lot.order_id,
        worker_id=worker.id,
        station_id=station_id or lot.station_id,
        pieces=pieces if pieces is not None else lot.pieces,
        status=TaskStatus.ASSIGNED.value,
        reassigned_from_id=reassigned_from.id if reassigned_from else None,
    )
    task.days = [TaskDay(day=d, pieces=p) for d, p in normalised_days(days)]
    nested = db.session.begin_nested()
    try:
        db.session.add(task)
        db.session.flush()
    except IntegrityError:
        nested.rollback()
        raise ProductionError("lot_taken", _("This lot already has a worker."), status=409) from None
    nested.commit()
    record(
        actor, "task.assign", task, after={"lot_id": lot.id, "worker_id": worker.id, "pieces": task.pieces}
    )
    _notify(worker.id, "task_new", task_id=task.id, product=lot.order.product, lot=lot.index)
    orders.mark_in_production(lot.order_id, actor)
    db.session.flush()
    return task


# ------------------------------------------------------------------ reports


def _lock_task(task_id: int) -> None:
    db.session.execute(select(Task.id).where(Task.id == task_id).with_for_update())


def parse_pieces(value: Any, name: str = "pieces") -> int:
    number, problem = orders.parse_int(value)
    if problem:
        raise field_error(name, problem)
    if number is None:
        raise field_error(name, _("Enter the number of pieces."))
    if number <= 0:
        raise field_error(name, _("Enter a number of pieces above zero."))
    if number > 1_000_000:
        raise field_error(name, _("This number is too large."))
    return number


def record_report(
    task_id: int,
    worker: User,
    pieces: Any,
    idempotency_key: str,
    body_hash: str,
    minutes: Any = None,
) -> tuple[Report, bool]:
    """Count `pieces` finished on the worker's task; (report, True) when stored, (first report, False) on a retry.

    The same key with the same body answers the first report again and changes nothing; the same key with
    another body is refused (422).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise field_error(
            "idempotency_key", _("The report has no valid idempotency key."), "bad_idempotency_key"
        )
    try:
        count = parse_pieces(pieces)
        mins, problem = orders.parse_int(minutes)
        if problem or (mins is not None and not 0 < mins <= MAX_MINUTES):
            raise field_error(
                "minutes", problem or _("Enter the minutes worked, from 1 to %(max)s.", max=MAX_MINUTES)
            )
        task = db.session.get(Task, task_id)
        if task is None or task.worker_id != worker.id:
            raise ProductionError("not_found", _("There is no such task, or it is not yours."), status=404)
    except ProductionError:
        seen = _seen_report(worker.id, key, body_hash)  # a key already used answers as it did (or is refused)
        if seen is not None:
            return seen, False
        raise

    # Count first (the conditional UPDATE locks the task row and answers the new total), then store the report
    # with that total. A key already used (a retry, or a twin sent at the same time) stops at the unique
    # (worker, key): the savepoint takes the count back and the first report answers.
    nested = db.session.begin_nested()
    counted = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status.in_(REPORTABLE), Task.reported + count <= Task.pieces)
        .values(
            reported=Task.reported + count,
            status=case(
                (
                    Task.status.in_(
                        [TaskStatus.ASSIGNED.value, TaskStatus.PICKED_UP.value, TaskStatus.INSPECTED.value]
                    ),
                    TaskStatus.IN_PROGRESS.value,
                ),
                else_=Task.status,
            ),
        )
        .returning(Task.reported, Task.status, Task.updated_at)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if counted is None:
        nested.rollback()
        seen = _seen_report(worker.id, key, body_hash)  # a twin of this report took the last pieces
        if seen is not None:
            return seen, False
        db.session.refresh(task)
        if task.status in DEAD:  # withdrawn or given to someone else (perhaps while the phone was offline)
            raise _no_longer_yours()
        if task.status not in REPORTABLE:
            raise ProductionError(
                "task_closed", _("This task is finished; it takes no more reports."), status=409
            )
        left = task.pieces - task.reported
        raise field_error(
            "pieces",
            _(
                "The lot holds %(pieces)s pieces and %(reported)s are reported already: report at most %(left)s.",
                pieces=task.pieces,
                reported=task.reported,
                left=left,
            ),
            "over_lot",
            409,
        )
    report = Report(
        task_id=task.id,
        worker_id=worker.id,
        pieces=count,
        minutes=mins,
        idempotency_key=key,
        body_hash=body_hash,
        reported_on=local_today(),
        reported_after=counted.reported,
    )
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:
        nested.rollback()  # the report and its count
        seen = _seen_report(worker.id, key, body_hash)
        if seen is None:
            raise
        return seen, False
    nested.commit()
    for name, value in zip(("reported", "status", "updated_at"), counted, strict=True):
        set_committed_value(task, name, value)  # what the UPDATE wrote, without reading the row again
    record(
        worker,
        "report.create",
        report,
        after={"task_id": task.id, "pieces": count, "minutes": mins, "reported": task.reported},
        station_id=task.station_id,
    )
    db.session.flush()
    return report, True


def _seen_report(worker_id: int, key: str, body_hash: str) -> Report | None:
    seen = db.session.scalar(
        select(Report).where(Report.worker_id == worker_id, Report.idempotency_key == key)
    )
    if seen is not None and seen.body_hash != body_hash:
        raise ProductionError(
            "idempotency_key_reused",
            _("This idempotency key was already used for another report."),
            status=422,
        )
    return seen


# ------------------------------------------------------------------ inspections


def can_run(task: Task, user: User) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.ORGANISER and user.station_id == task.station_id)


def parse_count(value: Any, name: str) -> int:
    number, problem = orders.parse_int(value)
    if problem:
        raise field_error(name, problem)
    number = number or 0
    if number < 0:
        raise field_error(name, _("Enter zero or more pieces."))
    if number > 1_000_000:
        raise field_error(name, _("This number is too large."))
    return number


def _refuse_closed_pay_day(station_id: int, on: date) -> None:
    """Refuse an inspection dated in a closed pay period: its pieces would never reach a slip.

    The period's row is read with a share lock, so a close running at the same moment either waits for
    this inspection (and pays it) or finishes first (and this inspection is refused).
    """
    period = db.session.execute(
        select(PayPeriod.start, PayPeriod.end, PayPeriod.status)
        .where(PayPeriod.station_id == station_id, PayPeriod.start <= on, PayPeriod.end >= on)
        .with_for_update(read=True)
    ).first()
    if period is not None and period.status != "open":
        raise field_error(
            "inspected_on",
            _(
                "Pay for %(start)s to %(end)s is already settled, so pieces cannot be dated in it. "
                "Date the inspection after %(end)s, for example today.",
                start=period.start.isoformat(),
                end=period.end.isoformat(),
            ),
            "pay_period_closed",
            409,
        )


def record_inspection(
    task_id: int,
    organiser: User,
    accepted: Any,
    rejected: Any,
    reason: str,
    on: date,
    rework: bool,
    *,
    reason_code: str | None = None,
    photo: tuple[str, bytes] | None = None,
) -> Inspection:
    """Record accepted and rejected pieces of a returned lot; never more than wait for inspection.

    Rejected pieces either go back to the same worker for rework (`rework`: inspected again later) or are
    scrapped. `photo` is (content type, bytes) already checked by `check_photo`.
    """
    task = db.session.get(Task, task_id)
    if task is None or not can_run(task, organiser):
        raise ProductionError(
            "not_found", _("There is no such task, or it is not your station's."), status=404
        )
    good = parse_count(accepted, "accepted")
    bad = parse_count(rejected, "rejected")
    if good + bad == 0:
        raise field_error("accepted", _("Enter the accepted or rejected pieces."))
    reason = (reason or "").strip()
    label = None
    if reason_code:
        found = db.session.scalar(
            select(RejectReason).where(
                RejectReason.station_id == task.station_id, RejectReason.code == reason_code
            )
        )
        if found is None:
            raise field_error("reason_code", _("Choose a reason from the list."))
        label = found.label
    if bad and not (reason or label):
        raise field_error("reason", _("Give a reason for the rejected pieces."))
    if len(reason) > REASON_MAX:
        raise field_error("reason", _("At most %(limit)s characters.", limit=REASON_MAX))
    if task.status in DEAD and task.awaiting_inspection <= 0:
        raise ProductionError(
            "task_closed", _("This task was withdrawn; nothing waits for inspection."), status=409
        )
    if on > local_today():  # pieces are paid in the period of their inspection day: it has to have come
        raise field_error("inspected_on", _("The inspection date cannot be later than today."))
    _refuse_closed_pay_day(task.station_id, on)

    nested = db.session.begin_nested()
    scrap = 0 if rework else bad
    done = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.accepted + Task.scrapped + good + bad <= Task.reported)
        .values(accepted=Task.accepted + good, scrapped=Task.scrapped + scrap)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        nested.rollback()
        db.session.refresh(task)
        if task.rework:
            message = _(
                "Only %(waiting)s pieces of this lot can be inspected: %(ready)s waiting for inspection "
                "and %(rework)s in rework.",
                waiting=task.awaiting_inspection,
                ready=task.ready_for_inspection,
                rework=task.rework,
            )
        else:
            message = _(
                "Only %(waiting)s pieces of this lot wait for inspection (reported %(reported)s).",
                waiting=task.awaiting_inspection,
                reported=task.reported,
            )
        raise field_error("accepted", message, "over_reported", 409)
    nested.commit()
    db.session.refresh(task)  # the row is ours now (locked until the transaction ends)
    before = {"status": task.status, "rework": task.rework}
    task.rework = max(0, task.rework - good - bad) + (bad if rework else 0)
    if task.accepted + task.scrapped >= task.pieces:
        task.status = TaskStatus.DONE.value if task.status not in DEAD else task.status
    elif task.status not in DEAD:  # "inspected" only once every piece is made: otherwise work goes on
        still_making = task.rework or task.reported < task.pieces
        task.status = TaskStatus.IN_PROGRESS.value if still_making else TaskStatus.INSPECTED.value
    if task.returned_at is None:
        task.returned_at = utcnow()
    text = reason if not label else (label + ("：" + reason if reason else ""))
    inspection = Inspection(
        task_id=task.id,
        organiser_id=organiser.id,
        accepted=good,
        rejected=bad,
        reason=text[:REASON_MAX],
        reason_code=reason_code,
        inspected_on=on,
        rework=bool(rework and bad),
    )
    if photo is not None:
        inspection.photo = InspectionPhoto(content_type=photo[0], size=len(photo[1]), data=photo[1])
    db.session.add(inspection)
    db.session.flush()
    record(
        organiser,
        "inspection.create",
        inspection,
        before=before,
        after={
            "task_id": task.id,
            "accepted": good,
            "rejected": bad,
            "sent_back_for_rework": inspection.rework,
            "rework": task.rework,  # pieces now with the worker for rework, as before the inspection
            "status": task.status,
            "on": on.isoformat(),
        },
        station_id=task.station_id,
    )
    if bad and rework:
        _notify(
            task.worker_id,
            "rework",
            task_id=task.id,
            product=task.order.product,
            lot=task.lot.index,
            pieces=bad,
            reason=text[:200],
        )
    db.session.flush()
    return inspection


# Photos: the first bytes say what a file is (a name or a declared type says nothing).
IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def check_photo(data: bytes) -> str:
    """The image type of `data`, or a ProductionError when it is not a JPEG/PNG/GIF/WebP or above 10 MB."""
    if len(data) > PHOTO_MAX_BYTES:
        raise field_error("photo", _("The photo is larger than 10 MB; take a smaller one."), status=413)
    if not data:
        raise field_error("photo", _("The photo is empty."))
    kind = next((t for sig, t in IMAGE_SIGNATURES if data.startswith(sig)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    if kind is None:
        raise field_error("photo", _("This file is not a photo (JPEG, PNG, GIF or WebP)."))
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # noqa: BLE001  (any decoder error means the bytes are not a usable image)
        raise field_error("photo", _("This photo is damaged and cannot be shown.")) from None
    return kind


# ------------------------------------------------------------------ task life


def get_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise ProductionError("not_found", _("There is no such task."), status=404)
    return task


def _action_key(idempotency_key: str | None) -> str | None:
    """The idempotency key a change was sent with (None: sent without one), or 422 when it is unusable."""
    if idempotency_key is None:
        return None
    key = idempotency_key.strip()
    if not key or len(key) > KEY_MAX:
        raise field_error(
            "idempotency_key",
            _("The Idempotency-Key can have at most %(limit)s characters.", limit=KEY_MAX),
            "bad_idempotency_key",
        )
    return key


def action_hash(task_id: int, action: str, **body: str) -> str:
    """What a change to a task says, as the idempotency check compares it (the form token left out: a
    change queued on the phone is sent again with the token of a later login)."""
    data = {"task": task_id, "action": action, **body}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _seen_action(user_id: int, key: str | None, body_hash: str) -> bool:
    """True when this key already made this change; 422 when the key was used for another request."""
    if key is None:
        return False
    seen = db.session.scalar(
        select(TaskRequestKey).where(TaskRequestKey.user_id == user_id, TaskRequestKey.key == key)
    )
    if seen is None:
        return False
    if seen.body_hash != body_hash:
        raise ProductionError(
            "idempotency_key_reused",
            _("This idempotency key was already used for another request."),
            status=422,
        )
    return True


def _remember_action(user: User, key: str | None, task: Task, action: str, body_hash: str) -> None:
    if key is not None:
        db.session.add(
            TaskRequestKey(user_id=user.id, key=key, task_id=task.id, action=action, body_hash=body_hash)
        )


# Why a change the worker sent (perhaps long after making it on a phone without network) no longer applies:
# by the task's status now.
def _no_longer_yours() -> ProductionError:
    return ProductionError(
        "task_withdrawn",
        _(
            "This task is no longer yours: your organiser withdrew it or gave the lot to someone else. "
            "Talk to your organiser."
        ),
        status=409,
    )


def _cannot_decline(task: Task) -> ProductionError:
    if task.status == TaskStatus.CANCELLED.value:
        return _no_longer_yours()
    if task.status == TaskStatus.DECLINED.value:
        return ProductionError("already_declined", _("You have already declined this task."), status=409)
    return ProductionError(
        "already_started", _("The material is already picked up: talk to your organiser."), status=409
    )


def _cannot_return(task: Task, user: User) -> ProductionError:
    if task.status in DEAD:
        if task.worker_id == user.id:
            return _no_longer_yours()
        return ProductionError(
            "task_closed", _("This task was declined or withdrawn; nothing can be handed in."), status=409
        )
    if task.status == TaskStatus.RETURNED.value:
        return ProductionError(
            "already_returned", _("These pieces are already noted as handed in."), status=409
        )
    if task.status in (TaskStatus.INSPECTED.value, TaskStatus.DONE.value):
        return ProductionError("already_inspected", _("These pieces are already inspected."), status=409)
    if task.reported == 0:
        return ProductionError(
            "nothing_made", _("Report the finished pieces before handing them in."), status=409
        )
    return ProductionError("not_in_progress", _("This task is not in progress."), status=409)


def decline_task(task_id: int, worker: User, reason: str = "", idempotency_key: str | None = None) -> Task:
    """The worker turns down a task before picking up its material; the station's organisers are told.

    With an idempotency key, the same key and reason again answer as the first time and change nothing.
    """
    task = db.session.get(Task, task_id)
    if task is None or task.worker_id != worker.id:
        raise ProductionError("not_found", _("There is no such task, or it is not yours."), status=404)
    key = _action_key(idempotency_key)
    reason = (reason or "").strip()
    digest = action_hash(task.id, "decline", reason=reason)
    if _seen_action(worker.id, key, digest):
        return task
    if len(reason) > REASON_MAX:
        raise field_error("reason", _("At most %(limit)s characters.", limit=REASON_MAX))
    done = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status == TaskStatus.ASSIGNED.value)
        .values(status=TaskStatus.DECLINED.value, declined_reason=reason or None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(task)
    if done.rowcount != 1:
        if _seen_action(worker.id, key, digest):  # its twin, sent at the same time, declined it
            return task
        raise _cannot_decline(task)
    _remember_action(worker, key, task, "decline", digest)
    record(
        worker,
        "task.decline",
        task,
        before={"status": "assigned"},
        after={"status": task.status, "reason": reason},
    )
    for organiser_id in _organisers(task.station_id):
        _notify(
            organiser_id,
            "task_declined",
            task_id=task.id,
            worker=worker.name,
            product=task.order.product,
            lot=task.lot.index,
            reason=reason,
        )
    db.session.flush()
    return task


def _organisers(station_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(User.id).where(
                User.station_id == station_id, User.role == Role.ORGANISER, User.is_disabled.is_(False)
            )
        )
    )


def reassign_task(task_id: int, new_worker_id: int, actor: User) -> Task:
    """Give the rest of a lot to another worker; the pieces already made stay on the worker who made them.

    The old task shrinks to the pieces its worker reported (it stays inspectable and payable, under status
    cancelled so that the lot has one live task); the new task gets the pieces left and the days to come.
    A task with nothing reported is simply cancelled, as a plan withdraws one: its size stays on record and
    counts nowhere (a dead task counts its reported pieces only).
    """
    task = db.session.get(Task, task_id)
    if task is None or not can_run(task, actor):
        raise ProductionError(
            "not_found", _("There is no such task, or it is not your station's."), status=404
        )
    if task.status in DEAD or task.status == TaskStatus.DONE.value:
        raise ProductionError(
            "task_closed", _("This task is closed; there is nothing to reassign."), status=409
        )
    if new_worker_id == task.worker_id:
        raise field_error("worker_id", _("Choose another worker."))
    worker = db.session.get(User, new_worker_id)
    if worker is None or worker.role != Role.WORKER:
        raise field_error("worker_id", _("Choose a worker."))
    _lock_task(task.id)
    db.session.refresh(task)
    left = task.pieces - task.reported
    if left <= 0:
        raise ProductionError(
            "nothing_left", _("Every piece of this lot is made already; inspect it instead."), status=409
        )
    today = local_today()
    days = [(d.day, d.pieces) for d in task.days if d.day >= today] or [(today, Decimal(left))]
    before = {"status": task.status, "pieces": task.pieces, "worker_id": task.worker_id}
    if task.reported:  # the pieces made stay with their maker; with none made the old task simply ends
        task.pieces = task.reported  # (keeping its size, as a declined task does: a task holds some pieces)
    task.status = TaskStatus.CANCELLED.value
    db.session.flush()
    record(
        actor,
        "task.reassign",
        task,
        before=before,
        after={"status": task.status, "pieces": task.pieces, "to_worker_id": worker.id},
    )
    _notify(
        task.worker_id,
        "task_withdrawn",
        task_id=task.id,
        product=task.order.product,
        lot=task.lot.index,
        kept=task.reported,
    )
    new = create_task(
        task.lot_id,
        worker.id,
        actor,
        days=days,
        station_id=task.station_id,
        pieces=left,
        reassigned_from=task,
    )
    return new


RETURNABLE = (TaskStatus.ASSIGNED.value, TaskStatus.PICKED_UP.value, TaskStatus.IN_PROGRESS.value)


def mark_returned(task_id: int, user: User, idempotency_key: str | None = None) -> Task:
    """The finished pieces of the lot are back at the station (the worker or the organiser says so), pieces
    redone after a rework inspection included: they wait for inspection again.

    With an idempotency key, the same key again answers as the first time and changes nothing.
    """
    task = db.session.get(Task, task_id)
    if task is None or not (task.worker_id == user.id or can_run(task, user)):
        raise ProductionError("not_found", _("There is no such task."), status=404)
    key = _action_key(idempotency_key)
    digest = action_hash(task.id, "hand_in")
    if _seen_action(user.id, key, digest):
        return task
    before = {"status": task.status, "rework": task.rework}
    done = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status.in_(RETURNABLE), Task.reported > 0)
        # pieces that were with the worker for rework come back with the rest: they wait for inspection
        .values(status=TaskStatus.RETURNED.value, returned_at=utcnow(), rework=0)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(task)
    if done.rowcount != 1:
        if _seen_action(user.id, key, digest):  # its twin, sent at the same time, handed it in
            return task
        raise _cannot_return(task, user)
    _remember_action(user, key, task, "hand_in", digest)
    record(user, "task.return", task, before=before, after={"status": task.status, "rework": task.rework})
    db.session.flush()
    return task


def mark_read(user_id: int) -> None:
    db.session.execute(
        update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None)).values(read_at=utcnow())
    )


@cache
def _unread_notices_query() -> Any:
    return (
        select(Notice.id, Notice.kind, Notice.params, Notice.created_at)
        .where(Notice.user_id == bindparam("user_id"), Notice.read_at.is_(None))
        .order_by(Notice.id.desc())
        .limit(bindparam("limit"))
    )


def unread_notices(user_id: int, limit: int = 10) -> list[Any]:
    """The user's unread notices, newest first, as rows (id, kind, params, created_at) to show, not to change."""
    return list(read_rows(_unread_notices_query(), user_id=user_id, limit=limit))


# ------------------------------------------------------------------ pages' queries


def station_tasks(station_id: int, start: date, end: date) -> list[Task]:
    """The station's tasks that are live or have work planned between `start` and `end` (days loaded)."""
    return list(
        db.session.scalars(
            select(Task)
            .where(
                Task.station_id == station_id,
                or_(Task.status.notin_(DEAD + (TaskStatus.DONE.value,)), _planned_between(start, end)),
            )
            .options(
                selectinload(Task.days),
                selectinload(Task.lot),
                selectinload(Task.order),
                selectinload(Task.worker),
            )
            .order_by(Task.id)
        )
    )


def _planned_between(start: Any, end: Any) -> Any:
    """The task has work planned between `start` and `end` (a correlated EXISTS: it reads the task's own days
    through the (task_id, day) index instead of every task's days in the window)."""
    day = aliased(TaskDay)
    return (
        select(day.id)
        .where(day.task_id == Task.id, day.day >= start, day.day <= end)
        .correlate(Task)
        .exists()
    )


def worker_tasks(worker_id: int, start: date, end: date) -> list[Task]:
    """The worker's tasks that are not finished, or have work planned between `start` and `end`."""
    return list(
        db.session.scalars(
            select(Task)
            .where(
                Task.worker_id == worker_id,
                or_(Task.status.notin_(DEAD + (TaskStatus.DONE.value,)), _planned_between(start, end)),
            )
            .options(selectinload(Task.days), selectinload(Task.lot), selectinload(Task.order))
            .order_by(Task.id)
        )
    )


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: date
    pieces: Decimal


@dataclass(frozen=True, slots=True)
class LotRef:
    index: int


@dataclass(frozen=True, slots=True)
class OrderRef:
    product: str
    due_date: date


@dataclass(frozen=True, slots=True)
class StationRef:
    id: int
    name: str
    address: str | None


@dataclass(slots=True)
class TaskCard:
    """What the worker's day shows of a task: plain values read in one query, no ORM objects."""

    id: int
    status: str
    pieces: int
    reported: int
    accepted: int
    rework: int
    station_id: int
    lot: LotRef
    order: OrderRef
    station: StationRef
    days: list[DayPlan] = field(default_factory=list)

    @property
    def left(self) -> int:
        return self.pieces - self.reported


def read_rows(stmt: Any, **params: Any) -> Any:
    """Run a select built once (with bind parameters) on the session's connection: rows without the ORM's
    per-statement work. Pending changes are flushed first, as a query through the session would."""
    db.session.flush()
    return db.session.connection().execute(stmt, params)


@cache
def _worker_day_query() -> Any:
    return (
        select(
            Task.id,
            Task.status,
            Task.pieces,
            Task.reported,
            Task.accepted,
            Task.rework,
            Task.station_id,
            Lot.index,
            Order.product,
            Order.due_date,
            Station.name,
            Station.address,
            TaskDay.day,
            TaskDay.pieces,
        )
        .join(Lot, Lot.id == Task.lot_id)
        .join(Order, Order.id == Task.order_id)
        .join(Station, Station.id == Task.station_id)
        .outerjoin(TaskDay, TaskDay.task_id == Task.id)
        .where(
            Task.worker_id == bindparam("worker_id"),
            or_(
                Task.status.notin_(DEAD + (TaskStatus.DONE.value,)),
                _planned_between(bindparam("start"), bindparam("end")),
            ),
        )
        .order_by(Task.id, TaskDay.day)
    )


def worker_day(worker_id: int, start: date, end: date) -> list[TaskCard]:
    """`worker_tasks` for the worker's phone: the same tasks with their lot, order, station and planned days,
    in one query (one row per task and day)."""
    rows = read_rows(_worker_day_query(), worker_id=worker_id, start=start, end=end)
    cards: list[TaskCard] = []
    for (
        tid,
        status,
        pieces,
        reported,
        accepted,
        rework,
        sid,
        index,
        product,
        due,
        sname,
        addr,
        day,
        dp,
    ) in rows:
        if not cards or cards[-1].id != tid:
            cards.append(
                TaskCard(
                    tid,
                    status,
                    pieces,
                    reported,
                    accepted,
                    rework,
                    sid,
                    LotRef(index),
                    OrderRef(product, due),
                    StationRef(sid, sname, addr),
                )
            )
        if day is not None:
            cards[-1].days.append(DayPlan(day, Decimal(dp)))
    return cards


# ------------------------------------------------------------------ progress for the orders feature


@register_progress_source
def production_counts(order_ids: Sequence[int]) -> list[ProductionCount]:
    """Pieces assigned, reported, accepted and rejected (scrapped) per order, station and day.

    Assigned: the pieces of live tasks plus what workers made on tasks taken from them. Rejected pieces sent
    back for rework are not counted as rejected (they come back and are inspected again).
    """
    ids = list(order_ids)
    if not ids:
        return []
    today = local_today()
    out: list[ProductionCount] = []
    assigned = db.session.execute(
        select(
            Task.order_id,
            Task.station_id,
            func.sum(case((Task.status.in_(DEAD), Task.reported), else_=Task.pieces)),
        )
        .where(Task.order_id.in_(ids))
        .group_by(Task.order_id, Task.station_id)
    )
    out.extend(ProductionCount(o, s, today, assigned=int(n or 0)) for o, s, n in assigned)
    reported = db.session.execute(
        select(Task.order_id, Task.station_id, Report.reported_on, func.sum(Report.pieces))
        .join(Task, Task.id == Report.task_id)
        .where(Task.order_id.in_(ids))
        .group_by(Task.order_id, Task.station_id, Report.reported_on)
    )
    out.extend(ProductionCount(o, s, d, reported=int(n or 0)) for o, s, d, n in reported)
    inspected = db.session.execute(
        select(
            Task.order_id,
            Task.station_id,
            Inspection.inspected_on,
            func.sum(Inspection.accepted),
            func.sum(case((Inspection.rework, 0), else_=Inspection.rejected)),
        )
        .join(Task, Task.id == Inspection.task_id)
        .where(Task.order_id.in_(ids))
        .group_by(Task.order_id, Task.station_id, Inspection.inspected_on)
    )
    out.extend(
        ProductionCount(o, s, d, accepted=int(a or 0), rejected=int(r or 0)) for o, s, d, a, r in inspected
    )
    return out


@register_lot_source
def passed_by_lot(order_ids: Sequence[int]) -> list[LotCount]:
    """Pieces that passed inspection per lot (over every task the lot had, reassigned ones included)."""
    ids = list(order_ids)
    if not ids:
        return []
    rows = db.session.execute(
        select(Task.order_id, Task.lot_id, func.sum(Inspection.accepted))
        .join(Task, Task.id == Inspection.task_id)
        .where(Task.order_id.in_(ids))
        .group_by(Task.order_id, Task.lot_id)
    )
    return [LotCount(o, lot, int(n or 0)) for o, lot, n in rows if n]
