"""The Huey queue: SQLite storage in the instance folder by default, Redis when HUEY_URL says so.

There is one Huey task, `run_job(job_id)`, which looks up the Job row and calls the handler registered
for its kind with `@handler("kind")`. A handler gets the job and a `report(percent, message)` callback;
`report` writes progress on its own short transaction (so the page's progress bar moves while the handler
works) and raises `JobCancelled` once the user asked to cancel. The handler's own writes commit when it
returns, so a failed job changes nothing but its own status.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select, update

from factory.extensions import db
from factory.jobs.models import Job
from factory.types import utcnow

huey = Huey("microfactory", storage_class=SqliteStorage, filename="/tmp/microfactory-huey-unconfigured.db")  # noqa: S108  (replaced by configure_queue before use)

Report = Callable[[int, str], None]
Handler = Callable[[Job, Report], None]
HANDLERS: dict[str, Handler] = {}
_app: Flask | None = None


class JobCancelled(Exception):
    pass


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register `fn` as the handler of jobs of `kind`."""

    def decorate(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return decorate


def configure_queue(app: Flask) -> None:
    """Point the queue at the app's storage (Redis or SQLite) and remember the app for the consumer."""
    global _app
    _app = app
    url = app.config.get("HUEY_URL")
    if url:
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": url}
    else:
        path = app.config.get("HUEY_PATH") or str(app.instance_path + "/huey.db")
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": path}
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if not huey.immediate:
        huey.storage = huey.create_storage()


def _set(job_id: int, **values: Any) -> bool:
    """Write job fields in a transaction of their own; return whether the user asked to cancel.

    Run in-process (immediate mode, used by tests) the writes go through the current session instead,
    since the job row may not be visible to another connection yet.
    """
    stmt = update(Job).where(Job.id == job_id).values(**values)
    ask = select(Job.cancel_requested).where(Job.id == job_id)
    if huey.immediate:
        db.session.execute(stmt)
        return bool(db.session.scalar(ask))
    with db.engine.begin() as conn:
        conn.execute(stmt)
        return bool(conn.execute(ask).scalar())


@huey.task(name="run_job")
def run_job(job_id: int) -> None:
    if _app is None:
        raise RuntimeError("configure_queue was not called")
    with _app.app_context():
        _run(job_id)


def _run(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        return
    if job.cancel_requested:
        _set(job_id, status="cancelled", finished_at=utcnow())
        return
    fn = HANDLERS.get(job.kind)
    if fn is None:
        _set(job_id, status="failed", message=f"unknown job kind {job.kind}", finished_at=utcnow())
        return
    _set(job_id, status="running", started_at=utcnow(), progress=0)
    db.session.expire(job)

    def report(percent: int, message: str = "") -> None:
        if _set(job_id, progress=max(0, min(100, int(percent))), message=message[:500]):
            raise JobCancelled

    try:
        fn(job, report)
        db.session.commit()
    except JobCancelled:
        db.session.rollback()
        _set(job_id, status="cancelled", finished_at=utcnow())
        return
    except Exception as exc:  # a failed job records why and changes nothing else
        db.session.rollback()
        if _app is not None:
            _app.logger.error("job %s failed:\n%s", job_id, traceback.format_exc())
        _set(job_id, status="failed", message=str(exc)[:500] or type(exc).__name__, finished_at=utcnow())
        return
    _set(job_id, status="done", progress=100, finished_at=utcnow())
