"""Reliability on real connections: simultaneous duplicates, simultaneous inspections, a killed server.

Each test has a database of its own (a temp SQLite file, or a fresh PostgreSQL database on that pass), so
requests really commit and really race.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.extensions import db
from factory.production.models import Inspection, Report, Task
from tests.production.conftest import World


def _post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    return client.post(path, json=body, headers=headers).status_code


def test_fifty_identical_reports_at_once_store_one(own_world: World) -> None:
    app = own_world.app
    barrier = threading.Barrier(50)
    headers = {"Authorization": f"Bearer {own_world.worker_token}", "Idempotency-Key": "same-key-50"}
    path = f"/api/v1/tasks/{own_world.task_id}/reports"

    def send(_: int) -> int:
        client = app.test_client()
        barrier.wait()
        return _post(client, path, {"pieces": 3}, headers)

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(send, range(50)))
    assert sorted(set(statuses)) in ([200, 201], [201]) and statuses.count(201) == 1, statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 1
        assert db.session.get(Task, own_world.task_id).reported == 3
        db.session.remove()


def test_two_organisers_inspecting_at_once_cannot_pass_more_than_reported(own_world: World) -> None:
    app = own_world.app
    client = app.test_client()
    worker = {"Authorization": f"Bearer {own_world.worker_token}", "Idempotency-Key": "r1"}
    assert _post(client, f"/api/v1/tasks/{own_world.task_id}/reports", {"pieces": 10}, worker) == 201
    path = f"/api/v1/tasks/{own_world.task_id}/inspections"
    for round_ in range(5):  # several rounds, so that the two really meet at least once
        barrier = threading.Barrier(2)

        def inspect(token: str, barrier: threading.Barrier = barrier) -> int:
            c = app.test_client()
            barrier.wait()
            return _post(c, path, {"accepted": 1}, {"Authorization": f"Bearer {token}"})

        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = list(pool.map(inspect, own_world.organiser_tokens))
        assert statuses == [201, 201], (round_, statuses)
    # 10 reported, 10 accepted: now both try to pass 6 more pieces than there are
    barrier = threading.Barrier(2)

    def too_many(token: str) -> int:
        c = app.test_client()
        barrier.wait()
        return _post(c, path, {"accepted": 1}, {"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(too_many, own_world.organiser_tokens)) == [409, 409]
    with app.app_context():
        task = db.session.get(Task, own_world.task_id)
        assert task.accepted == 10
        assert db.session.scalar(select(func.sum(Inspection.accepted))) == 10
        db.session.remove()


def test_racing_inspections_split_the_last_pieces(own_world: World) -> None:
    """Two organisers each try to pass 7 of 10 reported pieces at once: exactly one succeeds."""
    app = own_world.app
    client = app.test_client()
    worker = {"Authorization": f"Bearer {own_world.worker_token}", "Idempotency-Key": "r1"}
    assert _post(client, f"/api/v1/tasks/{own_world.task_id}/reports", {"pieces": 10}, worker) == 201
    barrier = threading.Barrier(2)

    def inspect(token: str) -> int:
        c = app.test_client()
        barrier.wait()
        return _post(
            c,
            f"/api/v1/tasks/{own_world.task_id}/inspections",
            {"accepted": 7},
            {"Authorization": f"Bearer {token}"},
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(inspect, own_world.organiser_tokens))
    assert statuses == [201, 409]
    with app.app_context():
        assert db.session.get(Task, own_world.task_id).accepted == 7
        db.session.remove()


def test_twins_of_a_declined_task_sent_at_once_decline_it_once(own_world: World) -> None:
    """The phone's outbox sends the same decline from two tabs (or again before the first answer came back):
    every twin gets the first answer; the task is declined once and the organisers are told once."""
    from factory.audit.models import AuditEntry
    from factory.production.models import Notice, TaskRequestKey
    from tests.conftest import Client

    app = own_world.app
    app.test_client_class = Client
    twins = 6
    clients, tokens = [], []
    for _ in range(twins):  # each tab logged in, with its own form token
        c = app.test_client()
        assert c.login("13600000009", "correct-horse-42").status_code == 302
        clients.append(c)
        tokens.append(c.csrf_token("/today"))
    barrier = threading.Barrier(twins)
    path = f"/today/tasks/{own_world.task_id}/decline"

    def send(i: int) -> tuple[int, Any]:
        barrier.wait()
        response = clients[i].post(
            path,
            data={"csrf_token": tokens[i], "key": "tab-key", "reason": "家里有事"},
            headers={"Accept": "application/json", "Idempotency-Key": "tab-key"},
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=twins) as pool:
        answers = list(pool.map(send, range(twins)))
    assert {status for status, _ in answers} == {200}, answers
    assert all(body == answers[0][1] for _, body in answers) and answers[0][1]["status"] == "declined"
    with app.app_context():
        assert db.session.get(Task, own_world.task_id).status == "declined"
        declines = select(func.count(AuditEntry.id)).where(AuditEntry.action == "task.decline")
        assert db.session.scalar(declines) == 1
        assert db.session.scalar(select(func.count(TaskRequestKey.id))) == 1
        told = select(func.count(Notice.id)).where(Notice.kind == "task_declined")
        assert db.session.scalar(told) == len(own_world.organiser_tokens)
        db.session.remove()


def test_the_database_refuses_inspecting_more_than_reported(own_world: World) -> None:
    """The CHECK constraint holds even for a write that skips the service."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    with own_world.app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(update(Task).where(Task.id == own_world.task_id).values(accepted=1))
        db.session.rollback()
        db.session.remove()


# ------------------------------------------------------------------ kill -9


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(world: World, tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FACTORY_DATABASE_URL": world.url,
        "FACTORY_INSTANCE_PATH": str(tmp_path),
        "FACTORY_SECRET_KEY": "test-secret",
        "FACTORY_DATA_KEY_PATH": str(tmp_path / "data_key"),
        "FACTORY_HUEY_PATH": str(tmp_path / "huey.db"),
    }
    env.pop("FACTORY_TEST_DATABASE_URL", None)
    log = (tmp_path / "gunicorn.log").open("ab")  # kept: a failure below quotes it
    proc = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "factory:create_app()"],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()  # the server holds its own copy of the file
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2):  # noqa: S310
                return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)  # waiting for the server to listen, not timing anything
    proc.kill()
    raise AssertionError("the server did not start")


def test_a_killed_server_loses_no_acknowledged_report(own_world: World, tmp_path: Path) -> None:
    port = _free_port()
    server = _start_server(own_world, tmp_path, port)
    acknowledged: list[str] = []
    refused: list[str] = []  # what came back instead of an acknowledgement, to explain a failure
    stop = threading.Event()

    def stream() -> None:
        url = f"http://127.0.0.1:{port}/api/v1/tasks/{own_world.task_id}/reports"
        while not stop.is_set():
            key = uuid.uuid4().hex
            request = urllib.request.Request(  # noqa: S310
                url,
                data=b'{"pieces": 1}',
                method="POST",
                headers={
                    "Authorization": f"Bearer {own_world.worker_token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 201:
                        acknowledged.append(key)
            except urllib.error.HTTPError as exc:
                refused.append(f"{exc.code} {exc.read()[:200]!r}")
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                refused.append(repr(exc))  # not acknowledged: the phone would keep it and send it again

    threads = [threading.Thread(target=stream) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40:
            assert time.monotonic() < deadline, (
                f"only {len(acknowledged)} acknowledged; refused: {refused[-5:]}; server log: "
                + (tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:]
            )
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)  # the whole server, master and workers, mid-stream
        server.wait()
        stop.set()
        for t in threads:
            t.join()
    finally:
        stop.set()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    server = _start_server(own_world, tmp_path, port)  # restarted on the same database
    try:
        request = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}/api/v1/tasks/{own_world.task_id}",
            headers={"Authorization": f"Bearer {own_world.worker_token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            reported = json.loads(response.read())["reported"]
        assert reported >= len(acknowledged) >= 40
        with own_world.app.app_context():
            stored = set(db.session.scalars(select(Report.idempotency_key)))
            task = db.session.get(Task, own_world.task_id)
            assert set(acknowledged) <= stored
            assert task.reported == len(stored)
            db.session.remove()
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
