"""The Huey queue: SQLite storage in the instance folder by default, Redis when HUEY_URL says so.

There is one Huey task, `run_job(job_id)`, which looks up the Job row and calls the handler registered
for its kind with `@handler("kind")`. A handler gets the job and a `report(percent, message)` callback;
`report` keeps the progress in the queue's storage (so the page's progress bar moves while the handler
works, without a database write that would contend with the handler's own transaction) and raises
`JobCancelled` once the user asked to cancel. The handler's own writes commit with its "done" status when
it returns, so a failed job changes nothing but its own status.
"""

from __future__ import annotations

import random
import sqlite3
import time
import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from factory.extensions import db
from factory.jobs.models import Job
from factory.types import utcnow


class PatientSqliteStorage(SqliteStorage):
    """Huey's SQLite storage, waiting when the file is locked while a connection opens.

    Opening sets the journal mode, and SQLite answers "database is locked" at once, without its busy
    timeout, while another process recovers the write-ahead log (after a crash or `kill -9`, every
    gunicorn worker opens the file at the same moment). A worker that gave up there would fail to boot.
    """

    OPEN_PATIENCE_S = 30.0

    def _create_connection(self) -> sqlite3.Connection:
        deadline = time.monotonic() + self.OPEN_PATIENCE_S
        while True:
            try:
                return super()._create_connection()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.02 + random.random() * 0.08)  # noqa: S311  (spreading retries, not secrecy)


_UNCONFIGURED = "/tmp/microfactory-huey-unconfigured.db"  # noqa: S108  (replaced by configure_queue before use)
huey = Huey("microfactory", storage_class=PatientSqliteStorage, filename=_UNCONFIGURED)

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
        huey.storage_class = PatientSqliteStorage
        huey.storage_kwargs = {"filename": path}
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if not huey.immediate:
        huey.storage = huey.create_storage()


def _set(job_id: int, **values: Any) -> None:
    """Write job fields and commit them at once, so the job's page sees them."""
    stmt = update(Job).where(Job.id == job_id).values(**values)
    if huey.immediate:  # in-process: the row may be visible only to this session's connection
        db.session.execute(stmt)
        db.session.commit()
        return
    with db.engine.begin() as conn:
        conn.execute(stmt)


def _progress_key(job_id: int) -> str:
    return f"microfactory:job:{job_id}:progress"


def live_progress(job: Job) -> tuple[int, str]:
    """The progress a running job last reported (kept in the queue's storage, not the database)."""
    if job.status == "running":
        value = huey.get(_progress_key(job.id), peek=True)
        if value is not None:
            return value
    return job.progress, job.message


def _cancel_requested(job_id: int) -> bool:
    ask = select(Job.cancel_requested).where(Job.id == job_id)
    if huey.immediate:
        return bool(db.session.scalar(ask))
    with db.engine.connect() as conn:
        return bool(conn.execute(ask).scalar())


@huey.task(name="run_job")
def run_job(job_id: int) -> None:
    # In-process (immediate mode) the job belongs to the app of the caller; in a consumer, to the app
    # the consumer was started with. Either way it gets an app context, and so a session, of its own.
    app = current_app._get_current_object() if has_app_context() else _app  # type: ignore[attr-defined]
    if app is None:
        raise RuntimeError("configure_queue was not called")
    with app.app_context():
        _run(job_id)


def _run(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        return
    kind, cancelled = job.kind, job.cancel_requested
    db.session.rollback()  # no read transaction may stay open across the status writes below
    if cancelled:
        _set(job_id, status="cancelled", finished_at=utcnow())
        return
    fn = HANDLERS.get(kind)
    if fn is None:
        _set(job_id, status="failed", message=f"unknown job kind {kind}", finished_at=utcnow())
        return
    _set(job_id, status="running", started_at=utcnow(), progress=0)

    def report(percent: int, message: str = "") -> None:
        huey.put(_progress_key(job_id), (max(0, min(100, int(percent))), message[:500]))
        if _cancel_requested(job_id):
            raise JobCancelled

    for attempt in (1, 2):
        try:
            if attempt == 2:
                # SQLite refuses a write from a transaction whose snapshot predates another commit
                # (someone saved something while the job computed). The second run takes the write
                # lock first, so it cannot be overtaken; other writers wait for it.
                db.session.execute(update(Job).where(Job.id == job_id).values(progress=0))
            job = db.session.get(Job, job_id)
            fn(job, report)
            job.status, job.progress, job.message, job.finished_at = "done", 100, "", utcnow()
            db.session.commit()  # the handler's work and its status, together
            return
        except JobCancelled:
            db.session.rollback()
            _set(job_id, status="cancelled", finished_at=utcnow())
            return
        except OperationalError as exc:
            db.session.rollback()
            if attempt == 1 and db.engine.dialect.name == "sqlite" and "locked" in str(exc):
                continue
            _fail(job_id, exc)
            return
        except Exception as exc:  # a failed job records why and changes nothing else
            db.session.rollback()
            _fail(job_id, exc)
            return
        finally:
            huey.get(_progress_key(job_id))  # forget the live progress


def _fail(job_id: int, exc: Exception) -> None:
    current_app.logger.error("job %s failed:\n%s", job_id, traceback.format_exc())
    _set(job_id, status="failed", message=str(exc)[:500] or type(exc).__name__, finished_at=utcnow())
