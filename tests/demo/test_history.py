"""The demo's past reads like a real floor's: residents registered before their first work, and the audit
log dated on the business days it describes (not all at the moment the seed ran)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from factory.accounts.models import Role, User
from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.orders.services import local_today
from factory.production.models import Inspection, Report, Task, TaskDay
from factory.reports import services as reports
from factory.reports.domain import month_span
from factory.types import LOCAL_TZ, local_day_start
from factory.workers.models import WorkerProfile


def _seeded() -> None:
    from factory.demo.seed import seed

    seed()
    db.session.flush()


def test_demo_residents_registered_before_their_first_work(app: Any) -> None:
    _seeded()
    first_day = dict(
        db.session.execute(
            select(Task.worker_id, func.min(TaskDay.day))
            .join(TaskDay, TaskDay.task_id == Task.id)
            .group_by(Task.worker_id)
        ).all()
    )
    assert len(first_day) >= 20  # the demo has a history to be before
    earliest = min(first_day.values())
    assert earliest < local_today() - timedelta(days=30)
    workers = db.session.scalars(select(User).where(User.role == Role.WORKER)).all()
    assert len(workers) == 60
    for user in workers:
        profile = db.session.get(WorkerProfile, user.id)
        assert user.created_at < local_day_start(earliest), (user.mobile, user.created_at)
        assert profile.created_at == user.created_at
    staff = db.session.scalars(select(User).where(User.role != Role.WORKER)).all()
    assert max(u.created_at for u in staff) < min(u.created_at for u in workers)
    # and the audit log says so: each account's "user.create" at its registration
    created = dict(
        db.session.execute(
            select(AuditEntry.object_id, AuditEntry.at).where(AuditEntry.action == "user.create")
        ).all()
    )
    assert all(created[u.id] == u.created_at for u in workers + staff)


def test_the_demo_audit_log_follows_the_business_days(app: Any) -> None:
    _seeded()
    inspected = {
        i.id: i.inspected_on for i in db.session.scalars(select(Inspection)) if i.inspected_on < local_today()
    }
    assert len(inspected) >= 30
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "inspection.create", AuditEntry.object_id.in_(inspected)
        )
    ).all()
    assert len(entries) == len(inspected)
    for e in entries:
        assert e.at.astimezone(LOCAL_TZ).date() == inspected[e.object_id], e.object_id
    reports = {r.id: r.created_at for r in db.session.scalars(select(Report))}
    for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.create")):
        assert e.at == reports[e.object_id]
    # the history spreads over months, not over the second the seed ran
    days = Counter(e.at.astimezone(LOCAL_TZ).date() for e in db.session.scalars(select(AuditEntry)))
    assert len(days) >= 30
    assert max(days.values()) < len(days) * 10


def test_past_months_of_the_demo_count_residents_with_hours_but_no_work(app: Any) -> None:
    _seeded()
    today = local_today()
    first_of_month = today.replace(day=1)
    prev_end = first_of_month - timedelta(days=1)
    prev = month_span(prev_end.year, prev_end.month)
    figures = reports.city(reports.Scope(prev))
    # 辽源路's pay history has 8 earners a month; the other residents (60 in all, some with hours) had none
    assert figures.earners >= 1
    assert figures.offered_without_work >= 20, figures.offered_without_work


def test_the_demo_seed_twice_changes_nothing(app: Any) -> None:
    _seeded()
    counts = (
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        db.session.scalar(select(func.max(User.created_at))),
    )
    _seeded()
    assert counts == (
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        db.session.scalar(select(func.max(User.created_at))),
    )
