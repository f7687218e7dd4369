"""Starting, cancelling and finding jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from factory.accounts.models import User
from factory.extensions import db
from factory.jobs.models import Job
from factory.jobs.queue import HANDLERS, run_job


def start(kind: str, user: User, params: dict[str, Any] | None = None, **tenant: int | None) -> Job:
    """Record a job and queue it once the current transaction commits (never before: the consumer
    must see the row)."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, user_id=user.id, params=params or {}, **tenant)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    session = db.session()

    @event.listens_for(session, "after_commit", once=True)
    def _enqueue(_: Session) -> None:
        run_job(job_id)

    return job


def cancel(job: Job) -> None:
    if not job.finished:
        job.cancel_requested = True
