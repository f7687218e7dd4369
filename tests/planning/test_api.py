"""The plan paths of the API: start, poll, instance, plan, publish."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from factory.accounts import services as accounts
from factory.extensions import db
from factory.production.models import Task
from factory.scheduling import check_plan, parse_instance

from .conftest import World


def bearer(user: Any) -> dict[str, str]:
    _, secret = accounts.create_token(user, "t")
    db.session.commit()  # keep the set-up when a refused request rolls its own work back
    return {"Authorization": f"Bearer {secret}"}


def test_start_poll_fetch_and_publish(world: World, client: Any) -> None:
    headers = bearer(world.organiser)
    started = client.post("/api/v1/plans", json={"days": 14}, headers=headers)
    assert started.status_code == 202
    body = started.get_json()
    assert body["status"] == "queued"
    db.session.commit()  # the job runs once the run is committed
    shown = client.get(f"/api/v1/plans/{body['id']}", headers=headers).get_json()
    assert shown["status"] == "done"
    assert shown["progress"] == 100
    assert shown["stats"]["assigned_lots"] == 3
    instance = client.get(f"/api/v1/plans/{body['id']}/instance", headers=headers).get_json()
    plan = client.get(f"/api/v1/plans/{body['id']}/plan", headers=headers).get_json()
    assert check_plan(parse_instance(instance), plan).valid
    published = client.post(f"/api/v1/plans/{body['id']}/publish", headers=headers)
    assert published.status_code == 200
    assert published.get_json()["created"] == 3
    assert len(db.session.scalars(select(Task)).all()) == 3


def test_bad_fields_and_nothing_to_plan(world: World, client: Any) -> None:
    headers = bearer(world.organiser)
    bad = client.post("/api/v1/plans", json={"days": 0, "start": "tomorrow"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"days", "start"}
    for order in world.orders:
        order.status = "cancelled"
    db.session.commit()
    empty = client.post("/api/v1/plans", json={}, headers=headers)
    assert empty.status_code == 422
    assert empty.get_json()["error"]["code"] == "no_orders"


def test_another_station_gets_404(world: World, client: Any, make_user: Any) -> None:
    started = client.post("/api/v1/plans", headers=bearer(world.organiser))
    db.session.commit()
    other = bearer(make_user("organiser"))
    run_id = started.get_json()["id"]
    assert client.get(f"/api/v1/plans/{run_id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/plans/{run_id}/publish", headers=other).status_code == 404


def test_the_paths_are_in_the_openapi_document(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/plans", "/plans/{id}", "/plans/{id}/instance", "/plans/{id}/plan", "/plans/{id}/publish"):
        assert path in spec["paths"]


def test_a_client_weighs_the_changes_since_the_plan_before_publishing(world: World, client: Any) -> None:
    from factory.workers import services as workers

    headers = bearer(world.organiser)
    plan_id = client.post("/api/v1/plans", json={"days": 14}, headers=headers).get_json()["id"]
    db.session.commit()
    shown = client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()
    assert shown["changes_since"] == {"total": 0, "last_id": 0, "latest": []}
    workers.set_weekly_hours(world.organiser, workers.ensure_profile(world.workers[0]), [1] * 5 + [0, 0])
    db.session.commit()
    changes = client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()["changes_since"]
    assert changes["total"] == 1 and changes["last_id"] > 0
    assert (
        changes["latest"][0]["action"] == "worker.weekly_hours" and changes["latest"][0]["worker"] == "王阿姨"
    )
    bad = client.post(f"/api/v1/plans/{plan_id}/publish", json={"changes_seen": "x"}, headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"changes_seen"}
    stale = client.post(f"/api/v1/plans/{plan_id}/publish", json={"changes_seen": 0}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "inputs_changed"
    weighed = {"changes_seen": changes["last_id"]}
    assert client.post(f"/api/v1/plans/{plan_id}/publish", json=weighed, headers=headers).status_code == 200
