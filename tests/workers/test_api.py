"""The worker paths of the JSON API."""

from __future__ import annotations

from typing import Any

from factory.accounts import services as accounts
from factory.extensions import db
from tests.workers.conftest import id_number


def bearer(user: Any) -> dict[str, str]:
    _token, secret = accounts.create_token(user, "t")
    db.session.commit()  # the test's rows survive a refused request's rollback (the outer transaction still ends in one)
    return {"Authorization": f"Bearer {secret}"}


def test_organiser_registers_and_lists_workers(client: Any, organiser: Any, make_station: Any) -> None:
    other = make_station()
    headers = bearer(organiser)
    body = {
        "name": "刘海燕",
        "mobile": "+8613912345678",
        "skills": {"remote_assembly": 30, "knitting": 4.5},
        "weekly_hours": [6, 6, 6, 6, 6, 0, 0],
        "id_number": id_number(55),
        "priority": True,
        "reach": {str(other.id): 25},
    }
    response = client.post("/api/v1/workers", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert len(created["activation_code"]) == 8
    assert created["skills"] == {"remote_assembly": 30, "knitting": 4.5}
    assert created["id_number"] == id_number(55)[:4] + "*" * 10 + id_number(55)[-4:]
    assert created["reach"] == {str(other.id): 25}
    listing = client.get("/api/v1/workers", headers=headers).get_json()["workers"]
    assert [w["id"] for w in listing] == [created["id"]]
    assert id_number(55) not in str(listing)
    assert "activation_code" not in listing[0]
    # the same mobile again is a conflict, and nothing is kept
    again = client.post("/api/v1/workers", json=dict(body, id_number=None), headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"]["mobile"]


def test_bad_fields_are_422_with_every_field_named(client: Any, organiser: Any) -> None:
    headers = bearer(organiser)
    body = {
        "name": "坏数据",
        "mobile": "12345",
        "skills": {"remote_assembly": 0, "welding": 3},
        "weekly_hours": [6, 6, 6, 6, 6, 0, 25],
        "id_number": "370203198001010011",
    }
    response = client.post("/api/v1/workers", json=body, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"mobile", "skills", "weekly_hours", "id_number"}
    assert len(fields["skills"]) == 2
    listing = client.get("/api/v1/workers", headers=headers).get_json()["workers"]
    assert listing == []
    assert (
        client.post(
            "/api/v1/workers", json={"name": "x", "mobile": "13912340000", "skills": "a:1"}, headers=headers
        ).status_code
        == 422
    )


def test_other_roles_cannot_register_and_workers_see_only_themselves(
    client: Any, organiser: Any, register: Any, make_user: Any
) -> None:
    worker, _ = register()
    other, _ = register()
    coordinator = make_user("coordinator")
    assert (
        client.post(
            "/api/v1/workers", json={"name": "x", "mobile": "13912340001"}, headers=bearer(coordinator)
        ).status_code
        == 403
    )
    headers = bearer(worker.user)
    assert (
        client.post(
            "/api/v1/workers", json={"name": "x", "mobile": "13912340001"}, headers=headers
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/workers/{worker.user_id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/workers/{other.user_id}", headers=headers).status_code == 404


def test_availability_in_the_instance_shape(client: Any, organiser: Any, register: Any) -> None:
    register(skills="knitting:4.5", weekly_hours="3 3 3 3 3 0 0")
    response = client.get("/api/v1/workers/availability?start=2026-12-07&days=14", headers=bearer(organiser))
    assert response.status_code == 200
    (worker,) = response.get_json()["workers"]
    assert worker["speed"] == {"knitting": 4.5}
    assert worker["hours"] == [3, 3, 3, 3, 3, 0, 0] * 2


def test_openapi_describes_the_worker_paths(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/workers", "/workers/{id}", "/workers/availability"} <= set(spec["paths"])
    assert "NewWorker" in spec["components"]["schemas"]
