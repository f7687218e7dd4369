"""Demo production: tasks for the demo workers on the lots their stations took on, with two weeks of history.

So that a worker's phone shows something before any plan is published: one task under way today, one
finished and inspected last week, one starting tomorrow, some lots handed in and waiting for inspection.
Each lot goes to a worker who has its skill (the next one in turn who has it). Only a station without any
task gets them, so running the demo again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from factory.accounts.models import Role, Station, User
from factory.demo.history import at_local, dated
from factory.extensions import db
from factory.orders.models import Lot
from factory.orders.services import local_today
from factory.production import floor, material, services
from factory.production.models import Notice, Task, TaskStatus
from factory.types import utcnow

LOTS_PER_STATION = 12


LOOK_AHEAD = 8 * 7  # how far to look for a worker's working days


def working_days(worker: User, first: int, days: int) -> list[date]:
    """The first `days` dates from today + `first` on which the worker offers hours (weekly pattern and
    exceptions); fewer when the worker offers hours on fewer days in the next weeks."""
    from factory.workers import services as workers

    profile = workers.ensure_profile(worker)
    start = local_today() + timedelta(days=first)
    found = [d.day for d in workers.days_ahead(profile, start, LOOK_AHEAD) if d.hours > 0]
    return found[:days]


def _spread(worker: User, pieces: int, first: int, days: int) -> list[tuple[date, Decimal]]:
    """A lot's pieces shared out over the worker's next `days` working days from today + `first`: never on a
    day the worker offers no hours (a worker who offers none gets a task without planned days)."""
    dates = working_days(worker, first, days)
    if not dates:
        return []
    share = (Decimal(pieces) / len(dates)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    out = [(d, share) for d in dates]
    out[-1] = (dates[-1], Decimal(pieces) - share * (len(dates) - 1))
    return out


def _report(task: Task, worker: User, pieces: int, days_ago: int, n: int) -> None:
    when = utcnow() - timedelta(days=days_ago, hours=3)
    with dated(when):
        report, created = services.record_report(task.id, worker, pieces, f"demo-{task.id}-{n}", "demo")
        if created:
            report.reported_on = local_today() - timedelta(days=days_ago)
            report.created_at = when


def _skills(worker_ids: list[int]) -> dict[int, set[str]]:
    from factory.reference.models import Skill
    from factory.workers.models import WorkerSkill

    out: dict[int, set[str]] = {i: set() for i in worker_ids}
    rows = db.session.execute(
        select(WorkerSkill.worker_id, Skill.code)
        .join(Skill, Skill.id == WorkerSkill.skill_id)
        .where(WorkerSkill.worker_id.in_(worker_ids))
    )
    for worker_id, code in rows:
        out[worker_id].add(code)
    return out


def _able(workers: list[User], turn: int, skill: str, skills: dict[int, set[str]]) -> User:
    """The worker whose turn it is, or the next one after them who has the skill (the one whose turn it is
    when nobody has it)."""
    for k in range(len(workers)):
        candidate = workers[(turn + k) % len(workers)]
        if skill in skills.get(candidate.id, set()):
            return candidate
    return workers[turn]


def _assign(lot: Lot, worker: User, organiser: User, first: int, days: int) -> Task:
    """The lot given to the worker, over `days` of their working days from today + `first`; a lot that
    began in the past was assigned (in the audit log too) the day before it began."""
    when = utcnow() + timedelta(days=min(0, first - 1))
    with dated(when):
        task = services.create_task(
            lot.id, worker.id, organiser, days=_spread(worker, lot.pieces, first, days)
        )
        if first < 0:
            task.created_at = when
    return task


def _history(task: Task, organiser: User, days_ago: int) -> None:
    """A lot of the demo's past: its kit went out when it began, and its worker saw the task long ago
    (no "new task" notice waiting for a lot she has been making for days)."""
    with dated(utcnow() - timedelta(days=days_ago)):
        for row in material.issue_material(task.id, organiser):
            row.created_at = utcnow() - timedelta(days=days_ago)
    for notice in db.session.scalars(
        select(Notice).where(
            Notice.user_id == task.worker_id, Notice.kind == "task_new", Notice.read_at.is_(None)
        )
    ):
        if notice.params.get("task_id") == task.id:
            notice.read_at = notice.created_at


def seed_production() -> None:
    today = local_today()
    for station in db.session.scalars(select(Station).order_by(Station.id)):
        organiser = db.session.scalar(
            select(User).where(User.station_id == station.id, User.role == Role.ORGANISER).order_by(User.id)
        )
        workers = list(
            db.session.scalars(
                select(User)
                .where(User.station_id == station.id, User.role == Role.WORKER)
                .order_by(User.mobile)
            )
        )
        if organiser is None or not workers:
            continue
        made_by_hand = (
            select(Task.id).where(Task.station_id == station.id, Task.plan_run_id.is_(None)).limit(1)
        )
        if db.session.scalar(made_by_hand) is not None:
            continue  # this step ran already (tasks from plans, such as the pay history's, do not count)
        had_task = select(Task.lot_id)
        lots = list(
            db.session.scalars(
                select(Lot)
                .where(Lot.station_id == station.id, Lot.id.not_in(had_task))
                .order_by(Lot.order_id, Lot.index)
                .limit(LOTS_PER_STATION)
            )
        )
        reasons = floor.reject_reasons(station.id)
        skills = _skills([w.id for w in workers])
        for i, lot in enumerate(lots):
            kind = i % 4
            # the first worker (the README login) gets one of each kind; the others share the rest
            turn = 0 if i < 4 else 1 + (i - 4) % max(1, len(workers) - 1)
            worker = _able(workers, turn, lot.order.skill.code, skills)
            if kind == 0:  # under way: began three days ago, ends the day after tomorrow
                task = _assign(lot, worker, organiser, -3, 6)
                _history(task, organiser, 3)
                for n, back in enumerate((3, 2, 1)):
                    _report(task, worker, max(1, lot.pieces // 8), back, n)
            elif kind == 1:  # last week's lot: made, handed in, inspected with a few rejects
                task = _assign(lot, worker, organiser, -12, 4)
                _history(task, organiser, 12)
                _report(task, worker, lot.pieces // 2, 11, 0)
                _report(task, worker, lot.pieces - lot.pieces // 2, 9, 1)
                bad = max(1, lot.pieces // 40)
                with dated(at_local(today - timedelta(days=8), 16)):
                    services.record_inspection(
                        task.id,
                        organiser,
                        lot.pieces - bad,
                        bad,
                        "边角",
                        today - timedelta(days=8),
                        False,
                        reason_code=reasons[0].code if reasons else None,
                    )
            elif kind == 2:  # starts tomorrow: the kit is prepared today
                _assign(lot, worker, organiser, 1, 3)
            else:  # handed in yesterday, waiting for inspection
                task = _assign(lot, worker, organiser, -4, 3)
                _history(task, organiser, 4)
                _report(task, worker, lot.pieces, 1, 0)
                task.status = TaskStatus.RETURNED.value
                task.returned_at = utcnow() - timedelta(days=1)
    db.session.flush()
