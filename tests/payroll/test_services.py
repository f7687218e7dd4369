"""Pay periods, the close, adjustments, top-ups and rate changes against the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, func, select

from factory.accounts.models import User
from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.payroll import services
from factory.payroll.models import Adjustment, PayLine, PayPeriod, PaySlip
from factory.payroll.services import PayrollError
from tests.payroll.conftest import END, START

AFTER = date(2024, 7, 1)  # a day on which the June half-months can be closed


def close(period: Any, actor: Any, **kw: Any) -> services.CloseResult:
    kw.setdefault("today", AFTER)
    return services.close_period(period.id, actor, **kw)


def slip_of(period: Any, worker: Any) -> PaySlip:
    return db.session.scalar(
        select(PaySlip).where(PaySlip.period_id == period.id, PaySlip.worker_id == worker.id)
    )


# ------------------------------------------------------------------ periods


def test_a_period_is_opened_and_audited(station: Any, organiser: Any) -> None:
    period = services.create_period(station.id, START, END, organiser)
    assert (period.start, period.end, period.status) == (START, END, "open")
    assert db.session.scalar(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "pay_period", AuditEntry.object_id == period.id
        )
    ) == ("pay_period.create")


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (date(2024, 6, 10), date(2024, 6, 9), "end_before_start"),
        (date(2024, 6, 1), date(2024, 6, 30), "too_long"),
        (date(2024, 6, 10), date(2024, 6, 20), "overlap"),
        (date(2024, 5, 25), date(2024, 6, 1), "overlap"),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_stored(
    period: Any, station: Any, organiser: Any, start: date, end: date, code: str
) -> None:
    with pytest.raises(PayrollError) as refused:
        services.create_period(station.id, start, end, organiser)
    assert refused.value.code == code
    assert db.session.scalar(select(func.count(PayPeriod.id)).where(PayPeriod.station_id == station.id)) == 1


def test_the_overlap_message_names_the_existing_period(period: Any, station: Any, organiser: Any) -> None:
    with pytest.raises(PayrollError, match="2024-06-01 – 2024-06-15"):
        services.create_period(station.id, date(2024, 6, 15), date(2024, 6, 20), organiser)


def test_another_station_may_use_the_same_days(period: Any, make_station: Any, organiser: Any) -> None:
    other = make_station()
    assert services.create_period(other.id, START, END, organiser).station_id == other.id


def test_the_suggested_period_is_the_next_half_month(period: Any, station: Any) -> None:
    assert services.suggested_period(station.id) == services.domain.Period(
        date(2024, 6, 16), date(2024, 6, 30)
    )


# ------------------------------------------------------------------ closing


def test_close_pays_accepted_pieces_of_the_period_only(
    period: Any, order: Any, give: Any, work: Any, worker: Any, other_worker: Any, organiser: Any
) -> None:
    mine, theirs = give(order, worker), give(order, other_worker)
    work(mine, date(2024, 6, 3), 30, 2)
    work(mine, date(2024, 6, 15), 10)
    work(mine, date(2024, 6, 16), 99)  # the next period
    work(theirs, date(2024, 6, 1), 7)
    result = close(period, organiser)
    assert (result.slips, result.total_fen) == (2, 40 * 40 + 7 * 40)
    slip = slip_of(period, worker)
    assert (slip.accepted_pieces, slip.rejected_pieces, slip.total_fen) == (40, 2, 1600)
    [line] = slip.lines
    assert (line.order_id, line.rate_units, line.accepted_pieces, line.rejected_pieces) == (
        order.id,
        4000,
        40,
        2,
    )
    assert slip.worker_name == "王秀英"
    db.session.refresh(period)
    assert (period.status, period.closed_by_id, period.workers_paid, period.total_fen) == (
        "closed",
        organiser.id,
        2,
        1880,
    )


def test_another_stations_inspections_are_not_paid_here(
    period: Any, make_order: Any, make_station: Any, make_user: Any, give: Any, work: Any, organiser: Any
) -> None:
    elsewhere = make_station()
    stranger = make_user("worker", station=elsewhere)
    order = make_order(at=elsewhere)
    work(give(order, stranger, elsewhere), date(2024, 6, 3), 10, by=make_user("organiser", station=elsewhere))
    assert close(period, organiser).slips == 0


def test_closing_twice_is_refused_and_changes_nothing(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)
    close(period, organiser)
    work(give(order, worker), date(2024, 6, 16), 5)  # inspected after the close: not paid in this period
    with pytest.raises(PayrollError) as refused:
        close(period, organiser)
    assert refused.value.status == 409
    assert slip_of(period, worker).total_fen == 400
    assert db.session.scalar(select(func.count(PaySlip.id)).where(PaySlip.period_id == period.id)) == 1


def test_a_line_keeps_its_slips_worker_and_a_slip_its_periods_station(
    period: Any,
    order: Any,
    give: Any,
    work: Any,
    worker: Any,
    other_worker: Any,
    organiser: Any,
    make_station: Any,
) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    work(give(order, worker), date(2024, 6, 3), 10)
    close(period, organiser)
    slip = slip_of(period, worker)
    [line] = slip.lines
    row = {
        c: getattr(line, c) for c in ("order_id", "product", "rate_units", "accepted_pieces", "amount_fen")
    }
    elsewhere = make_station()
    wrong = [
        (PayLine, {**row, "slip_id": slip.id, "worker_id": other_worker.id}),
        (
            PaySlip,
            {
                "period_id": period.id,
                "worker_id": other_worker.id,
                "station_id": elsewhere.id,
                "worker_name": "x",
            },
        ),
    ]
    for model, values in wrong:
        nested = db.session.begin_nested()
        with pytest.raises(IntegrityError):
            db.session.execute(insert(model).values(**values))
        nested.rollback()


def test_a_period_cannot_close_before_it_ends(period: Any, organiser: Any) -> None:
    with pytest.raises(PayrollError) as refused:
        close(period, organiser, today=END)
    assert refused.value.code == "not_ended"
    assert db.session.get(PayPeriod, period.id).status == "open"


def test_uninspected_lots_are_listed_and_left_for_the_next_period(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any
) -> None:
    task = give(order, worker)
    work(task, date(2024, 6, 3), 10)
    work(task, date(2024, 6, 5), 6, inspect=False)
    with pytest.raises(PayrollError) as refused:
        close(period, organiser)
    assert refused.value.code == "uninspected_lots"
    assert refused.value.details["lots"][0]["reported"] == 16
    assert db.session.get(PayPeriod, period.id).status == "open"

    result = close(period, organiser, leave_uninspected=True)
    assert [w.waiting for w in result.left_uninspected] == [6]
    assert slip_of(period, worker).total_fen == 400
    # Inspected later: paid in the next period, the one in which it passed inspection.
    from factory.production import services as production

    production.record_inspection(task.id, organiser, 6, 0, "", date(2024, 6, 17), False)
    later = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    close(later, organiser)
    assert slip_of(later, worker).total_fen == 240


def test_the_period_totals_split_only_at_rate_changes_and_pay_as_the_single_inspections_would(
    period: Any,
    station: Any,
    order: Any,
    make_order: Any,
    give: Any,
    work: Any,
    worker: Any,
    other_worker: Any,
    make_user: Any,
) -> None:
    from factory.payroll import domain
    from factory.production.models import Inspection, Task

    coordinator = make_user("coordinator")
    services.change_rate(order, date(2024, 6, 5), 5000, "旺季加价", coordinator)
    services.change_rate(order, date(2024, 6, 11), 5550, "再次加价", coordinator)
    steady = make_order(rate=3550)
    for who in (worker, other_worker):
        task = give(order, who)
        for day, pieces in ((1, 3), (4, 5), (5, 7), (10, 1), (11, 9), (15, 2)):
            work(task, date(2024, 6, day), pieces, 1 if day == 4 else 0)
        steady_task = give(steady, who)
        work(steady_task, date(2024, 6, 2), 11)
        work(steady_task, date(2024, 6, 14), 13)
    work(give(order, worker), date(2024, 6, 16), 4)  # the next period: not counted

    rows = services.inspection_totals(station.id, START, END)
    single = [
        domain.Inspection(worker_id, order_id, day, accepted, rejected)
        for worker_id, order_id, day, accepted, rejected in db.session.execute(
            select(
                Task.worker_id,
                Task.order_id,
                Inspection.inspected_on,
                Inspection.accepted,
                Inspection.rejected,
            )
            .join(Task, Task.id == Inspection.task_id)
            .where(Task.station_id == station.id, Inspection.inspected_on <= END)
        )
    ]
    rates = services.rates_for_orders({order.id, steady.id})
    assert len(rows) == 2 * (3 + 1)  # per worker: three stretches of the changed order, one of the other
    assert domain.compute_period(rows, rates) == domain.compute_period(single, rates)
    lines = domain.compute_period(rows, rates)[worker.id].lines
    assert [(line.rate_units, line.accepted_pieces) for line in lines if line.order_id == order.id] == [
        (order.piece_rate_units, 8),
        (5000, 8),
        (5550, 11),
    ]
    only = services.inspection_totals(station.id, START, END, [other_worker.id])
    assert {r.worker_id for r in only} == {other_worker.id} and len(only) == 4


def test_an_inspection_dated_in_a_closed_period_is_refused_and_the_next_period_pays_it(
    period: Any, station: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    from factory.production import services as production
    from factory.production.models import Inspection, Task
    from factory.production.services import ProductionError

    task = give(order, worker)
    work(task, date(2024, 6, 3), 10)
    work(task, date(2024, 6, 5), 6, inspect=False)
    close(period, organiser, leave_uninspected=True)
    paid = slip_of(period, worker).total_fen
    with pytest.raises(ProductionError) as refused:
        production.record_inspection(task.id, organiser, 6, 0, "", END, False)
    assert refused.value.code == "pay_period_closed" and refused.value.status == 409
    assert "inspected_on" in refused.value.fields and END.isoformat() in refused.value.message
    assert db.session.scalar(select(func.count(Inspection.id)).where(Inspection.task_id == task.id)) == 1
    assert db.session.get(Task, task.id).accepted == 10
    # Dated after the closed period, the pieces are paid in the next one; the closed slip never changes.
    production.record_inspection(task.id, organiser, 6, 0, "", date(2024, 6, 16), False)
    later = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    close(later, organiser)
    assert slip_of(later, worker).lines[0].accepted_pieces == 6
    assert slip_of(period, worker).total_fen == paid


def test_an_inspection_in_an_open_period_or_on_a_day_without_a_period_is_recorded(
    period: Any, order: Any, give: Any, work: Any, worker: Any
) -> None:
    from factory.production.models import Task

    task = give(order, worker)
    work(task, END, 3)  # the last day of the open period
    work(task, date(2024, 7, 2), 2)  # no period covers the day yet
    assert db.session.get(Task, task.id).accepted == 5


def test_a_rate_change_splits_the_pieces_by_inspection_day(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any, make_user: Any
) -> None:
    services.change_rate(order, date(2024, 6, 10), 5000, "旺季加价", make_user("coordinator"))
    task = give(order, worker)
    work(task, date(2024, 6, 9), 10)
    work(task, date(2024, 6, 10), 10)
    work(task, date(2024, 6, 12), 1)
    close(period, organiser)
    lines = sorted(
        (line.rate_units, line.accepted_pieces, line.amount_fen) for line in slip_of(period, worker).lines
    )
    assert lines == [(4000, 10, 400), (5000, 11, 550)]


def inspect(task: Any, on: date, accepted: int, rejected: int = 0, *, rework: bool = False) -> None:
    """An inspection of pieces already reported (a re-inspection of reworked pieces reports nothing new)."""
    from factory.production import services as production

    organiser = db.session.scalar(
        select(User).where(User.station_id == task.station_id, User.role == "organiser")
    )
    production.record_inspection(task.id, organiser, accepted, rejected, "毛边", on, rework)


def test_pieces_rejected_for_rework_are_on_no_slip_only_those_rejected_for_good(
    period: Any, station: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any, make_user: Any
) -> None:
    """Lot of 1,000 at ¥0.40, ¥0.50 from 11 June. First half of June: 59 reported; 10 accepted and 4 sent
    back for rework on the 5th; 30 accepted and 10 sent back on the 12th; 3 accepted and 2 rejected for good
    on the 13th. The worker hands the 14 reworked pieces in; on the 18th 12 pass and 2 are rejected for good."""
    from factory.production import services as production

    services.change_rate(order, date(2024, 6, 11), 5000, "旺季加价", make_user("coordinator"))
    task = give(order, worker)
    work(task, date(2024, 6, 4), 59, inspect=False)
    inspect(task, date(2024, 6, 5), 10, 4, rework=True)
    inspect(task, date(2024, 6, 12), 30, 10, rework=True)
    inspect(task, date(2024, 6, 13), 3, 2)

    # While the first half is open: the period table, the worker's page and the rules all say 2.
    lines = services.compute(period).slips[worker.id].lines
    assert [(line.rate_units, line.accepted_pieces, line.rejected_pieces) for line in lines] == [
        (4000, 10, 0),
        (5000, 33, 2),
    ]
    assert services.worker_earnings(worker, today=date(2024, 6, 14)).slip.lines == lines

    close(period, organiser, leave_uninspected=True)  # the 14 reworked pieces are still with the worker
    first = slip_of(period, worker)
    assert (first.accepted_pieces, first.rejected_pieces, first.rework_pieces) == (43, 2, 14)
    assert sorted((line.rate_units, line.rejected_pieces) for line in first.lines) == [(4000, 0), (5000, 2)]
    assert first.lines_fen == 10 * 40 + 33 * 50

    later = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    production.mark_returned(task.id, worker)
    inspect(task, date(2024, 6, 18), 12, 2)
    earnings = services.worker_earnings(worker, today=date(2024, 6, 20))
    [line] = earnings.slip.lines
    assert (line.accepted_pieces, line.rejected_pieces, line.amount_fen) == (12, 2, 600)
    close(later, organiser)
    second = slip_of(later, worker)
    assert (second.accepted_pieces, second.rejected_pieces, second.rework_pieces) == (12, 2, 0)
    # 59 made: 55 paid over the two slips, 4 rejected for good; each piece is counted once.
    assert (
        first.accepted_pieces + second.accepted_pieces + first.rejected_pieces + second.rejected_pieces == 59
    )


def test_a_rework_rejection_comes_off_the_stretch_of_days_that_summed_it(
    station: Any,
    order: Any,
    make_order: Any,
    give: Any,
    work: Any,
    worker: Any,
    other_worker: Any,
    make_user: Any,
) -> None:
    """Rates change inside the period, so the sums are cut into stretches of days (on SQLite per order, on
    PostgreSQL at every change of every order): each rework rejection comes off its own row."""
    from factory.payroll import domain

    coordinator = make_user("coordinator")
    services.change_rate(order, date(2024, 6, 6), 5000, "加价", coordinator)
    other = make_order(rate=3000)
    services.change_rate(other, date(2024, 6, 11), 3500, "加价", coordinator)
    steady = make_order(rate=2000)
    for who in (worker, other_worker):
        task, second, plain = give(order, who), give(other, who), give(steady, who)
        for t in (task, second, plain):
            work(t, date(2024, 6, 2), 40, inspect=False)
        inspect(task, date(2024, 6, 3), 5, 3, rework=True)  # the order's first stretch
        inspect(task, date(2024, 6, 4), 5, 1)
        inspect(task, date(2024, 6, 8), 5, 2, rework=True)  # its second stretch: nothing rejected for good
        inspect(second, date(2024, 6, 8), 6, 4, rework=True)  # on PostgreSQL cut at 6 June, on SQLite not
        inspect(second, date(2024, 6, 12), 6, 1)
        inspect(second, date(2024, 6, 13), 0, 5, rework=True)
        inspect(plain, date(2024, 6, 8), 5, 2, rework=True)  # an order whose rate stays
        inspect(plain, date(2024, 6, 12), 5, 1)
    rates = services.rates_for_orders({order.id, other.id, steady.id})
    for who in ([worker.id], None):
        slips = domain.compute_period(services.inspection_totals(station.id, START, END, who), rates)
        lines = {(line.order_id, line.rate_units): line for line in slips[worker.id].lines}
        assert {key: (line.accepted_pieces, line.rejected_pieces) for key, line in lines.items()} == {
            (order.id, 4000): (10, 1),
            (order.id, 5000): (5, 0),
            (other.id, 3000): (6, 0),
            (other.id, 3500): (6, 1),
            (steady.id, 2000): (10, 1),
        }
        assert set(slips) == ({worker.id} if who else {worker.id, other_worker.id})
    # Per day for the orders asked for, over the span (as on its first day) for the others.
    assert sorted(services.rework_rejections(station.id, START, END, by_day=[order.id, other.id])) == sorted(
        (w.id, o.id, day, n)
        for w in (worker, other_worker)
        for o, day, n in (
            (order, date(2024, 6, 3), 3),
            (order, date(2024, 6, 8), 2),
            (other, date(2024, 6, 8), 4),
            (other, date(2024, 6, 13), 5),
            (steady, START, 2),
        )
    )
    assert sorted(services.rework_rejections(station.id, START, END, [worker.id])) == [
        (worker.id, order.id, START, 5),
        (worker.id, other.id, START, 9),
        (worker.id, steady.id, START, 2),
    ]


def test_a_rate_cannot_change_inside_a_paid_period(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)
    close(period, organiser)
    with pytest.raises(PayrollError) as refused:
        services.change_rate(order, date(2024, 6, 15), 5000, "补涨", organiser)
    assert refused.value.code == "paid_already"
    assert services.change_rate(order, date(2024, 6, 16), 5000, "补涨", organiser).rate_units == 5000


def test_rounding_is_cumulative_over_periods(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any
) -> None:
    order = make_order(rate=3550)  # ¥0.355
    task = give(order, worker)
    work(task, date(2024, 6, 3), 1)
    work(task, date(2024, 6, 20), 1)
    close(period, organiser)
    later = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    close(later, organiser)
    first, second = slip_of(period, worker), slip_of(later, worker)
    assert (first.total_fen, second.total_fen) == (36, 35)  # 71 fen for two pieces, as if paid at once
    assert second.lines[0].prior_pieces == 1


def test_the_close_makes_no_query_per_worker(
    period: Any, order: Any, give: Any, work: Any, make_user: Any, station: Any, organiser: Any
) -> None:
    def queries_to_close(workers: int, p: Any) -> int:
        for _ in range(workers):
            work(give(order, make_user("worker", station=station)), p.start, 3)
        count = {"n": 0}

        def counter(*_args: Any) -> None:
            count["n"] += 1

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            close(p, organiser)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count["n"]

    small = queries_to_close(1, period)
    later = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    large = queries_to_close(3, later)
    assert large == small


# ------------------------------------------------------------------ minimum wage


def test_a_shortfall_is_found_and_topped_up_in_one_step(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    order = make_order(rate=3000)  # ¥0.30 a minute's piece: ¥18 an hour against ¥22
    work(give(order, worker), date(2024, 6, 3), 120)  # 2 hours: ¥36.00 paid, ¥44.00 required
    preview = services.compute(period)
    [short] = preview.shortfalls
    check = short.minimum_wage_check
    assert (check.hours, check.required_fen, check.earnings_fen, check.shortfall_fen) == (2, 4400, 3600, 800)
    [made] = services.top_up_shortfalls(period.id, organiser)
    assert (made.kind, made.amount_fen, made.made_by_id) == ("minimum_wage_top_up", 800, organiser.id)
    assert "2.00" in made.reason
    assert services.compute(period).shortfalls == []
    assert services.top_up_shortfalls(period.id, organiser) == []  # not twice
    close(period, organiser)
    slip = slip_of(period, worker)
    assert (slip.lines_fen, slip.adjustments_fen, slip.total_fen, slip.shortfall_fen) == (
        3600,
        800,
        4400,
        800,
    )
    assert slip.shortfall_left_fen == 0
    assert [a.kind for a in slip.adjustments] == ["minimum_wage_top_up"]


def test_closing_with_top_up_adds_the_top_ups(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(make_order(rate=3000), worker), date(2024, 6, 3), 60)
    result = close(period, organiser, top_up=True)
    assert (result.top_ups_made_at_close, result.top_ups_total, result.top_ups_fen) == (1, 1, 400)
    slip = slip_of(period, worker)
    assert (slip.total_fen, slip.adjustments[0].amount_fen, slip.adjustments[0].made_by_id) == (
        2200,
        400,
        organiser.id,
    )


def test_the_close_counts_the_top_ups_made_before_it_and_at_it(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, other_worker: Any, organiser: Any
) -> None:
    order = make_order(rate=3000)  # ¥0.30 a minute's piece: ¥18 an hour against ¥22
    work(give(order, worker), date(2024, 6, 3), 60)  # 1 hour: ¥4.00 short
    [before] = services.top_up_shortfalls(period.id, organiser)  # the one-click top-up on the page
    work(give(order, other_worker), date(2024, 6, 4), 120)  # 2 hours, inspected later: ¥8.00 short
    result = close(period, organiser, top_up=True)
    assert (result.top_ups_made_at_close, result.top_ups_total, result.top_ups_fen) == (1, 2, 1200)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "pay_period.close", AuditEntry.object_id == period.id)
    )
    assert entry.after["top_ups_made_at_close"] == 1
    assert entry.after["top_ups_total"] == 2
    assert entry.after["top_ups_fen"] == 1200
    assert "topped_up" not in entry.after  # the old name counted only the top-ups made at closing
    assert slip_of(period, worker).adjustments[0].id == before.id


def test_a_close_after_the_one_click_top_up_says_the_slip_carries_it(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(make_order(rate=3000), worker), date(2024, 6, 3), 60)
    services.top_up_shortfalls(period.id, organiser)
    result = close(period, organiser, top_up=True)
    assert (result.top_ups_made_at_close, result.top_ups_total, result.top_ups_fen) == (0, 1, 400)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pay_period.close"))
    assert (entry.after["top_ups_made_at_close"], entry.after["top_ups_total"]) == (0, 1)


def test_reported_minutes_decide_the_hours_where_given(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    # ¥0.40 a piece, 1 standard minute; the worker says 60 pieces took 2 hours: ¥12 an hour.
    work(give(order, worker), date(2024, 6, 3), 60, minutes=120)
    [short] = services.compute(period).shortfalls
    check = short.minimum_wage_check
    assert (check.hours_source, check.hours, check.required_fen, check.shortfall_fen) == (
        "reported",
        2,
        4400,
        2000,
    )


def test_a_closed_slip_below_the_minimum_is_topped_up_in_the_open_period(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any
) -> None:
    work(give(make_order(rate=3000), worker), date(2024, 6, 3), 60)
    close(period, organiser)
    slip = slip_of(period, worker)
    assert services.shortfall_left(slip) == 400
    nxt = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    row = services.top_up_closed_slip(slip, organiser)
    assert (row.period_id, row.corrects_slip_id, row.amount_fen) == (nxt.id, slip.id, 400)
    assert services.shortfall_left(slip) == 0
    assert slip_of(period, worker).total_fen == 1800  # the closed slip itself never changes
    with pytest.raises(PayrollError):
        services.top_up_closed_slip(slip, organiser)
    # She falls short in the new period too: the top-up paid now for June's first half does not cover it.
    work(give(make_order(rate=3000), worker), date(2024, 6, 17), 60)
    assert [s.worker_id for s in services.compute(nxt).shortfalls] == [worker.id]
    close(nxt, organiser, top_up=True)
    later = slip_of(nxt, worker)
    assert sorted((a.amount_fen, a.corrects_slip_id or 0) for a in later.adjustments) == [
        (400, 0),
        (400, slip.id),
    ]
    assert (later.total_fen, later.topped_up_fen, later.shortfall_left_fen) == (2600, 400, 0)


# ------------------------------------------------------------------ adjustments


def test_adjustments_are_paid_with_their_reason_and_author(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 50)  # ¥20.00
    services.add_adjustment(period.id, worker.id, "bonus", 500, "加急订单奖励", organiser)
    services.add_adjustment(period.id, worker.id, "deduction", 300, "遗失物料 3 个", organiser)
    close(period, organiser)
    slip = slip_of(period, worker)
    assert [(a.kind, a.amount_fen, a.reason, a.made_by_id) for a in slip.adjustments] == [
        ("bonus", 500, "加急订单奖励", organiser.id),
        ("deduction", -300, "遗失物料 3 个", organiser.id),
    ]
    assert slip.total_fen == 2000 + 500 - 300


@pytest.mark.parametrize(
    ("kind", "amount", "reason", "field"),
    [
        ("bonus", 500, "  ", "reason"),
        ("bonus", 0, "x", "amount"),
        ("bonus", -5, "x", "amount"),
        ("gift", 5, "x", "kind"),
    ],
)
def test_bad_adjustments_are_refused(
    period: Any, worker: Any, organiser: Any, kind: str, amount: int, reason: str, field: str
) -> None:
    with pytest.raises(PayrollError) as refused:
        services.add_adjustment(period.id, worker.id, kind, amount, reason, organiser)
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Adjustment.id))) == 0


def test_a_deduction_larger_than_the_slip_is_refused(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)  # ¥4.00
    with pytest.raises(PayrollError) as refused:
        services.add_adjustment(period.id, worker.id, "deduction", 401, "遗失物料", organiser)
    assert refused.value.code == "deduction_too_large"
    assert (
        services.add_adjustment(period.id, worker.id, "deduction", 400, "遗失物料", organiser).amount_fen
        == -400
    )


def test_a_closed_period_takes_no_adjustment(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)
    close(period, organiser)
    with pytest.raises(PayrollError) as refused:
        services.add_adjustment(period.id, worker.id, "bonus", 100, "迟到的奖励", organiser)
    assert refused.value.status == 409


def test_a_correction_points_at_the_closed_line_it_corrects(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)
    close(period, organiser)
    line = db.session.scalar(select(PayLine).where(PayLine.worker_id == worker.id))
    nxt = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    row = services.add_adjustment(
        nxt.id, worker.id, "correction", 80, "6 月 3 日少计 2 件", organiser, corrects_line_id=line.id
    )
    assert (row.corrects_line_id, row.corrects_slip_id) == (line.id, line.slip_id)
    close(nxt, organiser)
    assert slip_of(nxt, worker).total_fen == 80
    assert [a.id for a in services.corrections_of([line.slip_id])[line.slip_id]] == [row.id]


def test_a_worker_of_another_station_gets_no_adjustment(
    period: Any, make_user: Any, make_station: Any, organiser: Any
) -> None:
    stranger = make_user("worker", station=make_station())
    with pytest.raises(PayrollError):
        services.add_adjustment(period.id, stranger.id, "bonus", 100, "x", organiser)


def test_removing_a_bonus_that_covers_a_deduction_is_refused(
    period: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)  # ¥4.00
    bonus = services.add_adjustment(period.id, worker.id, "bonus", 500, "奖励", organiser)
    services.add_adjustment(period.id, worker.id, "deduction", 800, "遗失物料", organiser)
    with pytest.raises(PayrollError):
        services.remove_adjustment(bonus, organiser)


# ------------------------------------------------------------------ the worker's earnings


def test_earnings_show_this_period_waiting_pieces_and_past_slips(
    order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any
) -> None:
    june = services.create_period(station.id, START, END, organiser)
    task = give(order, worker)
    work(task, date(2024, 6, 3), 10)
    close(june, organiser)
    services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    work(task, date(2024, 6, 18), 5)
    work(task, date(2024, 6, 19), 3, inspect=False)
    earnings = services.worker_earnings(worker, today=date(2024, 6, 20))
    assert (earnings.start, earnings.slip.total_fen) == (date(2024, 6, 16), 200)
    assert earnings.waiting == [(order.product, 3, 120)]
    assert [s.period_id for s in earnings.past] == [june.id]
    assert earnings.months == [("2024-06", 400)]
    assert earnings.unsettled == []


def test_earnings_show_an_earlier_period_not_yet_settled(
    order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any, make_client: Any
) -> None:
    first = services.create_period(station.id, START, END, organiser)
    services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    task = give(order, worker)
    work(task, date(2024, 6, 4), 33)  # 33 x ¥0.40, in the first half, which nobody has closed
    work(task, date(2024, 6, 18), 5)
    earnings = services.worker_earnings(worker, today=date(2024, 6, 20))
    assert earnings.slip.total_fen == 200
    [(period, slip)] = earnings.unsettled
    assert period.id == first.id and slip.total_fen == 1320
    assert earnings.products[order.id] == order.product
    page = (
        make_client(worker).get("/today/pay").get_data(as_text=True)
    )  # today: both halves wait to be settled
    assert page.count("未结算") == 2 and "¥13.20" in page and "¥2.00" in page


@pytest.mark.parametrize("workers", ["station", "one"])
def test_the_rework_rejections_are_read_from_their_partial_index(
    station: Any, order: Any, give: Any, work: Any, worker: Any, workers: str
) -> None:
    """The partial index's condition is the one SQLAlchemy renders for `Inspection.rework` (else neither
    database could use it), and the rework rejections are read from it."""
    work(give(order, worker), date(2024, 6, 3), 5, 2, rework=True)
    statements: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", grab)
    try:
        rows = services.rework_rejections(
            station.id, START, END, None if workers == "station" else [worker.id], by_day=[order.id]
        )
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    assert rows == [(worker.id, order.id, date(2024, 6, 3), 2)]
    [(statement, parameters)] = statements
    raw = db.session.connection().connection.driver_connection
    if engine.dialect.name == "postgresql":
        # On a handful of rows PostgreSQL picks any index, or none: whether it *can* use the partial one
        # shows once the others are out of the way (dropped inside a savepoint, put back at once).
        cursor = raw.cursor()
        cursor.execute("SAVEPOINT plan")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'production_inspection' "
            "AND indexname LIKE 'ix_%' AND indexname <> 'ix_production_inspection_rework'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("ROLLBACK TO SAVEPOINT plan")
    else:
        plan = "\n".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_production_inspection_rework" in plan, plan
    if engine.dialect.name == "sqlite":  # read from the index alone
        assert "COVERING INDEX ix_production_inspection_rework" in plan, plan


def test_the_reports_count_rework_rejections_before_and_after_the_close(
    period: Any, station: Any, order: Any, give: Any, work: Any, worker: Any, organiser: Any
) -> None:
    """The reports' quality is first-pass (every rejection counts, rework included): the same figure from
    the inspections of an open period as from the closed slips."""
    from factory.reports import services as reports
    from factory.reports.domain import month_span

    task = give(order, worker)
    work(task, date(2024, 6, 3), 30, 10, rework=True)
    work(task, date(2024, 6, 4), 5, 1)

    def figures() -> tuple[int, int]:
        f = reports.city(reports.Scope(month_span(2024, 6), station_id=station.id))
        return f.accepted, f.rejected

    assert figures() == (35, 11)
    close(period, organiser, leave_uninspected=True)
    assert (slip_of(period, worker).rejected_pieces, slip_of(period, worker).rework_pieces) == (1, 10)
    assert figures() == (35, 11)


def test_pieces_made_on_a_lot_given_to_someone_else_still_wait_for_inspection_and_pay(
    period: Any, order: Any, give: Any, work: Any, worker: Any, other_worker: Any, organiser: Any
) -> None:
    from factory.production import services as production

    task = give(order, worker)
    work(task, date(2024, 6, 3), 4)
    work(task, date(2024, 6, 5), 6, inspect=False)  # 6 made, not yet inspected
    production.reassign_task(task.id, other_worker.id, organiser)  # the rest of the lot goes to her
    assert task.status == "cancelled"
    earnings = services.worker_earnings(worker, today=date(2024, 6, 10))
    assert earnings.waiting == [(order.product, 6, 240)]  # still hers, still to be paid
    with pytest.raises(PayrollError) as refused:
        close(period, organiser)  # the close still waits for them
    assert refused.value.code == "uninspected_lots"
    assert [(lot["task_id"], lot["reported"], lot["inspected"]) for lot in refused.value.details["lots"]] == [
        (task.id, 10, 4)
    ]
