"""Production services: publishing plans, reports, inspections, progress."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.orders import services as orders
from factory.orders.services import local_today
from factory.production import material, services
from factory.production.models import Inspection, Notice, Report, Task, TaskRequestKey
from factory.production.services import ProductionError, PublishedAssignment
from tests.production.conftest import body_hash, report

TODAY = local_today()


def assign(lot: Any, worker: Any, station: Any, *days: tuple[int, int]) -> PublishedAssignment:
    return PublishedAssignment(
        lot.id,
        worker.id,
        station.id,
        [(TODAY + timedelta(days=d), Decimal(p)) for d, p in days or ((0, 100),)],
    )


def live_tasks(station: Any) -> dict[int, Task]:
    return {
        t.lot_id: t
        for t in db.session.scalars(
            select(Task).where(Task.station_id == station.id, Task.status.notin_(["declined", "cancelled"]))
        )
    }


# ------------------------------------------------------------------ publish


def test_publish_creates_tasks_with_days_notices_and_audit(lots, worker, other_worker, organiser, station):
    result = services.publish_plan(
        station.id,
        7,
        [assign(lots[0], worker, station, (0, 60), (1, 40)), assign(lots[1], other_worker, station)],
        organiser,
    )
    assert (result.created, result.changed, result.unchanged, result.cancelled) == (2, 0, 0, 0)
    assert result.affected_worker_ids == {worker.id, other_worker.id}
    tasks = live_tasks(station)
    first = tasks[lots[0].id]
    assert (first.worker_id, first.pieces, first.status, first.plan_run_id) == (worker.id, 100, "assigned", 7)
    assert [(d.day, d.pieces) for d in first.days] == [
        (TODAY, Decimal(60)),
        (TODAY + timedelta(days=1), Decimal(40)),
    ]
    assert db.session.scalar(select(Notice.kind).where(Notice.user_id == worker.id)) == "task_new"
    assert (
        db.session.scalar(
            select(AuditEntry.action).where(
                AuditEntry.object_id == first.id, AuditEntry.object_type == "production_task"
            )
        )
        == "task.assign"
    )
    assert lots[0].order.status == "in_production"


def test_publish_again_unchanged_moved_started_and_dropped(lots, worker, other_worker, organiser, station):
    services.publish_plan(
        station.id,
        1,
        [
            assign(lots[0], worker, station),
            assign(lots[1], worker, station),
            assign(lots[2], worker, station),
        ],
        organiser,
    )
    started = live_tasks(station)[lots[2].id]
    material.issue_material(started.id, organiser)  # picked up: never moved again
    first_id = live_tasks(station)[lots[0].id].id
    result = services.publish_plan(
        station.id,
        2,
        [assign(lots[0], worker, station), assign(lots[2], other_worker, station)],
        organiser,
        withdraw_unplaced=True,
    )
    # lot 1 identical, lot 2 no longer assigned (withdrawn, as asked), lot 3 started (kept with its worker)
    assert (result.created, result.changed, result.unchanged, result.cancelled, result.kept_started) == (
        0,
        0,
        1,
        1,
        1,
    )
    tasks = live_tasks(station)
    assert tasks[lots[0].id].id == first_id and tasks[lots[0].id].plan_run_id == 1  # no write
    assert lots[1].id not in tasks
    assert tasks[lots[2].id].worker_id == worker.id

    result = services.publish_plan(
        station.id,
        3,
        [assign(lots[0], other_worker, station), assign(lots[2], worker, station, (2, 100))],
        organiser,
    )
    assert (result.created, result.changed, result.cancelled) == (0, 2, 0)  # moved lot 1; new days for lot 3
    tasks = live_tasks(station)
    assert tasks[lots[0].id].worker_id == other_worker.id and tasks[lots[0].id].id != first_id
    assert db.session.get(Task, first_id).status == "cancelled"
    assert [d.day for d in tasks[lots[2].id].days] == [TODAY + timedelta(days=2)]
    assert result.affected_worker_ids == {worker.id, other_worker.id}


def test_publish_refuses_lots_of_another_station(make_lots, make_station, lots, worker, organiser, station):
    elsewhere = make_lots(make_station())
    with pytest.raises(ProductionError) as err:
        services.publish_plan(station.id, 1, [assign(elsewhere[0], worker, station)], organiser)
    assert err.value.code == "not_station_lot"
    assert live_tasks(station) == {}


def test_city_publish_replaces_earlier_plan_tasks(lots, worker, other_worker, organiser, station):
    services.publish_plan(
        None, 1, [assign(lots[0], worker, station), assign(lots[1], worker, station)], organiser
    )
    result = services.publish_plan(
        None, 2, [assign(lots[0], other_worker, station)], organiser, withdraw_unplaced=True
    )
    assert (result.changed, result.cancelled) == (1, 1)
    assert set(live_tasks(station)) == {lots[0].id}


def test_a_lot_the_new_plan_does_not_place_stays_with_its_worker(
    lots, worker, other_worker, organiser, station
):
    services.publish_plan(
        station.id, 1, [assign(lots[0], worker, station), assign(lots[1], worker, station)], organiser
    )
    before = live_tasks(station)[lots[1].id]
    result = services.publish_plan(station.id, 2, [assign(lots[0], other_worker, station)], organiser)
    assert (result.changed, result.cancelled, result.kept_unplaced) == (1, 0, 1)
    tasks = live_tasks(station)
    assert tasks[lots[1].id].id == before.id and tasks[lots[1].id].worker_id == worker.id
    assert tasks[lots[1].id].status == "assigned"
    city = services.publish_plan(None, 3, [assign(lots[0], other_worker, station)], organiser)
    assert (city.cancelled, city.kept_unplaced) == (0, 1)
    assert set(live_tasks(station)) == {lots[0].id, lots[1].id}


# ------------------------------------------------------------------ reports


def test_report_counts_once_per_key(task, worker):
    first, created = report(task, worker, 30, "k1")
    again, created_again = report(task, worker, 30, "k1")
    assert created and not created_again and again.id == first.id
    assert first.reported_after == 30
    db.session.refresh(task)
    assert (task.reported, task.status) == (30, "in_progress")
    assert db.session.scalar(select(db.func.count(Report.id))) == 1


def test_same_key_other_body_is_refused(task, worker):
    report(task, worker, 30, "k1")
    with pytest.raises(ProductionError) as err:
        report(task, worker, 31, "k1")
    assert (err.value.code, err.value.status) == ("idempotency_key_reused", 422)


@pytest.mark.parametrize("pieces", [0, -3, "abc", None, "1.5"])
def test_bad_pieces_store_nothing(task, worker, pieces):
    with pytest.raises(ProductionError) as err:
        services.record_report(task.id, worker, pieces, "k", body_hash(0))
    assert "pieces" in err.value.fields
    db.session.refresh(task)
    assert task.reported == 0 and db.session.scalar(select(db.func.count(Report.id))) == 0


def test_cannot_report_above_the_lot(task, worker):
    report(task, worker, 90)
    with pytest.raises(ProductionError) as err:
        report(task, worker, 11)
    assert (err.value.code, err.value.status) == ("over_lot", 409)
    assert "10" in err.value.message
    report(task, worker, 10)
    db.session.refresh(task)
    assert task.reported == 100 and db.session.scalar(select(db.func.count(Report.id))) == 2


def test_report_on_someone_elses_task_or_finished_task(task, worker, other_worker, organiser):
    with pytest.raises(ProductionError) as err:
        report(task, other_worker, 5)
    assert err.value.status == 404
    report(task, worker, 100)
    services.record_inspection(task.id, organiser, 100, 0, "", TODAY, False)
    db.session.refresh(task)
    assert task.status == "done"
    with pytest.raises(ProductionError) as err:
        report(task, worker, 1)
    assert (err.value.code, err.value.status) == ("task_closed", 409)


# ------------------------------------------------------------------ inspections


def test_inspection_within_reported_and_rework(task, worker, organiser):
    report(task, worker, 60)
    with pytest.raises(ProductionError) as err:
        services.record_inspection(task.id, organiser, 55, 6, "毛刺", TODAY, False)
    assert (err.value.code, err.value.status) == ("over_reported", 409)
    first = services.record_inspection(task.id, organiser, 50, 10, "按键不回弹", TODAY, True)
    db.session.refresh(task)
    assert (task.accepted, task.scrapped, task.rework, task.status) == (50, 0, 10, "in_progress")
    assert first.rework and first.rejected == 10
    assert db.session.scalar(select(Notice.kind).where(Notice.user_id == worker.id, Notice.kind == "rework"))
    # the reworked ten come back: eight pass, two are scrapped
    services.record_inspection(task.id, organiser, 8, 2, "外壳裂", TODAY, False)
    db.session.refresh(task)
    # every piece made so far is inspected, but 40 of the lot are still to make: the work goes on
    assert (task.accepted, task.scrapped, task.rework, task.status) == (58, 2, 0, "in_progress")
    with pytest.raises(ProductionError):
        services.record_inspection(task.id, organiser, 1, 0, "", TODAY, False)  # nothing left waiting
    report(task, worker, 40)
    services.record_inspection(task.id, organiser, 30, 0, "", TODAY, False)
    db.session.refresh(task)
    assert (task.accepted, task.awaiting_inspection, task.status) == (88, 10, "inspected")


def test_handing_in_brings_the_reworked_pieces_back_for_inspection(task, worker, organiser):
    report(task, worker, 40)
    services.mark_returned(task.id, worker)
    services.record_inspection(task.id, organiser, 30, 10, "花瓣歪", TODAY, True)
    db.session.refresh(task)
    assert (task.rework, task.ready_for_inspection, task.status) == (10, 0, "in_progress")
    services.mark_returned(task.id, worker)  # the ten redone, handed in
    db.session.refresh(task)
    assert (task.rework, task.ready_for_inspection, task.status) == (0, 10, "returned")
    services.record_inspection(task.id, organiser, 10, 0, "", TODAY, False)
    db.session.refresh(task)
    assert (task.accepted, task.awaiting_inspection) == (40, 0)


def test_inspection_needs_a_reason_for_rejects_and_the_right_station(task, worker, organiser, make_user):
    report(task, worker, 10)
    with pytest.raises(ProductionError) as err:
        services.record_inspection(task.id, organiser, 5, 5, "  ", TODAY, False)
    assert "reason" in err.value.fields
    stranger = make_user("organiser")
    with pytest.raises(ProductionError) as err:
        services.record_inspection(task.id, stranger, 5, 0, "", TODAY, False)
    assert err.value.status == 404
    with pytest.raises(ProductionError):
        services.record_inspection(task.id, organiser, -1, 2, "x", TODAY, False)
    # A date to come: its pieces would be paid in a period not yet open, and reports would show that month.
    with pytest.raises(ProductionError) as err:
        services.record_inspection(task.id, organiser, 5, 0, "", TODAY + timedelta(days=1), False)
    assert err.value.fields == {"inspected_on": ["检验日期不能晚于今天。"]}
    assert db.session.scalar(select(db.func.count(Inspection.id))) == 0


# ------------------------------------------------------------------ progress and lists


def test_progress_flows_to_orders(task, worker, organiser, station, lots):
    report(task, worker, 40)
    services.record_inspection(task.id, organiser, 30, 4, "脏污", TODAY, False)
    services.record_inspection(task.id, organiser, 0, 6, "返工", TODAY, True)
    progress = orders.order_progress([task.order_id])[task.order_id]
    assert (progress.assigned, progress.reported, progress.accepted, progress.rejected) == (100, 40, 30, 4)
    assert progress.by_day[TODAY].reported == 40
    assert orders.order_progress([task.order_id], station_id=station.id + 999)[task.order_id].reported == 0


def test_worker_and_station_tasks(task, worker, other_worker, station):
    assert [t.id for t in services.worker_tasks(worker.id, TODAY, TODAY)] == [task.id]
    assert services.worker_tasks(other_worker.id, TODAY, TODAY) == []
    assert [t.id for t in services.station_tasks(station.id, TODAY, TODAY + timedelta(days=7))] == [task.id]


# ------------------------------------------------------------------ declines and hand-ins sent again


def changes(task: Any, action: str) -> int:
    return len(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == task.id)
        ).all()
    )


def test_a_decline_sent_again_with_its_key_is_done_once(task, worker, organiser):
    def told() -> list[int]:
        return sorted(db.session.scalars(select(Notice.user_id).where(Notice.kind == "task_declined")))

    services.decline_task(task.id, worker, "孩子生病", idempotency_key="phone-d1")
    first = told()
    assert organiser.id in first
    again = services.decline_task(task.id, worker, " 孩子生病 ", idempotency_key="phone-d1")
    assert again.id == task.id and again.status == "declined"
    assert changes(task, "task.decline") == 1 and told() == first
    keys = db.session.scalars(select(TaskRequestKey)).all()
    assert [(k.user_id, k.key, k.task_id, k.action) for k in keys] == [
        (worker.id, "phone-d1", task.id, "decline")
    ]
    # the same key saying something else is refused, and changes nothing
    with pytest.raises(ProductionError) as err:
        services.decline_task(task.id, worker, "另有安排", idempotency_key="phone-d1")
    assert (err.value.status, err.value.code) == (422, "idempotency_key_reused")
    assert db.session.get(Task, task.id).declined_reason == "孩子生病"
    # without a key, a second decline is told that the task is declined already
    with pytest.raises(ProductionError) as err:
        services.decline_task(task.id, worker, "孩子生病")
    assert (err.value.status, err.value.code) == (409, "already_declined")


def test_a_key_belongs_to_one_change_of_one_task(lots, task, worker, organiser, station):
    other = services.create_task(lots[1].id, worker.id, organiser)
    material.issue_material(other.id, organiser)
    report(other, worker, 5)
    services.decline_task(task.id, worker, idempotency_key="phone-k")
    for call in (
        lambda: services.decline_task(other.id, worker, idempotency_key="phone-k"),
        lambda: services.mark_returned(other.id, worker, idempotency_key="phone-k"),
    ):
        with pytest.raises(ProductionError) as err:
            call()
        assert err.value.code == "idempotency_key_reused"
    assert db.session.get(Task, other.id).status == "in_progress"
    for bad in ("", "   ", "k" * 101):
        with pytest.raises(ProductionError) as err:
            services.mark_returned(other.id, worker, idempotency_key=bad)
        assert (err.value.status, err.value.code) == (422, "bad_idempotency_key")
    assert db.session.get(Task, other.id).status == "in_progress"


def test_a_hand_in_sent_again_is_answered_as_the_first_even_after_inspection(task, worker, organiser):
    material.issue_material(task.id, organiser)
    report(task, worker, 100)  # the whole lot made; a first 20 inspected below, so it is not done
    services.mark_returned(task.id, worker, idempotency_key="phone-h1")
    returned_at = db.session.get(Task, task.id).returned_at
    services.record_inspection(task.id, organiser, 20, 0, "", TODAY, False)
    again = services.mark_returned(task.id, worker, idempotency_key="phone-h1")
    assert again.status == "inspected" and again.returned_at == returned_at
    assert changes(task, "task.return") == 1
    # a new hand-in (another key) of the same pieces is told why not
    with pytest.raises(ProductionError) as err:
        services.mark_returned(task.id, worker, idempotency_key="phone-h2")
    assert (err.value.status, err.value.code) == (409, "already_inspected")


def test_a_refused_change_keeps_no_key_so_it_can_be_made_later(task, worker, organiser):
    material.issue_material(task.id, organiser)
    with pytest.raises(ProductionError) as err:
        services.mark_returned(task.id, worker, idempotency_key="phone-h3")
    assert err.value.code == "nothing_made"
    assert db.session.scalar(select(TaskRequestKey.id)) is None
    report(task, worker, 10)
    assert services.mark_returned(task.id, worker, idempotency_key="phone-h3").status == "returned"


def test_changes_that_arrive_after_the_organiser_moved_the_lot_say_why(
    lots, task, worker, other_worker, organiser
):
    services.reassign_task(task.id, other_worker.id, organiser)  # before pickup: all of it
    with pytest.raises(ProductionError) as err:
        services.decline_task(task.id, worker, idempotency_key="late-1")
    assert (err.value.status, err.value.code) == (409, "task_withdrawn")
    assert "已经不归你了" in err.value.message
    started = services.create_task(lots[1].id, worker.id, organiser)
    material.issue_material(started.id, organiser)
    report(started, worker, 5)
    services.reassign_task(started.id, other_worker.id, organiser)
    with pytest.raises(ProductionError) as err:
        services.mark_returned(started.id, worker, idempotency_key="late-2")
    assert (err.value.status, err.value.code) == (409, "task_withdrawn")
    assert db.session.get(Task, started.id).status == "cancelled"
    assert db.session.scalar(select(TaskRequestKey.id)) is None
    # the organiser noted the hand-in already: the worker's hand-in says so
    third = services.create_task(lots[2].id, worker.id, organiser)
    material.issue_material(third.id, organiser)
    report(third, worker, 5)
    services.mark_returned(third.id, organiser)
    with pytest.raises(ProductionError) as err:
        services.mark_returned(third.id, worker, idempotency_key="late-3")
    assert (err.value.status, err.value.code) == (409, "already_returned")
