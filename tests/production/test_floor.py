"""Task life, material, reject reasons, quality, and the day board."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from factory.extensions import db
from factory.orders.services import local_today
from factory.production import floor, material, services
from factory.production.models import MaterialMovement, Notice, Task
from factory.production.services import ProductionError, PublishedAssignment
from tests.production.conftest import report

TODAY = local_today()


def test_decline_before_pickup_tells_the_organiser(task, worker, organiser):
    services.decline_task(task.id, worker, "孩子生病，这周做不了")
    assert task.status == "declined" and task.declined_reason == "孩子生病，这周做不了"
    notice = db.session.scalar(select(Notice).where(Notice.user_id == organiser.id))
    assert notice.kind == "task_declined" and notice.params["worker"] == worker.name
    board = floor.day_board(task.station_id)
    assert [t.id for t in board.declined] == [task.id]


def test_no_decline_after_pickup(task, worker, organiser):
    material.issue_material(task.id, organiser)
    with pytest.raises(ProductionError) as err:
        services.decline_task(task.id, worker)
    assert err.value.status == 409
    assert db.session.get(Task, task.id).status == "picked_up"


def test_reassign_keeps_made_pieces_on_the_maker(task, worker, other_worker, organiser):
    material.issue_material(task.id, organiser)
    report(task, worker, 30)
    new = services.reassign_task(task.id, other_worker.id, organiser)
    db.session.refresh(task)
    assert (task.status, task.pieces, task.reported) == ("cancelled", 30, 30)
    assert (new.worker_id, new.pieces, new.status, new.reassigned_from_id) == (
        other_worker.id,
        70,
        "assigned",
        task.id,
    )
    # the maker's pieces are still inspected and paid to the maker
    inspection = services.record_inspection(task.id, organiser, 30, 0, "", TODAY, False)
    assert inspection.task.worker_id == worker.id
    from factory.orders import services as orders

    progress = orders.order_progress([task.order_id])[task.order_id]
    assert progress.assigned == 100 and progress.accepted == 30


def test_reassign_a_task_nobody_started_moves_the_whole_lot(task, worker, other_worker, organiser):
    new = services.reassign_task(task.id, other_worker.id, organiser)
    db.session.refresh(task)
    assert (task.status, task.reported) == ("cancelled", 0)
    assert (new.worker_id, new.pieces, new.status) == (other_worker.id, 100, "assigned")
    from factory.orders import services as orders

    progress = orders.order_progress([task.order_id])[task.order_id]
    assert progress.assigned == 100  # the lot counts once, on its new worker


def test_material_handout_return_loss_and_ledger(task, worker, organiser, station):
    rows = material.issue_material(task.id, organiser)  # the whole kit: 100 shells, 200 key pads
    assert sorted((r.material.item, r.quantity) for r in rows) == [
        ("外壳", Decimal(100)),
        ("按键胶垫", Decimal(200)),
    ]
    assert db.session.get(Task, task.id).status == "picked_up"
    shell, pads = sorted(task.order.materials, key=lambda m: m.position)
    report(task, worker, 90)
    services.record_inspection(task.id, organiser, 88, 2, "外壳裂", TODAY, False)
    material.return_material(task.id, organiser, {shell.id: "8", pads.id: "15"})
    material.record_loss(task.id, organiser, {pads.id: "3"}, "胶垫掉地上弄脏了")
    held = {h.item: h.held for h in material.worker_holdings(worker.id)}
    assert held == {"外壳": Decimal(4), "按键胶垫": Decimal(6)}  # 100-8-88, 200-15-3-176
    # In hand as material: not in any of the 90 pieces made (the 2 scrapped pieces used theirs too).
    in_hand = {h.item: h.in_hand for h in material.worker_holdings(worker.id)}
    assert in_hand == {"外壳": Decimal(2), "按键胶垫": Decimal(2)}  # 100-8-90, 200-15-3-180
    ledger = {line.item: line for line in material.station_ledger(station.id)}
    pads_line = ledger["按键胶垫"]
    assert (pads_line.issued, pads_line.used, pads_line.returned, pads_line.lost) == (200, 176, 15, 3)
    assert (
        pads_line.difference == pads_line.issued - pads_line.used - pads_line.returned - pads_line.lost == 6
    )
    # The difference, explained: 4 pads in the 2 scrapped pieces, none waiting, 2 not in any piece.
    assert (pads_line.scrapped, pads_line.waiting, pads_line.unused) == (4, 0, 2)


def test_cannot_return_more_than_held_or_unknown_items(task, organiser):
    material.issue_material(task.id, organiser)
    shell = task.order.materials[0]
    with pytest.raises(ProductionError):
        material.return_material(task.id, organiser, {shell.id: "101"})
    with pytest.raises(ProductionError):
        material.return_material(task.id, organiser, {999999: "1"})
    with pytest.raises(ProductionError):
        material.record_loss(task.id, organiser, {shell.id: "1"}, "")
    with pytest.raises(ProductionError):
        material.return_material(task.id, organiser, {shell.id: "-2"})
    kinds = db.session.scalars(select(MaterialMovement.kind).where(MaterialMovement.task_id == task.id)).all()
    assert sorted(kinds) == ["issue", "issue"]


def test_reasons_default_list_and_own_reasons(station, organiser):
    labels = [r.label for r in floor.reject_reasons(station.id)]
    assert "尺寸不符" in labels
    added = floor.add_reject_reason(station.id, "线头没剪", organiser)
    assert added.code == f"r{added.id}" and "线头没剪" in [r.label for r in floor.reject_reasons(station.id)]
    with pytest.raises(ProductionError):
        floor.add_reject_reason(station.id, "线头没剪", organiser)


def test_inspection_with_reason_from_list(task, worker, organiser):
    report(task, worker, 10)
    code = floor.reject_reasons(task.station_id)[0].code
    inspection = services.record_inspection(
        task.id, organiser, 8, 2, "左上角", TODAY, False, reason_code=code
    )
    assert inspection.reason == "尺寸不符：左上角" and inspection.reason_code == "size"
    with pytest.raises(ProductionError):
        services.record_inspection(task.id, organiser, 0, 0, "", TODAY, False, reason_code="nope")


def test_quality_rate_per_worker(task, worker, organiser):
    report(task, worker, 20)
    services.record_inspection(task.id, organiser, 15, 5, "脏污", TODAY, True)
    services.record_inspection(task.id, organiser, 5, 0, "", TODAY, False)
    (q,) = floor.quality_by_worker(task.station_id)
    assert (q.worker_id, q.accepted, q.rejected, q.rate) == (worker.id, 20, 5, Decimal("80.0"))


def test_day_board(lots, worker, other_worker, organiser, station):
    yesterday, tomorrow = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    services.publish_plan(
        station.id,
        1,
        [
            PublishedAssignment(
                lots[0].id, worker.id, station.id, [(yesterday, Decimal(50)), (TODAY, Decimal(50))]
            ),
            PublishedAssignment(lots[1].id, other_worker.id, station.id, [(tomorrow, Decimal(100))]),
        ],
        organiser,
    )
    behind_task = services.worker_tasks(worker.id, TODAY, TODAY)[0]
    assert [t.id for t in floor.day_board(station.id).not_picked_up] == [behind_task.id]
    report(behind_task, worker, 20)
    board = floor.day_board(station.id)
    assert [(t.id, short) for t, short in board.behind] == [(behind_task.id, Decimal(30))]
    assert board.due_today == [] and board.due_week == []  # the order is due in 20 days
    assert [t.id for t in board.finishing] == [behind_task.id, board.to_prepare[0][0].id]
    assert board.not_picked_up == []  # a report means the material is with the worker
    assert [t.id for t in board.no_handout] == [behind_task.id]  # ... though no hand-out was written down
    material.issue_material(behind_task.id, organiser)
    assert floor.day_board(station.id).no_handout == []
    (prep_task, kit) = board.to_prepare[0]
    assert prep_task.worker_id == other_worker.id
    assert [(m.item, q) for m, q in kit] == [("外壳", Decimal(100)), ("按键胶垫", Decimal(200))]


def test_hand_out_is_limited_to_what_the_lot_needs_plus_a_tenth(task, worker, organiser):
    shell, pads = sorted(
        task.order.materials, key=lambda m: m.position
    )  # 1 shell, 2 pads a piece; 100 pieces
    with pytest.raises(ProductionError) as err:
        material.issue_material(task.id, organiser, {shell.id: "5000"})
    assert err.value.status == 422 and f"material_{shell.id}" in err.value.fields
    assert "最多还能发 110" in err.value.message
    assert db.session.scalar(select(db.func.count(MaterialMovement.id))) == 0
    material.issue_material(task.id, organiser, {shell.id: "100", pads.id: "220"})  # pads: the spare tenth
    with pytest.raises(ProductionError) as err:
        material.issue_material(task.id, organiser, {shell.id: "11"})  # 100 held + 11 > 110
    assert "最多还能发 10" in err.value.message
    material.issue_material(task.id, organiser, {shell.id: "10"})
    with pytest.raises(ProductionError):
        material.issue_material(task.id, organiser, {pads.id: "0.5"})
    # accepted pieces used their material: the need shrinks with them, and what is held with it
    report(task, worker, 50)
    services.record_inspection(task.id, organiser, 50, 0, "", TODAY, False)
    held = {h.material_id: h.held for h in material.worker_holdings(worker.id)}
    assert held == {shell.id: Decimal(60), pads.id: Decimal(120)}
    with pytest.raises(ProductionError):
        material.issue_material(task.id, organiser, {shell.id: "1"})  # 60 held, 50 needed + 5 spare
    with pytest.raises(ProductionError) as err:  # nothing more is needed: the default hand-out refuses
        material.issue_material(task.id, organiser)
    assert err.value.fields == {"material": [err.value.message]}
    assert material.still_needed(db.session.get(Task, task.id)) == {shell.id: 0, pads.id: 0}


def test_returns_and_losses_beyond_what_is_held_are_refused(task, organiser):
    shell = task.order.materials[0]
    material.issue_material(task.id, organiser, {shell.id: "40"})
    for move in (
        lambda: material.return_material(task.id, organiser, {shell.id: "41"}),
        lambda: material.record_loss(task.id, organiser, {shell.id: "40.001"}, "丢了"),
    ):
        with pytest.raises(ProductionError) as err:
            move()
        assert "只有 40" in err.value.message
    material.return_material(task.id, organiser, {shell.id: "30"})
    with pytest.raises(ProductionError):
        material.record_loss(task.id, organiser, {shell.id: "11"}, "丢了")
    assert [h.held for h in material.worker_holdings(task.worker_id)] == [Decimal(10)]


@pytest.mark.parametrize(
    ("pieces", "whole"),
    [
        (["33.33", "33.33", "33.34"], [33, 33, 34]),
        (["33.35", "33.35", "33.30"], [34, 33, 33]),  # the left-over piece goes to the earlier tie
        (["24.99", "75.01"], [25, 75]),
        (["0.5", "0.5", "0.5", "0.5"], [1, 1, 0, 0]),
        (["12.5"], [13]),  # a single figure: half up
        (["40", "60"], [40, 60]),
        ([], []),
    ],
)
def test_whole_days_add_up_to_the_plan(pieces, whole):
    start = TODAY
    # given last day first on purpose
    days = [services.DayPlan(start + timedelta(days=i), Decimal(p)) for i, p in enumerate(pieces)][::-1]
    shown = floor.whole_days(days)
    assert list(shown) == [start + timedelta(days=i) for i in range(len(pieces))]
    assert list(shown.values()) == whole
    assert sum(shown.values()) == int(sum((Decimal(p) for p in pieces), Decimal(0)) + Decimal("0.5"))


def test_due_this_week_reads_the_orders_due_date(make_lots, make_station, worker, organiser, station):
    soon = make_lots(station, lots=1)[0]  # due in 20 days: moved to 5 days below
    today_lot = make_lots(station, lots=1)[0]
    late = make_lots(station, lots=1)[0]
    far = make_lots(station, lots=1)[0]  # due in 20 days, planned to finish in 3
    soon.order.due_date = TODAY + timedelta(days=5)
    today_lot.order.due_date = TODAY
    late.order.due_date = TODAY - timedelta(days=2)
    edge = make_lots(station, lots=1)[0]
    edge.order.due_date = TODAY + timedelta(days=8)
    services.publish_plan(
        station.id,
        1,
        [
            PublishedAssignment(lot.id, worker.id, station.id, [(TODAY + timedelta(days=3), Decimal(100))])
            for lot in (soon, today_lot, late, far, edge)
        ],
        organiser,
    )
    by_lot = {t.lot_id: t.id for t in services.worker_tasks(worker.id, TODAY, TODAY + timedelta(days=7))}
    board = floor.day_board(station.id)
    assert [t.id for t in board.due_week] == [by_lot[soon.id]]
    assert [t.id for t in board.due_today] == [by_lot[today_lot.id]]
    assert [t.id for t in board.overdue] == [by_lot[late.id]]
    assert sorted(t.id for t in board.finishing) == sorted(by_lot.values())


def test_reassign_before_anything_is_made_ends_the_old_task(task, worker, other_worker, organiser):
    new = services.reassign_task(task.id, other_worker.id, organiser)
    db.session.refresh(task)
    assert (task.status, task.reported) == ("cancelled", 0)
    assert (new.worker_id, new.pieces, new.status) == (other_worker.id, 100, "assigned")
    from factory.orders import services as orders

    assert orders.order_progress([task.order_id])[task.order_id].assigned == 100  # counted once
