"""The task, report and inspection paths of the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from factory.accounts import services as accounts
from factory.extensions import db
from factory.production.models import Inspection, Report, Task
from tests.production.conftest import report


def bearer(user: Any) -> dict[str, str]:
    _, secret = accounts.create_token(user, "t")
    db.session.commit()  # keep the fixtures when a refused request rolls its own work back
    return {"Authorization": f"Bearer {secret}"}


def test_tasks_for_worker_and_organiser(client, task, worker, other_worker, organiser):
    own = client.get("/api/v1/tasks", headers=bearer(worker)).json["tasks"]
    assert [(t["id"], t["lot"], t["pieces"], t["status"], t["reported"]) for t in own] == [
        (task.id, 1, 100, "assigned", 0)
    ]
    assert own[0]["days"][0]["pieces"] == 50
    assert client.get("/api/v1/tasks", headers=bearer(other_worker)).json["tasks"] == []
    station = client.get("/api/v1/tasks", headers=bearer(organiser)).json["tasks"]
    assert [t["id"] for t in station] == [task.id]
    assert client.get(f"/api/v1/tasks/{task.id}", headers=bearer(other_worker)).status_code == 404


def test_report_idempotency(client, task, worker):
    headers = {**bearer(worker), "Idempotency-Key": "phone-abc"}
    first = client.post(
        f"/api/v1/tasks/{task.id}/reports", json={"pieces": 12, "minutes": 30}, headers=headers
    )
    again = client.post(
        f"/api/v1/tasks/{task.id}/reports", json={"pieces": 12, "minutes": 30}, headers=headers
    )
    assert first.status_code == 201 and again.status_code == 200
    assert first.json == again.json and first.json["reported"] == 12
    other = client.post(f"/api/v1/tasks/{task.id}/reports", json={"pieces": 13}, headers=headers)
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert db.session.scalar(select(db.func.count(Report.id))) == 1
    assert db.session.get(Task, task.id).reported == 12


def test_report_refusals(client, task, worker, other_worker):
    path = f"/api/v1/tasks/{task.id}/reports"
    auth = bearer(worker)
    cases = [
        ({"pieces": 0}, {"Idempotency-Key": "a"}, 422),
        ({"pieces": -4}, {"Idempotency-Key": "b"}, 422),
        ({"pieces": "x"}, {"Idempotency-Key": "c"}, 422),
        ({"pieces": 101}, {"Idempotency-Key": "d"}, 409),
        ({"pieces": 5}, {}, 400),
        ({"pieces": 5, "colour": "red"}, {"Idempotency-Key": "e"}, 422),
    ]
    for body, extra, status in cases:
        response = client.post(path, json=body, headers={**auth, **extra})
        assert response.status_code == status, (body, response.json)
        assert "error" in response.json
    assert (
        client.post(
            path, data="nope", headers={**auth, "Idempotency-Key": "f", "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            path, json={"pieces": 1}, headers={**bearer(other_worker), "Idempotency-Key": "g"}
        ).status_code
        == 404
    )
    assert db.session.scalar(select(db.func.count(Report.id))) == 0


def test_inspection_api(client, task, worker, organiser, make_user):
    report(task, worker, 20)
    path = f"/api/v1/tasks/{task.id}/inspections"
    auth = bearer(organiser)
    over = client.post(path, json={"accepted": 15, "rejected": 6, "reason": "脏"}, headers=auth)
    assert over.status_code == 409 and over.json["error"]["code"] == "over_reported"
    done = client.post(
        path, json={"accepted": 15, "rejected": 5, "reason": "脏", "rework": True}, headers=auth
    )
    assert done.status_code == 201
    assert done.json["task"]["accepted"] == 15 and done.json["task"]["rework"] == 5
    assert client.post(path, json={"accepted": 1}, headers=bearer(worker)).status_code == 403
    assert client.post(path, json={"accepted": 1}, headers=bearer(make_user("organiser"))).status_code == 404
    assert client.get(path, headers=bearer(worker)).json["inspections"][0]["rejected"] == 5
    assert db.session.scalar(select(db.func.count(Inspection.id))) == 1


def test_openapi_lists_the_paths(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"/tasks", "/tasks/{id}/reports", "/tasks/{id}/inspections"} <= set(spec["paths"])
    assert "Task" in spec["components"]["schemas"]


def test_report_runs_few_statements(client, task, worker):
    """A report is counted and stored in one UPDATE and one INSERT: the task is not read again afterwards."""
    from tests.production.conftest import count_queries

    auth = bearer(worker)
    path = f"/api/v1/tasks/{task.id}/reports"
    client.post(
        path, json={"pieces": 1}, headers={**auth, "Idempotency-Key": "few-0"}
    )  # the token's first use
    db.session.expire_all()  # the request loads token, user and task like a fresh process would
    with count_queries() as statements:
        response = client.post(path, json={"pieces": 4}, headers={**auth, "Idempotency-Key": "few-1"})
    assert response.status_code == 201 and response.json["reported"] == 5
    kinds = [" ".join(s.split()[:3]) for s in statements]
    assert sum(k.startswith("UPDATE production_task") for k in kinds) == 1, kinds
    assert sum(k.startswith("INSERT INTO production_report") for k in kinds) == 1, kinds
    assert not any(k.startswith("UPDATE production_report") for k in kinds), kinds
    assert not any(k.startswith("SELECT production_report") for k in kinds), kinds  # the unique key checks
    assert len(statements) <= 5, kinds  # token, task, count, store, audit
    assert db.session.get(Report, response.json["id"]).reported_after == 5
