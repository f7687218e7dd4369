"""Order services against the database: create, check, post, take on, progress, cancel."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.extensions import db
from factory.orders import services
from factory.orders.models import Lot, Order
from factory.orders.services import OrderServiceError, ProductionCount
from factory.reference.models import MinimumWage

from .conftest import audit_actions, future, order_input


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id))) or 0


def test_lots_follow_from_quantity_and_lot_size_with_the_remainder_last(make_order: Any) -> None:
    order = make_order(post=False, quantity=250, lot_size=100)
    assert [(lot.index, lot.pieces) for lot in order.lots] == [(1, 100), (2, 100), (3, 50)]
    assert order.status == "draft"
    assert audit_actions("work_order", order.id) == ["order.create"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -5}, "quantity"),
        ({"quantity": 10_000_001}, "quantity"),
        ({"lot_size": 0}, "lot_size"),
        ({"lot_size": 300}, "lot_size"),
        ({"piece_rate_units": 0}, "piece_rate"),
        ({"standard_minutes": Decimal("0")}, "standard_minutes"),
        ({"due_date": date.today() - timedelta(days=2)}, "due_date"),
        ({"product": "遥" * 101}, "product"),
        ({"product": "  "}, "product"),
        ({"skill_code": "juggling"}, "skill"),
        ({"open_to_all": False, "station_ids": [999999]}, "stations"),
        ({"quantity": 10_000_000, "lot_size": 1}, "lot_size"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_stored(
    coordinator: Any, overrides: dict[str, Any], field: str
) -> None:
    before = count_orders()
    with pytest.raises(OrderServiceError) as caught:
        services.create_order(coordinator.enterprise_id, order_input(**overrides), coordinator)
    assert field in caught.value.fields, caught.value.fields
    assert all(caught.value.fields[field])
    assert count_orders() == before


def test_domain_messages_are_translated_with_their_figures(app: Any) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("zh_CN"):
        text = services.translate_domain_message("A lot cannot hold more pieces than the order (250).")
    assert "250" in text
    assert text != "A lot cannot hold more pieces than the order (250)."


def test_posting_below_the_minimum_wage_needs_a_reason(
    make_order: Any, coordinator: Any, station: Any
) -> None:
    # ¥0.30 a piece at 1 minute = ¥18 an hour, below tier 1's ¥22.
    order = make_order(post=False, piece_rate_units=3000)
    with pytest.raises(OrderServiceError) as caught:
        services.post_order(order, coordinator)
    assert caught.value.code == "below_minimum_wage"
    assert "18.00" in caught.value.message
    assert "22.00" in caught.value.message
    assert "below_minimum_reason" in caught.value.fields
    assert order.status == "draft"

    services.post_order(order, coordinator, reason="试产批次，按件另补贴")
    assert order.status == "posted"
    assert order.below_minimum_reason == "试产批次，按件另补贴"
    assert order.wage_check["below"] is True
    assert "order.post" in audit_actions("work_order", order.id)


def test_an_order_that_pays_enough_keeps_no_reason(make_order: Any) -> None:
    order = make_order(reason="not needed")
    assert order.status == "posted"
    assert order.below_minimum_reason is None
    assert order.wage_check["pay_per_hour_fen"] == "2400.00"


def test_the_minimum_in_force_on_the_due_date_counts(make_order: Any, coordinator: Any, station: Any) -> None:
    raise_from = services.local_today() + timedelta(days=10)
    db.session.add(
        MinimumWage(tier=1, hourly_fen=2500, monthly_fen=250000, effective_from=raise_from, source="test")
    )
    db.session.flush()
    early = make_order(due_date=raise_from - timedelta(days=1))  # ¥24 ≥ ¥22: fine
    assert early.status == "posted"
    late = make_order(post=False, due_date=raise_from + timedelta(days=1))
    with pytest.raises(OrderServiceError) as caught:
        services.post_order(late, coordinator)
    assert "25.00" in caught.value.message


def test_only_the_districts_of_the_chosen_stations_count(
    make_order: Any, make_station: Any, coordinator: Any
) -> None:
    pingdu = make_station(district="平度市")  # tier 2: ¥20 an hour
    laoshan = make_station(district="崂山区")  # tier 1: ¥22 an hour
    # ¥0.35 at 1 minute = ¥21 an hour: enough in tier 2, not in tier 1.
    ok = make_order(piece_rate_units=3500, open_to_all=False, station_ids=[pingdu.id])
    assert ok.status == "posted"
    with pytest.raises(OrderServiceError):
        make_order(piece_rate_units=3500, open_to_all=False, station_ids=[pingdu.id, laoshan.id])


def test_a_station_takes_whole_lots_up_to_what_is_left(
    make_order: Any, organiser: Any, make_user: Any
) -> None:
    order = make_order(quantity=250, lot_size=100)
    with pytest.raises(OrderServiceError) as caught:
        services.accept_order(order, organiser.station_id, 150, organiser)
    assert caught.value.code == "whole_lots"
    assert "100" in caught.value.message
    assert "200" in caught.value.message
    with pytest.raises(OrderServiceError):
        services.accept_order(order, organiser.station_id, 251, organiser)
    with pytest.raises(OrderServiceError):
        services.accept_order(order, organiser.station_id, 0, organiser)

    first = services.accept_order(order, organiser.station_id, 200, organiser)
    assert first.quantity == 200
    assert order.status == "accepted"
    other = make_user("organiser")
    services.accept_order(order, other.station_id, 50, other)  # the last lot holds the remainder
    lots = db.session.scalars(select(Lot).where(Lot.order_id == order.id).order_by(Lot.index)).all()
    assert [lot.station_id for lot in lots] == [organiser.station_id, organiser.station_id, other.station_id]
    with pytest.raises(OrderServiceError) as caught:
        services.accept_order(order, other.station_id, 50, other)
    assert caught.value.code == "nothing_left"
    progress = services.order_progress([order.id])[order.id]
    assert progress.accepted_by_stations == 250
    assert (
        services.order_progress([order.id], station_id=other.station_id)[order.id].accepted_by_stations == 50
    )


def test_an_order_for_chosen_stations_is_not_offered_to_others(
    make_order: Any, organiser: Any, make_user: Any, make_station: Any
) -> None:
    order = make_order(open_to_all=False, station_ids=[organiser.station_id])
    stranger = make_user("organiser")
    assert order in services.offered_orders(organiser.station_id)
    assert order not in services.offered_orders(stranger.station_id)
    assert not services.can_see(order, stranger)
    with pytest.raises(OrderServiceError) as caught:
        services.accept_order(order, stranger.station_id, 100, stranger)
    assert caught.value.status == 403


def test_a_draft_is_offered_to_no_station(make_order: Any, organiser: Any) -> None:
    order = make_order(post=False)
    assert order not in services.offered_orders(organiser.station_id)
    with pytest.raises(OrderServiceError):
        services.accept_order(order, organiser.station_id, 100, organiser)


def test_cancel_is_refused_once_work_is_in_production(
    make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    order = make_order()
    services.accept_order(order, organiser.station_id, 100, organiser)
    production.append(ProductionCount(order.id, organiser.station_id, services.local_today(), assigned=100))
    with pytest.raises(OrderServiceError) as caught:
        services.cancel_order(order, coordinator)
    assert caught.value.status == 409
    assert order.status == "accepted"
    assert services.edit_mode(order) == "none"


def test_cancel_and_the_transitions_it_closes(make_order: Any, coordinator: Any) -> None:
    order = make_order()
    services.cancel_order(order, coordinator)
    assert order.status == "cancelled"
    assert audit_actions("work_order", order.id)[-1] == "order.cancel"
    for step in (services.cancel_order, services.close_order, services.withdraw_order):
        with pytest.raises(OrderServiceError):
            step(order, coordinator)
    with pytest.raises(OrderServiceError):
        services.post_order(order, coordinator)


def test_withdraw_to_draft_only_before_any_station_took_it(
    make_order: Any, coordinator: Any, organiser: Any
) -> None:
    order = make_order()
    services.withdraw_order(order, coordinator)
    assert order.status == "draft"
    services.post_order(order, coordinator)
    services.accept_order(order, organiser.station_id, 100, organiser)
    with pytest.raises(OrderServiceError):
        services.withdraw_order(order, coordinator)


def test_edit_everything_in_draft_and_only_texts_after_a_station_took_it(
    make_order: Any, coordinator: Any, organiser: Any
) -> None:
    order = make_order(post=False)
    services.update_order(order, order_input(quantity=300, lot_size=150, product="冰箱贴"), coordinator)
    assert [lot.pieces for lot in order.lots] == [150, 150]
    assert audit_actions("work_order", order.id)[-1] == "order.update"
    services.post_order(order, coordinator)
    services.accept_order(order, organiser.station_id, 150, organiser)
    assert services.edit_mode(order) == "text"
    services.update_order(
        order, order_input(quantity=999, lot_size=1, note="新的说明", product="冰箱贴"), coordinator
    )
    assert order.quantity == 300
    assert order.lot_size == 150
    assert order.note == "新的说明"


def test_posted_edits_are_checked_against_the_minimum_wage_again(make_order: Any, coordinator: Any) -> None:
    order = make_order()
    with pytest.raises(OrderServiceError) as caught:
        services.update_order(order, order_input(piece_rate_units=1000), coordinator)
    assert caught.value.code == "below_minimum_wage"


def test_progress_adds_up_the_sources_by_day_and_station(
    make_order: Any, organiser: Any, make_user: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=400, lot_size=100)
    other = make_user("organiser")
    services.accept_order(order, organiser.station_id, 200, organiser)
    services.accept_order(order, other.station_id, 100, other)
    today = services.local_today()
    yesterday = today - timedelta(days=1)
    production.extend(
        [
            ProductionCount(
                order.id, organiser.station_id, yesterday, assigned=200, reported=80, accepted=70, rejected=5
            ),
            ProductionCount(order.id, organiser.station_id, today, reported=50, accepted=40),
            ProductionCount(order.id, other.station_id, today, assigned=100, reported=30, accepted=30),
        ]
    )
    progress = services.order_progress([order.id])[order.id]
    assert (progress.quantity, progress.accepted_by_stations, progress.assigned) == (400, 300, 300)
    assert (progress.reported, progress.accepted, progress.rejected) == (160, 140, 5)
    assert [(d, c.accepted) for d, c in progress.series()] == [(yesterday, 70), (today, 70)]
    mine = services.order_progress([order.id], station_id=organiser.station_id)[order.id]
    assert (mine.accepted_by_stations, mine.reported, mine.accepted) == (200, 130, 110)
    assert services.pieces_in_production(order.id) == 300


def test_estimate_of_completion_follows_the_recent_pace_and_says_what_it_is_based_on() -> None:
    today = date(2026, 12, 10)
    progress = services.Progress(quantity=1000, accepted=300)
    nothing = services.estimate_completion(progress, today=today, due=today + timedelta(days=30))
    assert (nothing.kind, nothing.day, nothing.late, nothing.remaining) == ("no_pace", None, False, 700)
    assert nothing.needed_per_day == 23  # 700 pieces over the 31 days up to and including the due day
    progress.by_day[today - timedelta(days=7)] = services.DayCounts(accepted=500)  # outside the 7 days
    progress.by_day[today - timedelta(days=1)] = services.DayCounts(accepted=140)
    progress.by_day[today] = services.DayCounts(accepted=70)
    # 210 pieces in 7 days = 30 a day; 700 left -> 24 days (rounded up).
    on_time = services.estimate_completion(progress, today=today, due=today + timedelta(days=30))
    assert (on_time.kind, on_time.day, on_time.recent, on_time.per_day) == (
        "date",
        today + timedelta(days=24),
        210,
        30,
    )
    assert not on_time.late
    late = services.estimate_completion(progress, today=today, due=today + timedelta(days=23))
    assert (late.kind, late.day, late.late, late.needed_per_day) == (
        "date",
        today + timedelta(days=24),
        True,
        30,
    )
    done = services.estimate_completion(services.Progress(quantity=10, accepted=10), today=today)
    assert (done.kind, done.remaining) == ("done", 0)


def test_too_little_recent_work_gives_no_far_away_date_but_still_says_it_is_late() -> None:
    """The user test's order: 3808 of 6000 left, 39 passed in a week, due in three weeks: no date in 2028."""
    today = date(2026, 11, 27)
    due = date(2026, 12, 18)
    progress = services.Progress(quantity=6000, accepted=2192)
    progress.by_day[today - timedelta(days=2)] = services.DayCounts(accepted=39)
    estimate = services.estimate_completion(progress, today=today, due=due)
    assert (estimate.kind, estimate.day, estimate.late) == ("too_slow", None, True)
    assert (estimate.recent, estimate.per_day, estimate.remaining) == (39, 6, 3808)
    assert estimate.needed_per_day == 174  # 3808 over the 22 days to 12-18
    # The same slow pace on an order due in a year is not late: no warning, and still no date.
    relaxed = services.estimate_completion(progress, today=today, due=today + timedelta(days=800))
    assert (relaxed.kind, relaxed.late) == ("too_slow", False)
    # Less than a piece a day on a huge order: no date, and no overflow past the year 9999.
    huge = services.Progress(quantity=10_000_000, accepted=0)
    huge.by_day[today] = services.DayCounts(accepted=1)
    assert services.estimate_completion(huge, today=today, due=due).kind == "too_slow"
    assert services.estimate_completion(huge, today=today, due=due).per_day == 0


def test_a_date_is_given_up_to_the_horizon_and_not_beyond() -> None:
    today = date(2026, 11, 27)
    horizon = services.ESTIMATE_HORIZON_DAYS
    at_edge = services.Progress(quantity=horizon, accepted=0)  # 7 a week, 1 a day: exactly `horizon` days
    at_edge.by_day[today] = services.DayCounts(accepted=7)
    assert services.estimate_completion(at_edge, today=today).day == today + timedelta(days=horizon)
    beyond = services.Progress(quantity=horizon + 1, accepted=0)
    beyond.by_day[today] = services.DayCounts(accepted=7)
    assert services.estimate_completion(beyond, today=today).kind == "too_slow"


def test_a_station_estimate_counts_its_own_share_and_an_overdue_order_is_late() -> None:
    today = date(2026, 11, 27)
    share = services.Progress(quantity=6000, accepted_by_stations=3000, accepted=2800)
    share.by_day[today] = services.DayCounts(accepted=70)  # 10 a day: 200 left -> 20 days
    estimate = services.estimate_completion(share, goal=3000, today=today)
    assert (estimate.remaining, estimate.day) == (200, today + timedelta(days=20))
    overdue = services.estimate_completion(
        services.Progress(quantity=100, accepted=50), today=today, due=today - timedelta(days=1)
    )
    assert (overdue.kind, overdue.late, overdue.needed_per_day) == ("no_pace", True, None)


def test_materials_are_read_one_a_line() -> None:
    materials, problem = services.parse_materials_text("外壳, 1, 套\n螺丝，2，颗; 说明书, 0.5")
    assert problem is None
    assert [(x.item, x.quantity_per_piece, x.unit) for x in materials] == [
        ("外壳", Decimal("1"), "套"),
        ("螺丝", Decimal("2"), "颗"),
        ("说明书", Decimal("0.5"), ""),
    ]
    _, problem = services.parse_materials_text("只有名字")
    assert problem


def test_due_date_in_the_past_cannot_be_posted(make_order: Any, coordinator: Any) -> None:
    order = make_order(post=False)
    order.due_date = services.local_today() - timedelta(days=1)
    with pytest.raises(OrderServiceError) as caught:
        services.post_order(order, coordinator)
    assert "due_date" in caught.value.fields


def test_future_helper_is_in_the_future() -> None:
    assert future() > services.local_today()


def test_missing_pieces_are_ordered_again_once_and_a_cancelled_follow_up_gives_them_back(
    make_order: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    from factory.audit.models import AuditEntry
    from factory.orders import deliveries as dl

    from .conftest import passed_in_lots

    order = make_order(quantity=200, lot_size=100)
    # Nothing missing yet: an order "for the missing pieces" is refused, a repeat is not.
    with pytest.raises(OrderServiceError) as refused:
        services.reorder(order, order_input(quantity=10, lot_size=10), coordinator, missing=True)
    assert (refused.value.code, refused.value.status) == ("already_reordered", 409)
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100, 2: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=200)
    dl.confirm_receipt(delivery, coordinator, received=188, note="12 件丢失")
    repeat = services.reorder(order, order_input(quantity=200), coordinator, missing=False)
    assert services.missing_not_reordered(order) == 12  # a repeat of the whole order is not for them
    first = services.reorder(order, order_input(quantity=8, lot_size=8), coordinator, missing=True)
    assert (first.follows_order_id, first.for_missing_pieces) == (order.id, True)
    assert (services.missing_reordered(order), services.missing_not_reordered(order)) == (8, 4)
    second = services.reorder(order, order_input(quantity=4, lot_size=4), coordinator, missing=True)
    assert services.missing_not_reordered(order) == 0
    with pytest.raises(OrderServiceError):
        services.reorder(order, order_input(quantity=4, lot_size=4), coordinator, missing=True)
    # Editing a follow-up's quantity moves the count with it; cancelling it gives its pieces back.
    services.update_order(second, order_input(quantity=3, lot_size=3), coordinator)
    assert services.missing_not_reordered(order) == 1
    services.cancel_order(first, coordinator)
    assert services.missing_not_reordered(order) == 9
    assert [o.id for o in services.follow_ups([order.id], coordinator)[order.id]] == [
        repeat.id,
        first.id,
        second.id,
    ]
    created = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.object_type == "work_order",
            AuditEntry.object_id == first.id,
            AuditEntry.action == "order.create",
        )
    )
    assert created.after["order_id"] == order.id and created.after["missing"] == 12
