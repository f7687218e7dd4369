"""A worker's work and pay as the worker's page shows them: tasks, recent reports, pay slips, the open period.

Read only. The rows belong to production (tasks, reports) and payroll (periods, slips); this module only
picks one worker's rows so that the organiser can go from the worker to the pages that already show them
(the task page lists a task's reports; the slip page shows a slip). `station_id` limits everything to one
station: an organiser sees what the worker did at their station, never another station's work; the
administrator passes None and sees it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from factory.extensions import db

TASKS_SHOWN = 8
REPORTS_SHOWN = 5
SLIPS_SHOWN = 6


@dataclass
class WorkOverview:
    tasks: list[Any] = field(default_factory=list)  # production Task rows, unfinished first, newest first
    task_count: int = 0
    reports: list[Any] = field(default_factory=list)  # production Report rows, latest day first (task loaded)
    report_count: int = 0
    slips: list[Any] = field(default_factory=list)  # payroll PaySlip rows, newest period first
    slip_count: int = 0
    open_period: Any = None  # the station's open PayPeriod, where this period's pay is worked out

    @property
    def empty(self) -> bool:
        return not (self.task_count or self.report_count or self.slip_count)


def work_overview(worker_id: int, station_id: int | None, home_station_id: int | None = None) -> WorkOverview:
    """The worker's latest tasks, reports and pay slips (at `station_id` only, unless None), and the open pay
    period of `station_id` (or, for the administrator, of the worker's `home_station_id`)."""
    from factory.payroll.models import PayPeriod, PaySlip
    from factory.production.models import DEAD, Report, Task, TaskStatus

    finished = DEAD + (TaskStatus.DONE.value,)
    tasks = select(Task).where(Task.worker_id == worker_id)
    if station_id is not None:
        tasks = tasks.where(Task.station_id == station_id)
    out = WorkOverview()
    out.task_count = db.session.scalar(select(func.count()).select_from(tasks.subquery())) or 0
    out.tasks = list(
        db.session.scalars(
            tasks.options(selectinload(Task.lot), selectinload(Task.order))
            .order_by(case((Task.status.in_(finished), 1), else_=0), Task.id.desc())
            .limit(TASKS_SHOWN)
        )
    )
    reports = select(Report).join(Task, Report.task_id == Task.id).where(Report.worker_id == worker_id)
    if station_id is not None:
        reports = reports.where(Task.station_id == station_id)
    out.report_count = db.session.scalar(select(func.count()).select_from(reports.subquery())) or 0
    out.reports = list(
        db.session.scalars(
            reports.options(
                selectinload(Report.task).selectinload(Task.lot),
                selectinload(Report.task).selectinload(Task.order),
            )
            .order_by(Report.reported_on.desc(), Report.id.desc())
            .limit(REPORTS_SHOWN)
        )
    )
    slips = select(PaySlip).where(PaySlip.worker_id == worker_id)
    if station_id is not None:
        slips = slips.where(PaySlip.station_id == station_id)
    out.slip_count = db.session.scalar(select(func.count()).select_from(slips.subquery())) or 0
    out.slips = list(
        db.session.scalars(
            slips.join(PayPeriod, PayPeriod.id == PaySlip.period_id)
            .order_by(PayPeriod.start.desc(), PaySlip.id.desc())
            .limit(SLIPS_SHOWN)
        )
    )
    period_station = station_id if station_id is not None else home_station_id
    if period_station is not None:
        out.open_period = db.session.scalars(
            select(PayPeriod)
            .where(PayPeriod.station_id == period_station, PayPeriod.status == "open")
            .order_by(PayPeriod.start.desc())
            .limit(1)
        ).first()
    return out
