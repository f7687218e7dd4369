"""The floor's figures: reject reasons, quality per worker, and the station's day board."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from factory.accounts.models import Role, User
from factory.audit.services import record
from factory.extensions import db
from factory.orders.models import Order, OrderMaterial
from factory.orders.services import local_today
from factory.production.material import kit
from factory.production.models import DEAD, Inspection, MaterialMovement, RejectReason, Task, TaskStatus
from factory.production.services import ProductionError, field_error, station_tasks
from factory.types import utcnow

# ------------------------------------------------------------------ reject reasons and quality


DEFAULT_REASONS = [
    ("size", "尺寸不符"),
    ("finish", "做工粗糙"),
    ("dirty", "脏污破损"),
    ("missing", "缺件漏装"),
    ("function", "功能不良"),
]


def reject_reasons(station_id: int) -> list[RejectReason]:
    """The station's list of reasons (a station that has none gets the default list)."""
    reasons = list(
        db.session.scalars(
            select(RejectReason)
            .where(RejectReason.station_id == station_id, RejectReason.active.is_(True))
            .order_by(RejectReason.position, RejectReason.id)
        )
    )
    if reasons:
        return reasons
    exists = db.session.scalar(select(RejectReason.id).where(RejectReason.station_id == station_id).limit(1))
    if exists is not None:
        return []
    for i, (code, label) in enumerate(DEFAULT_REASONS):
        db.session.add(RejectReason(station_id=station_id, code=code, label=label, position=i))
    db.session.flush()
    return reject_reasons(station_id)


def add_reject_reason(station_id: int, label: str, actor: User) -> RejectReason:
    label = (label or "").strip()
    if not label:
        raise field_error("label", _("Enter the reason."))
    if len(label) > 100:
        raise field_error("label", _("At most %(limit)s characters.", limit=100))
    existing = reject_reasons(station_id)
    if any(r.label == label for r in existing):
        raise field_error("label", _("This reason is on the list already."))
    reason = RejectReason(station_id=station_id, code="", label=label, position=len(existing))
    db.session.add(reason)
    db.session.flush()
    reason.code = f"r{reason.id}"
    record(actor, "reject_reason.add", reason, after={"label": label})
    db.session.flush()
    return reason


def remove_reject_reason(reason_id: int, actor: User) -> None:
    reason = db.session.get(RejectReason, reason_id)
    if reason is None or not (actor.role == Role.ADMIN or actor.station_id == reason.station_id):
        raise ProductionError("not_found", _("There is no such reason."), status=404)
    reason.active = False
    record(actor, "reject_reason.remove", reason, before={"label": reason.label})
    db.session.flush()


@dataclass
class Quality:
    worker_id: int
    name: str
    accepted: int
    rejected: int

    @property
    def inspected(self) -> int:
        return self.accepted + self.rejected

    @property
    def rate(self) -> Decimal | None:
        """Accepted share of inspected pieces, in percent to one place (None before any inspection)."""
        if not self.inspected:
            return None
        return (Decimal(100 * self.accepted) / self.inspected).quantize(Decimal("0.1"), ROUND_HALF_UP)


def quality_by_worker(station_id: int, since: date | None = None) -> list[Quality]:
    """Each worker's accepted and rejected pieces (rework rejections included) at the station."""
    stmt = (
        select(User.id, User.name, func.sum(Inspection.accepted), func.sum(Inspection.rejected))
        .join(Task, Task.id == Inspection.task_id)
        .join(User, User.id == Task.worker_id)
        .where(Task.station_id == station_id)
        .group_by(User.id, User.name)
        .order_by(User.name)
    )
    if since is not None:
        stmt = stmt.where(Inspection.inspected_on >= since)
    return [Quality(i, n, int(a or 0), int(r or 0)) for i, n, a, r in db.session.execute(stmt)]


# ------------------------------------------------------------------ the station's day board


class PlannedDay(Protocol):
    day: date
    pieces: Decimal


def whole_days(days: Iterable[PlannedDay]) -> dict[date, int]:
    """A task's plan per day in whole pieces, for people to read (the stored plan stays exact).

    The days add up to the plan's total rounded half up (a plan of a whole lot adds up to the lot): each day
    gets its pieces rounded down, and the pieces left over go one each to the days with the largest fractions,
    the earlier day first on a tie (largest remainder).
    """
    days = sorted(days, key=lambda d: d.day)
    exact = [Decimal(d.pieces) for d in days]
    total = sum(exact, Decimal(0)).quantize(Decimal(1), ROUND_HALF_UP)
    whole = [int(p.to_integral_value(ROUND_FLOOR)) for p in exact]
    left = int(total) - sum(whole)
    for i in sorted(range(len(days)), key=lambda i: (whole[i] - exact[i], i))[: max(0, left)]:
        whole[i] += 1
    return {d.day: n for d, n in zip(days, whole, strict=True)}


def planned_until(task: Task, day: date) -> int:
    """Whole pieces planned for the task up to and including `day`."""
    return sum(n for d, n in whole_days(task.days).items() if d <= day)


def planned_on(task: Any, day: date) -> int:
    """Whole pieces planned for the task on `day`."""
    return whole_days(task.days).get(day, 0)


@dataclass
class Board:
    today: date
    overdue: list[Task]  # open lots of orders whose due date has passed
    due_today: list[Task]  # open lots of orders due today
    due_week: list[Task]  # open lots of orders due in the next 7 days (after today)
    finishing: list[Task]  # open lots whose planned last day is within the next 7 days (today included)
    behind: list[tuple[Task, int]]  # task and the whole pieces it is behind its plan up to yesterday
    declined: list[Task]
    not_picked_up: list[Task]
    to_prepare: list[tuple[Task, list[tuple[OrderMaterial, Decimal]]]]  # tomorrow's pickups and their kits
    to_inspect: list[Task]
    # Lots being made (or made) whose order has a material list, with no hand-out recorded: the worker got
    # the kit without it being written down. Reports are not refused for it (the worker has the material
    # in hand and would lose the report); the organiser records the hand-out so the ledger balances.
    no_handout: list[Task] = field(default_factory=list)


def day_board(station_id: int, today: date | None = None) -> Board:
    """What the organiser needs this morning: due work, lots behind plan, declines, kits to prepare."""
    today = today or local_today()
    tomorrow = today + timedelta(days=1)
    week_end = today + timedelta(days=6)
    tasks = station_tasks(station_id, today - timedelta(days=14), week_end)
    orders_by_id = {t.order_id: t.order for t in tasks}
    if orders_by_id:  # the kits below read each order's material list: load them in one query
        db.session.scalars(
            select(Order).where(Order.id.in_(list(orders_by_id))).options(selectinload(Order.materials))
        ).all()
    open_ = [t for t in tasks if t.status not in DEAD and t.status != TaskStatus.DONE.value]
    declined_since = utcnow() - timedelta(days=7)
    declined = [t for t in tasks if t.status == TaskStatus.DECLINED.value and t.updated_at >= declined_since]
    behind = []
    for t in open_:
        short = planned_until(t, today - timedelta(days=1)) - t.reported
        if short > 0 and t.reported < t.pieces:
            behind.append((t, short))

    def by_due(t: Task) -> tuple[date, int]:
        return (t.order.due_date, t.id)

    overdue = sorted((t for t in open_ if t.order.due_date < today), key=by_due)
    due_today = [t for t in open_ if t.order.due_date == today]
    due_week = sorted((t for t in open_ if today < t.order.due_date <= today + timedelta(days=7)), key=by_due)
    finishing = sorted(
        (t for t in open_ if t.days and today <= t.days[-1].day <= week_end),
        key=lambda t: (t.days[-1].day, t.id),
    )
    not_picked = [
        t for t in open_ if t.status == TaskStatus.ASSIGNED.value and t.days and t.days[0].day <= today
    ]
    to_prepare = [
        (t, kit(t))
        for t in open_
        if t.status == TaskStatus.ASSIGNED.value and t.days and t.days[0].day == tomorrow
    ]
    working = [
        t
        for t in tasks
        if t.status in (TaskStatus.IN_PROGRESS.value, TaskStatus.RETURNED.value, TaskStatus.INSPECTED.value)
        and t.order.materials
    ]
    issued = (
        set(
            db.session.scalars(
                select(MaterialMovement.task_id)
                .where(
                    MaterialMovement.task_id.in_([t.id for t in working]), MaterialMovement.kind == "issue"
                )
                .distinct()
            )
        )
        if working
        else set()
    )
    to_inspect = [
        t
        for t in tasks
        if t.ready_for_inspection > 0
        and t.status
        in (
            TaskStatus.RETURNED.value,
            TaskStatus.IN_PROGRESS.value,
            TaskStatus.INSPECTED.value,
            TaskStatus.CANCELLED.value,
        )
    ]
    return Board(
        today,
        overdue,
        due_today,
        due_week,
        finishing,
        sorted(behind, key=lambda x: -x[1]),
        declined,
        not_picked,
        to_prepare,
        to_inspect,
        [t for t in working if t.id not in issued],
    )
