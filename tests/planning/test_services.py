"""Planning services: runs built from the database, solved as jobs, reviewed, pinned, moved, published."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.orders.services import local_today
from factory.planning import domain, services
from factory.planning.domain import PlanningError
from factory.planning.models import PlanPin, PlanRun
from factory.production.models import Task

from .conftest import World, tomorrow


def solved(run: PlanRun) -> PlanRun:
    db.session.commit()  # the job starts once the run is committed
    db.session.refresh(run)
    services.refresh(run)
    return run


def test_a_run_plans_the_station_lots_over_its_workers(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    assert run.state == "done"
    assert run.start_date == tomorrow()
    assert run.instance["horizon"]["days"] == 14
    assert [o["id"] for o in run.instance["orders"]] == [f"O{world.orders[0].id}"]
    assert len(run.instance["workers"]) == 3
    assert run.stats["assigned_lots"] == 3
    assert run.plan["unassigned"] == []
    lot_ids = sorted(lot.id for lot in world.orders[0].lots)
    assert sorted(domain.holders(run.plan, run.lots)) == lot_ids


def test_the_instance_keeps_worker_hours_speeds_reach_and_priority(world: World, make_station: Any) -> None:
    other = make_station()
    db.session.add(
        __import__("factory.workers.models", fromlist=["WorkerReach"]).WorkerReach(
            worker_id=world.workers[0].id, station_id=other.id, minutes=25
        )
    )
    built = services.build(world.station.id, tomorrow(), 14)
    w = {x["id"]: x for x in built.instance["workers"]}
    first = w[f"W{world.workers[0].id}"]
    assert first["speed"] == {"remote_assembly": 30.0}
    assert sum(first["hours"]) == 30  # ten weekdays of 3 hours in two weeks
    assert w[f"W{world.workers[1].id}"]["priority"] is True
    assert built.instance["orders"][0]["due_day"] == 9  # due in 10 days, the plan starts tomorrow
    assert built.instance["orders"][0]["piece_rate_fen"] == 40


def test_no_accepted_orders_says_so_plainly(world: World) -> None:
    for order in world.orders:
        order.status = "cancelled"
    with pytest.raises(PlanningError) as info:
        services.start_run(world.organiser, world.station.id)
    assert info.value.code == "no_orders"
    assert db.session.scalar(select(PlanRun)) is None


def test_no_workers_with_hours_says_so_plainly(world: World) -> None:
    from factory.workers import services as workers

    for user in world.workers:
        workers.set_weekly_hours(world.organiser, workers.ensure_profile(user), [0] * 7)
    with pytest.raises(PlanningError) as info:
        services.start_run(world.organiser, world.station.id)
    assert info.value.code == "no_hours"


def test_unplaced_lots_get_a_reason_in_plain_words(world: World, make_user: Any) -> None:
    from factory.workers import services as workers

    for user in world.workers:  # hours every day, so that the answer does not depend on today's weekday
        workers.set_weekly_hours(world.organiser, workers.ensure_profile(user), [3] * 7)
    world.order(skill="fridge_magnet", product="冰箱贴彩绘", lots=1)
    # due tomorrow, the plan's first day: nobody makes 100 remote controls in the 3 hours of one day
    world.order(lots=10, due=1, product="急单遥控器")
    run = solved(services.start_run(world.organiser, world.station.id))
    page = services.review_page(run)
    reasons = list(page.reasons.values())
    assert "这几天有空的工人里，没有会做「冰箱贴彩绘」的。" in " ".join(reasons)
    assert any("工时不够" in r for r in reasons)


def test_pin_is_kept_by_the_rerun_and_the_rerun_stays_close(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    held = domain.holders(run.plan, run.lots)
    lot_id = min(held)
    other = next(w for w in world.workers[:2] if w.id != held[lot_id])
    services.add_pin(world.organiser, run, lot_id, other.id)
    again = solved(services.start_run(world.organiser, world.station.id, previous=run))
    assert again.state == "done"
    assert domain.holders(again.plan, again.lots)[lot_id] == other.id
    assert again.instance["pinned"]
    changes = services.compare_runs(run, again).changes
    assert any(c.lot_id == lot_id and c.after == other.id for c in changes)


def test_a_pin_that_cannot_hold_is_named(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    lot_id = min(domain.holders(run.plan, run.lots))
    knitter = world.workers[2]
    with pytest.raises(PlanningError) as info:
        services.add_pin(world.organiser, run, lot_id, knitter.id)
    assert "赵师傅" in info.value.message
    assert "技能" in info.value.message or "skill" in info.value.message
    assert db.session.scalar(select(PlanPin)) is None


def test_a_hand_move_that_breaks_a_rule_is_refused_with_the_rule(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    lot_id = min(domain.holders(run.plan, run.lots))
    before = dict(run.plan)
    with pytest.raises(PlanningError) as info:
        services.move(world.organiser, run, lot_id, world.workers[2].id)
    assert info.value.code == "move_no_skill"
    assert run.plan == before


def test_a_hand_move_within_the_rules_changes_the_plan_and_pins_the_lot(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    held = domain.holders(run.plan, run.lots)
    lot_id = min(held)
    target = next(w for w in world.workers[:2] if w.id != held[lot_id])
    services.move(world.organiser, run, lot_id, target.id)
    assert domain.holders(run.plan, run.lots)[lot_id] == target.id
    pin = db.session.scalar(select(PlanPin).where(PlanPin.lot_id == lot_id))
    assert pin is not None
    assert pin.worker_id == target.id
    inst = domain.parse_instance(run.instance)
    assert domain.check_plan(inst, run.plan).valid


def test_publish_makes_tasks_and_again_changes_only_what_changed(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    first = services.publish(world.organiser, run)
    assert first.created == 3
    tasks = db.session.scalars(select(Task).where(Task.status == "assigned")).all()
    assert {t.lot_id: t.worker_id for t in tasks} == domain.holders(run.plan, run.lots)
    assert all(t.plan_run_id == run.id for t in tasks)
    assert sum(float(d.pieces) for t in tasks for d in t.days) == 300
    db.session.commit()
    again = solved(services.start_run(world.organiser, world.station.id, previous=run))
    second = services.publish(world.organiser, again)
    assert second.created == 0
    assert second.cancelled == 0
    assert second.unchanged + second.changed == 3
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plan.publish")) is not None


def test_an_older_plan_cannot_be_published_over_a_newer_one(world: World) -> None:
    old = solved(services.start_run(world.organiser, world.station.id))
    new = solved(services.start_run(world.organiser, world.station.id))
    services.publish(world.organiser, new)
    with pytest.raises(PlanningError) as info:
        services.publish(world.organiser, old)
    assert info.value.code == "superseded"
    assert info.value.status == 409


def test_a_failed_run_shows_why_and_changes_no_tasks(world: World, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(services, "solve", broken)
    run = solved(services.start_run(world.organiser, world.station.id))
    assert run.state == "failed"
    assert "solver crashed" in run.failure
    assert db.session.scalar(select(Task)) is None
    with pytest.raises(PlanningError):
        services.publish(world.organiser, run)


def test_the_city_run_covers_every_station_and_stations_see_their_share(
    world: World, make_user: Any, make_station: Any
) -> None:
    second = make_station()
    make_user("organiser", station=second)
    far = world.order(product="另一站的遥控器", station=second, lots=2)
    # a worker of the first station fetches from the second station too
    from factory.workers.models import WorkerReach

    db.session.add(WorkerReach(worker_id=world.workers[0].id, station_id=second.id, minutes=20))
    admin = make_user("admin")
    run = solved(services.start_run(admin, None))
    assert run.state == "done"
    keys = {o["id"] for o in run.instance["orders"]}
    assert f"O{far.id}-S{second.id}" in keys
    assert run.stats["assigned_lots"] == 5
    share = services.review_page(run, station_id=world.station.id)
    assert set(share.review.orders) == {world.orders[0].id}
    with pytest.raises(PlanningError):
        services.start_run(world.organiser, None)


def test_a_city_run_shares_an_order_between_two_stations_and_sends_a_worker_to_the_other_station(
    world: World, make_user: Any, make_station: Any, make_client: Any
) -> None:
    """One order taken on by two stations; the second station has nobody who assembles remote controls, but
    王阿姨 of the first station reaches it. Each organiser sees their share only."""
    from factory.orders import services as orders
    from factory.workers.models import WorkerReach

    second = make_station()
    organiser2 = make_user("organiser", station=second)
    world.worker(make_user, "第二站织工", {"knitting": 2})
    world.workers[-1].station_id = second.id  # a worker of the second station without the skill
    shared = world.order(product="共享按键板", lots=4, take=200)
    orders.accept_order(shared, second.id, 200, organiser2)
    wang = world.workers[0]
    db.session.add(WorkerReach(worker_id=wang.id, station_id=second.id, minutes=20))
    db.session.flush()
    run = solved(services.start_run(make_user("admin"), None))
    assert run.state == "done"
    by_station = {lot.id: lot.station_id for lot in shared.lots}
    assert sorted(by_station.values()) == sorted([world.station.id] * 2 + [second.id] * 2)
    assert {f"O{shared.id}-S{world.station.id}", f"O{shared.id}-S{second.id}"} <= set(run.lots)
    held = domain.holders(run.plan, run.lots)
    far = [lot_id for lot_id, station_id in by_station.items() if station_id == second.id]
    assert all(held.get(lot_id) == wang.id for lot_id in far)  # she fetches them from the second station
    assert run.plan["unassigned"] == []

    mine = services.review_page(run, station_id=world.station.id)
    theirs = services.review_page(run, station_id=second.id)
    assert mine.review.orders[shared.id].lots == 2 and theirs.review.orders[shared.id].lots == 2
    assert world.orders[0].id in mine.review.orders and world.orders[0].id not in theirs.review.orders
    assert set(theirs.review.workers[wang.id].lots) == set(far)  # the second station sees only its lots
    assert not set(mine.review.workers[wang.id].lots) & set(far)
    assert world.workers[1].id not in theirs.review.workers  # 李大姐 has nothing to do with them
    page = make_client(organiser2).get(f"/planning/runs/{run.id}").get_data(as_text=True)
    assert "共享按键板" in page and "王阿姨" in page
    assert "李大姐" not in page and "遥控器组装" not in page
    assert "/publish" not in page  # the city's plan is the administrator's to publish

    result = services.publish(make_user("admin"), run)
    assert result.created == 7
    tasks = db.session.scalars(select(Task).where(Task.lot_id.in_(far))).all()
    assert {(t.worker_id, t.station_id) for t in tasks} == {(wang.id, second.id)}


def test_the_city_plan_says_before_publishing_which_station_tasks_it_does_not_place(
    world: World, make_user: Any, make_client: Any
) -> None:
    from factory.workers import services as workers

    station_run = solved(services.start_run(world.organiser, world.station.id))
    services.publish(world.organiser, station_run)
    db.session.commit()
    # the remote-control workers now have far fewer hours: the city plan cannot place the lots again
    for user in world.workers[:2]:
        workers.set_weekly_hours(world.organiser, workers.ensure_profile(user), [1, 0, 0, 0, 0, 0, 0])
    admin = make_user("admin")
    city = solved(services.start_run(admin, None))
    assert city.state == "done"
    effect = services.publish_effect(city)
    assert effect is not None
    assert effect.unplaced_total == 3 and effect.moved_total == 0
    assert effect.by_station() == [(world.station.name, 0, 3)]
    html = make_client(admin).get(f"/planning/runs/{city.id}").get_data(as_text=True)
    assert 'id="publish-effect"' in html
    assert "这个方案没有排它，所以仍留给" in html
    assert world.station.name in html
    result = services.publish(admin, city)
    assert (result.cancelled, result.kept_unplaced) == (0, 3)  # the page said what publishing did


def test_a_city_plan_that_changes_no_station_task_shows_no_warning(
    world: World, make_user: Any, make_client: Any
) -> None:
    admin = make_user("admin")
    city = solved(services.start_run(admin, None))
    effect = services.publish_effect(city)
    assert effect is not None and effect.unplaced_total == 0 and effect.moved_total == 0
    html = make_client(admin).get(f"/planning/runs/{city.id}").get_data(as_text=True)
    assert 'id="publish-effect"' not in html


# ------------------------------------------------------------------ lots kept with their worker, days that change


def _one_assembler(make_user: Any, make_station: Any) -> tuple[World, Any]:
    """A station with one resident who assembles remote controls: 30 an hour, 3 hours every day (90 a day)."""
    from factory.workers import services as workers

    station = make_station()
    w = World(station, make_user("organiser", station=station), make_user("coordinator"))
    wang = w.worker(make_user, "王阿姨", {"remote_assembly": 30})
    workers.set_weekly_hours(w.organiser, workers.ensure_profile(wang), [3] * 7)
    return w, wang


def _task_days(lot_id: int) -> list[tuple[Any, float]]:
    task = db.session.scalar(select(Task).where(Task.lot_id == lot_id, Task.status == "assigned"))
    return [(d.day, float(d.pieces)) for d in task.days]


def _overbooked(world: World, start: Any, days: int) -> dict[tuple[int, Any], float]:
    """Hours booked beyond what each worker offers, per worker and day, over all their live tasks (the
    plan's pieces are stored to the hundredth: a hundredth of a piece is rounding, not overbooking)."""
    from factory.production.models import DEAD, TaskDay
    from factory.workers.services import availability

    offered = {
        (w.worker_id, start + timedelta(days=i)): float(h)
        for w in availability(world.station.id, start, days)
        for i, h in enumerate(w.hours)
    }
    speed = {w.worker_id: w.speeds for w in availability(world.station.id, start, days)}
    booked: dict[tuple[int, Any], float] = {}
    rows = db.session.execute(
        select(Task.worker_id, Task.order_id, TaskDay.day, TaskDay.pieces)
        .join(TaskDay, TaskDay.task_id == Task.id)
        .where(Task.status.not_in(DEAD))
    )
    for worker_id, order_id, day, pieces in rows:
        skill = next(o.skill.code for o in world.orders if o.id == order_id)
        key = (worker_id, day)
        booked[key] = booked.get(key, 0.0) + float(pieces) / float(speed[worker_id][skill])
    return {k: v - offered.get(k, 0.0) for k, v in booked.items() if v > offered.get(k, 0.0) + 1e-3}


def test_a_kept_lot_is_fitted_around_the_new_plan_so_nobody_is_booked_beyond_their_hours(
    make_user: Any, make_station: Any
) -> None:
    """王阿姨 was given lot 1 of a small order for tomorrow. A bigger order comes in that needs all her
    hours tomorrow and the day after; the new plan gives her that one and cannot place the small lot in
    time. Published without withdrawing, she keeps the small lot, on her first day with hours left."""
    world, wang = _one_assembler(make_user, make_station)
    small = world.order(lots=1, lot_size=90, due=1, product="遥控器组装（小单）")
    first = solved(services.start_run(world.organiser, world.station.id))
    services.publish(world.organiser, first)
    lot = small.lots[0]
    day0 = tomorrow()
    assert _task_days(lot.id) == [(day0, 90.0)]
    db.session.commit()

    world.order(lots=1, lot_size=180, due=2, product="遥控器组装（大单）")
    second = solved(services.start_run(world.organiser, world.station.id))
    # the engine is told who holds the small lot, and on which days
    assert second.instance["held"] == [
        {
            "order": f"O{small.id}",
            "lot": 0,
            "worker": f"W{wang.id}",
            "pieces": 90,
            "days": [{"day": 0, "pieces": 90}],
        }
    ]
    assert [a["order"] for a in second.plan["assignments"]] != [f"O{small.id}"]
    assert [u["order"] for u in second.plan["unassigned"]] == [f"O{small.id}"]
    effect = services.publish_effect(second)
    (kept,) = effect.unplaced
    assert kept.lot_id == lot.id and kept.days_changed
    assert kept.old_days == ((day0, 90),)
    day2 = day0 + timedelta(days=2)
    assert kept.new_days == ((day2, 90),)

    result = services.publish(world.organiser, second)
    assert (result.created, result.kept_unplaced) == (1, 1)
    assert _task_days(lot.id) == [(day2, 90.0)]  # as the page said it would be
    assert _overbooked(world, day0, 14) == {}
    task = db.session.scalar(select(Task).where(Task.lot_id == lot.id, Task.status == "assigned"))
    replan = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "task.replan", AuditEntry.object_id == task.id)
    )
    assert replan is not None


def test_withdrawing_instead_leaves_the_worker_only_the_new_plan(make_user: Any, make_station: Any) -> None:
    world, _wang = _one_assembler(make_user, make_station)
    small = world.order(lots=1, lot_size=90, due=1)
    services.publish(world.organiser, solved(services.start_run(world.organiser, world.station.id)))
    db.session.commit()
    world.order(lots=1, lot_size=180, due=2)
    second = solved(services.start_run(world.organiser, world.station.id))
    result = services.publish(
        world.organiser, second, withdraw_unplaced=True, seen_unplaced=[small.lots[0].id]
    )
    assert (result.cancelled, result.kept_unplaced) == (1, 0)
    assert _overbooked(world, tomorrow(), 14) == {}


def test_the_preview_lists_lots_that_stay_with_their_worker_on_other_days(
    make_user: Any, make_station: Any
) -> None:
    """王阿姨's child is ill tomorrow: the new plan keeps her lot with her, a day later. Before publishing,
    the organiser sees whose days change (old and new days); publishing makes exactly those days."""
    from factory.workers import services as workers

    world, wang = _one_assembler(make_user, make_station)
    order = world.order(lots=2, lot_size=90, due=6)
    first = solved(services.start_run(world.organiser, world.station.id))
    services.publish(world.organiser, first)
    before = {lot.id: _task_days(lot.id) for lot in order.lots}
    assert sorted(d for days in before.values() for d, _ in days) == [
        tomorrow(),
        tomorrow() + timedelta(days=1),
    ]
    workers.set_days(world.organiser, workers.ensure_profile(wang), {tomorrow(): 0})
    db.session.commit()
    second = solved(services.start_run(world.organiser, world.station.id))
    effect = services.publish_effect(second)
    assert effect.moved == [] and effect.unplaced == []
    changed = {c.lot_id: c for c in effect.rescheduled}
    moved_off = next(lot_id for lot_id, days in before.items() if days[0][0] == tomorrow())
    assert moved_off in changed
    c = changed[moved_off]
    assert (c.holder_id, c.new_worker_id) == (wang.id, wang.id)
    assert c.old_days == ((tomorrow(), 90),)
    assert all(day > tomorrow() for day, _ in c.new_days)
    assert effect.workers[wang.id] == "王阿姨"

    result = services.publish(world.organiser, second)
    assert result.changed == len(effect.rescheduled)
    for lot_id, change in changed.items():
        assert tuple((d, round(p)) for d, p in _task_days(lot_id)) == change.new_days
    assert _overbooked(world, tomorrow(), 14) == {}
    # published again, nothing changes any more, and the preview says so
    db.session.commit()
    assert services.publish_effect(second).rescheduled == []


def test_day_spans_shorten_runs_of_equal_days() -> None:
    from datetime import date

    days = [(date(2026, 12, 1), 20), (date(2026, 12, 2), 20), (date(2026, 12, 3), 20), (date(2026, 12, 4), 5)]
    days += [(date(2026, 12, 7), 20), (date(2026, 12, 8), 0)]
    assert domain.day_spans(days) == [
        (date(2026, 12, 1), date(2026, 12, 3), 20),
        (date(2026, 12, 4), date(2026, 12, 4), 5),
        (date(2026, 12, 7), date(2026, 12, 7), 20),
    ]


def test_the_city_plan_fits_a_lot_given_out_by_hand_that_it_keeps_with_its_worker(
    make_user: Any, make_station: Any
) -> None:
    """A lot the organiser gave out by hand (no plan) and the city's plan does not place stays with its
    worker, fitted around the city plan's work for her, and the page lists it before publishing."""
    from decimal import Decimal

    from factory.production import services as production

    world, wang = _one_assembler(make_user, make_station)
    small = world.order(lots=1, lot_size=90, due=1)
    lot = small.lots[0]
    production.create_task(lot.id, wang.id, world.organiser, days=[(tomorrow(), Decimal(90))])
    world.order(lots=1, lot_size=180, due=2)
    db.session.commit()
    admin = make_user("admin")
    city = solved(services.start_run(admin, None))
    assert [k["order"] for k in city.plan["kept"]] == [f"O{small.id}-S{world.station.id}"]
    effect = services.publish_effect(city)
    assert [c.lot_id for c in effect.unplaced] == [lot.id] and effect.unplaced[0].days_changed
    services.publish(admin, city)
    assert _task_days(lot.id) == [(tomorrow() + timedelta(days=2), 90.0)]
    assert _overbooked(world, tomorrow(), 14) == {}


def test_changes_to_the_workers_after_the_plan_was_made_are_listed_and_weighed_before_publishing(
    world: World,
) -> None:
    from factory.workers import services as workers

    run = solved(services.start_run(world.organiser, world.station.id))
    assert services.changes_since(run).total == 0
    profile = workers.ensure_profile(world.workers[0])
    workers.set_weekly_hours(world.organiser, profile, [1] * 5 + [0, 0])
    workers.set_paused(world.organiser, workers.ensure_profile(world.workers[1]), True)
    db.session.flush()
    changes = services.changes_since(run)
    assert changes.total == 2
    assert [(c.worker, c.action) for c in changes.shown] == [
        ("李大姐", "worker.pause"),
        ("王阿姨", "worker.weekly_hours"),
    ]  # newest first
    # shown nothing (the page was opened before the changes): look again
    with pytest.raises(PlanningError) as info:
        services.publish(world.organiser, run, changes_seen=0)
    assert info.value.code == "inputs_changed" and info.value.status == 409
    assert db.session.scalar(select(Task)) is None
    # shown both: the organiser decides they do not matter
    services.publish(world.organiser, run, changes_seen=changes.last_id)
    assert db.session.scalar(select(Task)) is not None


def test_another_stations_changes_do_not_count(world: World, make_user: Any, make_station: Any) -> None:
    from factory.workers import services as workers

    run = solved(services.start_run(world.organiser, world.station.id))
    elsewhere = make_station()
    stranger = make_user("worker", station=elsewhere)
    workers.set_weekly_hours(
        make_user("organiser", station=elsewhere), workers.ensure_profile(stranger), [2] * 7
    )
    assert services.changes_since(run).total == 0


def test_a_plan_whose_first_day_has_gone_by_cannot_be_published(world: World) -> None:
    run = solved(services.start_run(world.organiser, world.station.id))
    run.start_date = local_today() - timedelta(days=1)
    with pytest.raises(PlanningError) as info:
        services.publish(world.organiser, run)
    assert info.value.code == "past" and info.value.status == 409
    run.start_date = local_today()  # a plan starting today still can be
    services.publish(world.organiser, run)
    assert db.session.scalar(select(Task)) is not None


def test_a_lot_partly_made_by_someone_who_no_longer_has_it_is_planned_for_what_is_left(world: World) -> None:
    import uuid

    from factory.production import services as production
    from factory.production.models import TaskDay

    first = solved(services.start_run(world.organiser, world.station.id))
    services.publish(world.organiser, first)
    task = db.session.scalars(select(Task).order_by(Task.id)).first()
    maker = db.session.get(type(world.organiser), task.worker_id)
    production.record_report(task.id, maker, 30, uuid.uuid4().hex, uuid.uuid4().hex)
    other = next(w for w in world.workers[:2] if w.id != maker.id)
    moved = production.reassign_task(task.id, other.id, world.organiser)
    assert moved.pieces == 70
    run = solved(services.start_run(world.organiser, world.station.id))
    # 70 of the lot are left to make: the order is planned as 100 + 100 + 70, that lot the smaller last one
    [order] = run.instance["orders"]
    assert (order["quantity"], order["lot_size"]) == (270, 100)
    assert run.lots[order["id"]][-1] == task.lot_id
    services.publish(world.organiser, run)
    live = db.session.scalar(select(Task).where(Task.lot_id == task.lot_id, Task.status != "cancelled"))
    days = db.session.scalars(select(TaskDay.pieces).where(TaskDay.task_id == live.id)).all()
    assert live.pieces == 70 and sum(days) == 70
