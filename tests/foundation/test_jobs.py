"""Background jobs: run in-process, through a real consumer on SQLite storage, and through Redis."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.jobs import services as jobs
from factory.jobs.models import Job
from factory.jobs.queue import HANDLERS, JobCancelled, handler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kinds() -> Iterator[None]:
    """Job kinds that only these tests use."""

    @handler("test_fails")
    def fails(job: Job, report: Any) -> None:
        db.session.add(AuditEntry(action="should.not.stay", object_type="x"))
        db.session.flush()
        raise ValueError("the input file has no rows")

    @handler("test_reports")
    def reports(job: Job, report: Any) -> None:
        report(40, "halfway")
        job.result = {"ok": True}

    yield
    HANDLERS.pop("test_fails")
    HANDLERS.pop("test_reports")


def test_admin_exports_the_audit_log_through_a_job(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    client = make_client(admin)
    client.submit("/admin/enterprises", {"name": "导出测试企业"})
    response = client.submit("/admin/audit/export", {"action": "enterprise."}, token_from="/admin/audit/")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and 'data-status="done"' in page.get_data(as_text=True)
    assert "导出审计日志" in page.get_data(
        as_text=True
    ) and 'href="/admin/audit/?action=enterprise."' in page.get_data(as_text=True)
    job = db.session.scalar(select(Job).where(Job.user_id == admin.id))
    assert job.status == "done" and job.progress == 100
    download = client.get(f"/jobs/{job.id}/download")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = download.data.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "enterprise.create" in text and "导出测试企业" in text
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["finished"] and status["has_file"]


def test_a_failing_job_records_why_and_changes_nothing_else(app: Flask, make_user: Any, kinds: None) -> None:
    user = make_user("admin")
    job = jobs.start("test_fails", user)
    db.session.commit()
    db.session.refresh(job)
    assert job.status == "failed"
    assert "no rows" in job.message
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "should.not.stay")) is None


def test_a_job_cancelled_before_it_runs_does_not_run(app: Flask, make_user: Any, kinds: None) -> None:
    user = make_user("admin")
    job = jobs.start("test_reports", user)
    jobs.cancel(job)
    db.session.commit()
    db.session.refresh(job)
    assert job.status == "cancelled" and job.result is None


def test_report_raises_once_cancel_is_asked(app: Flask, make_user: Any) -> None:
    seen: list[int] = []

    @handler("test_cancel_midway")
    def midway(job: Job, report: Any) -> None:
        report(10, "")
        seen.append(10)
        db.session.execute(db.update(Job).where(Job.id == job.id).values(cancel_requested=True))
        try:
            report(20, "")
        except JobCancelled:
            seen.append(-1)
            raise

    try:
        user = make_user("admin")
        job = jobs.start("test_cancel_midway", user)
        db.session.commit()
        db.session.refresh(job)
        assert seen == [10, -1]
        assert job.status == "cancelled"
    finally:
        HANDLERS.pop("test_cancel_midway")


def test_unknown_kinds_are_refused(make_user: Any) -> None:
    with pytest.raises(ValueError, match="no handler"):
        jobs.start("no_such_kind", make_user("admin"))


# ---------------------------------------------------------------- real consumers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(delay)  # polling a separate process; the wait ends as soon as it is done
        delay = min(delay * 1.5, 0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _run_through_consumer(tmp_path: Path, env_extra: dict[str, str]) -> None:
    """Start a real `flask jobs worker` and let it run a job queued by another process (this one).

    These tests use their own database file (not the session's rolled-back transaction), since the
    consumer must see what this process committed."""
    from factory import create_app
    from tests.conftest import app_config

    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    config = app_config(tmp_path, url=db_url)
    config.update(HUEY_IMMEDIATE=False, TESTING=False)
    if "FACTORY_HUEY_URL" in env_extra:
        config["HUEY_URL"] = env_extra["FACTORY_HUEY_URL"]
    other = create_app(config)
    env = {
        **os.environ,
        "FACTORY_INSTANCE_PATH": str(tmp_path),
        "FACTORY_DATABASE_URL": db_url,
        "FACTORY_HUEY_PATH": config["HUEY_PATH"],
        "FACTORY_SECRET_KEY": "test-secret",
        "FLASK_APP": "factory",
        **env_extra,
    }
    env.pop("FACTORY_TEST_DATABASE_URL", None)
    consumer = None
    try:
        with other.app_context():
            db.create_all()
            from factory.accounts.services import create_user
            from factory.reference.services import load_reference_data

            load_reference_data()
            admin, _ = create_user("admin", "13500000001", "管理员", password="consumer-test-1")
            db.session.commit()
            consumer = subprocess.Popen(
                [sys.executable, "-m", "flask", "jobs", "worker", "--workers", "1"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            job = jobs.start("audit_export", admin, {})
            db.session.commit()
            job_id = job.id

            def done() -> bool:
                db.session.rollback()  # a fresh snapshot each time
                status = db.session.get(Job, job_id).status
                assert status not in ("failed", "cancelled"), db.session.get(Job, job_id).message
                return status == "done"

            _wait_for(done, 60, "the consumer to finish the job")
            finished = db.session.get(Job, job_id)
            assert finished.result == {"rows": 1}  # the admin's user.create entry
            assert finished.started_at is not None and finished.finished_at >= finished.started_at
            db.session.remove()
    finally:
        if consumer is not None:
            consumer.terminate()
            output = consumer.communicate(timeout=20)[0].decode(errors="replace")
            assert "job consumer" in output, output


@pytest.mark.slow
def test_a_job_runs_through_a_consumer_process_on_sqlite_storage(own_queue: None, tmp_path: Path) -> None:
    _run_through_consumer(tmp_path, {})
    assert (tmp_path / "huey.db").exists()


@pytest.mark.slow
def test_a_job_runs_through_a_consumer_process_on_redis(own_queue: None, tmp_path: Path) -> None:
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: make system-packages installs it")
    port = _free_port()
    redis = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis as redis_client

        client = redis_client.Redis(port=port)
        _wait_for(lambda: _pings(client), 20, "redis to start")
        _run_through_consumer(tmp_path, {"FACTORY_HUEY_URL": f"redis://127.0.0.1:{port}/0"})
        assert not (tmp_path / "huey.db").exists()
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def test_the_queue_storage_waits_for_a_file_another_process_is_recovering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a crash every server process opens the queue file at once; SQLite then answers "database is
    locked" without waiting. Opening must try again instead of failing the process's boot."""
    import sqlite3

    from huey.storage import SqliteStorage

    from factory.jobs.queue import PatientSqliteStorage

    opened = SqliteStorage._create_connection
    refusals = iter([True, True, True])

    def locked_at_first(self: SqliteStorage) -> sqlite3.Connection:
        if next(refusals, False):
            raise sqlite3.OperationalError("database is locked")
        return opened(self)

    monkeypatch.setattr(SqliteStorage, "_create_connection", locked_at_first)
    storage = PatientSqliteStorage(filename=str(tmp_path / "huey.db"))
    storage.put_data("k", b"v")
    assert storage.peek_data("k") == b"v"
    assert next(refusals, "spent") == "spent"  # all three refusals were met and waited out


def test_the_queue_storage_still_reports_other_errors(tmp_path: Path) -> None:
    import sqlite3

    from factory.jobs.queue import PatientSqliteStorage

    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        PatientSqliteStorage(filename=str(tmp_path / "no-such-folder" / "huey.db"))
