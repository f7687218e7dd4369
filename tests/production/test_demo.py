"""Demo production tasks: planned only on the days their worker offers hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from factory.extensions import db
from factory.production.demo import seed_production
from factory.production.models import Task, TaskDay
from factory.workers import services as workers


def test_demo_tasks_plan_no_pieces_on_days_the_worker_offers_no_hours(
    make_lots: Any, station: Any, organiser: Any, worker: Any, other_worker: Any
) -> None:
    weekdays = [3, 3, 3, 3, 3, 0, 0]  # like 王秀英: nothing on Saturday and Sunday
    for user in (worker, other_worker):
        workers.set_weekly_hours(organiser, workers.ensure_profile(user), weekdays)
    make_lots(station, lots=8)
    seed_production()
    rows = db.session.execute(
        select(Task.worker_id, Task.pieces, TaskDay.day, TaskDay.pieces).join(
            TaskDay, TaskDay.task_id == Task.id
        )
    ).all()
    assert len({r[0] for r in rows}) == 2
    assert all(weekdays[day.weekday()] > 0 for _w, _p, day, _n in rows), sorted({r[2] for r in rows})
    tasks = db.session.scalars(select(Task)).all()
    assert all(sum(float(d.pieces) for d in t.days) == t.pieces for t in tasks)


def test_a_worker_with_no_hours_gets_no_planned_days_from_the_demo(
    make_lots: Any, station: Any, organiser: Any, worker: Any
) -> None:
    workers.set_weekly_hours(organiser, workers.ensure_profile(worker), [0] * 7)
    make_lots(station, lots=2)
    seed_production()
    tasks = db.session.scalars(select(Task).where(Task.worker_id == worker.id)).all()
    assert tasks and all(t.days == [] for t in tasks)


def test_demo_tasks_go_to_workers_who_have_the_lot_skill(
    make_lots: Any, station: Any, organiser: Any, worker: Any, other_worker: Any, make_user: Any
) -> None:
    able = make_user("worker", station=station)
    workers.set_skill(organiser, workers.ensure_profile(able), "remote_assembly", 30)
    for user in (worker, other_worker, able):
        workers.set_weekly_hours(organiser, workers.ensure_profile(user), [3] * 7)
    make_lots(station, lots=6)  # remote controls: only `able` assembles them
    seed_production()
    assert {t.worker_id for t in db.session.scalars(select(Task))} == {able.id}


def test_the_demo_history_is_not_news_and_its_kits_went_out_when_the_lots_began(
    make_lots: Any, station: Any, organiser: Any, worker: Any
) -> None:
    from factory.production.models import MaterialMovement, Notice
    from factory.types import utcnow

    workers.set_weekly_hours(organiser, workers.ensure_profile(worker), [3] * 7)
    make_lots(station, lots=4)  # one of each kind: under way, inspected, starting tomorrow, handed in
    seed_production()
    unread = [
        n.params["task_id"]
        for n in db.session.scalars(select(Notice).where(Notice.kind == "task_new", Notice.read_at.is_(None)))
    ]
    assigned = [t.id for t in db.session.scalars(select(Task).where(Task.status == "assigned"))]
    assert unread == assigned and len(assigned) == 1  # only the lot starting tomorrow is new
    issued = db.session.scalars(select(MaterialMovement.created_at)).all()
    assert issued and all(at < utcnow() - timedelta(days=2) for at in issued)
