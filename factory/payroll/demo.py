"""Demo pay for the first demo station: three closed half-months with slips, the last half-month still open
with a minimum-wage shortfall to top up, and pieces in the current half-month (some waiting for inspection).

Pieces go through production's services (publish, report, inspect) so that everything adds up as on a
real floor. Idempotent: a station that already has pay periods is left alone.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from factory.accounts.models import Role, Station, User
from factory.demo.history import at_local, dated
from factory.extensions import db
from factory.orders.models import Lot, Order
from factory.orders.services import local_today
from factory.payroll import domain, services
from factory.production import material as production_material
from factory.production import services as production
from factory.production.models import Task
from factory.types import utcnow

DEMO_RUN_ID = 900_001
WORKERS = 8
# Accepted pieces per worker in each past half-month (oldest first), rejected pieces beside them.
PIECES = [(36, 2), (40, 1), (30, 0), (33, 3)]
BANKS = ["中国农业银行青岛市北支行", "青岛农商银行辽源路支行", "中国建设银行青岛延安路支行"]


def seed_pay(station_name: str, order_reference: str = "HY-DEMO-001", today: date | None = None) -> None:
    station = db.session.scalar(select(Station).where(Station.name == station_name))
    order = db.session.scalar(select(Order).where(Order.reference == order_reference))
    if station is None or order is None:
        return
    if db.session.scalar(
        select(services.PayPeriod.id).where(services.PayPeriod.station_id == station.id).limit(1)
    ):
        return
    organiser = db.session.scalar(
        select(User).where(User.station_id == station.id, User.role == Role.ORGANISER)
    )
    workers = list(
        db.session.scalars(
            select(User)
            .where(User.station_id == station.id, User.role == Role.WORKER)
            .order_by(User.id)
            .limit(WORKERS)
        )
    )
    lots = list(
        db.session.scalars(
            select(Lot)
            .where(Lot.order_id == order.id, Lot.station_id == station.id)
            .where(~Lot.id.in_(select(Task.lot_id).where(Task.status.not_in(("cancelled", "declined")))))
            .order_by(Lot.index)
            .limit(len(workers))
        )
    )
    if organiser is None or len(lots) < len(workers):
        return
    today = today or local_today()
    current = domain.half_month_of(today)
    halves = [current]
    for _ in range(len(PIECES)):
        halves.insert(0, domain.half_month_of(halves[0].start - timedelta(days=1)))
    past, last = halves[:-2], halves[-2]  # closed, then the ended half-month left open

    began = at_local(halves[0].start, 8)
    with dated(began):
        production.publish_plan(
            None,
            DEMO_RUN_ID,
            [
                production.PublishedAssignment(
                    lot.id, w.id, station.id, [(halves[0].start, Decimal(lot.pieces))]
                )
                for lot, w in zip(lots, workers, strict=False)
            ],
            organiser,
        )
    tasks = {
        t.worker_id: t
        for t in db.session.scalars(
            select(Task).where(Task.plan_run_id == DEMO_RUN_ID, Task.station_id == station.id)
        )
    }
    with dated(began):
        for task in tasks.values():
            production_material.issue_material(task.id, organiser)  # the kits went out with the plan

    def work(
        worker: User,
        day: date,
        accepted: int,
        rejected: int,
        minutes: int | None = None,
        inspect: bool = True,
    ) -> None:
        task = tasks[worker.id]
        # Reported on the day the pieces were made, before or on the day they are inspected; the audit
        # log says so too (unless the day is today, which is now).
        reported = at_local(day, 10) if day < today else utcnow()
        with dated(reported):
            report, _created = production.record_report(
                task.id, worker, accepted + rejected, uuid.uuid4().hex, uuid.uuid4().hex, minutes=minutes
            )
            report.reported_on = day
            report.created_at = reported
        if not inspect:
            return
        with dated(at_local(day, 17) if day < today else utcnow()):
            production.record_inspection(
                task.id,
                organiser,
                accepted,
                rejected,
                "边缘毛刺" if rejected else "",
                day,
                False,
                reason_code=None,
            )

    for h, (span, (accepted, rejected)) in enumerate(zip([*past, last], PIECES, strict=True)):
        for n, worker in enumerate(workers):
            day = span.start + timedelta(days=(n * 3 + h) % span.days)
            if span is last and n == 1:
                # A slow half-month: 20 pieces in 90 minutes (¥8.00 for 1.5 hours) falls short of the minimum.
                work(worker, day, 20, 0, minutes=90)
            else:
                work(worker, day, accepted - n, rejected if n % 3 == 0 else 0)
    for n, worker in enumerate(workers[:3]):
        if current.start <= today:
            work(worker, today, 12 + n, 0)
    work(workers[0], today, 15, 0, inspect=False)  # handed in, waiting for inspection

    for span in past:
        settled = at_local(span.end + timedelta(days=1), 15)  # settled the day after the half-month
        with dated(settled):
            period = services.create_period(station.id, span.start, span.end, organiser)
            period.created_at = settled
            if span is past[1]:
                services.add_adjustment(period.id, workers[2].id, "bonus", 500, "加急订单奖励", organiser)
            services.close_period(period.id, organiser, top_up=True, leave_uninspected=True, today=today)
            period.closed_at = settled
    for span in (last, current):
        opened = at_local(span.start, 8)
        with dated(opened):
            services.create_period(station.id, span.start, span.end, organiser).created_at = opened
    with dated(began):
        for n, worker in enumerate(workers):
            if n % 4 != 3:  # a few have not given their bank details yet
                services.set_payee_account(
                    worker, BANKS[n % len(BANKS)], f"6228480{n:02d}{worker.id:03d}{8730 + n:04d}5", organiser
                )
    db.session.flush()
