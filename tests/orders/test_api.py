"""The order paths of the JSON API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.accounts import services as accounts
from factory.extensions import db
from factory.orders import services
from factory.orders.models import Order
from factory.orders.services import LotCount, ProductionCount

from .conftest import future


def bearer(user: Any) -> dict[str, str]:
    _, secret = accounts.create_token(user, "test")
    db.session.commit()  # keep the set-up when a refused request rolls its own work back
    return {"Authorization": f"Bearer {secret}"}


def body(**overrides: Any) -> dict[str, Any]:
    values = {
        "product": "遥控器组装",
        "skill": "remote_assembly",
        "quantity": 250,
        "lot_size": 100,
        "piece_rate_fen": 40,
        "standard_minutes": 1,
        "due_date": future().isoformat(),
        "materials": [{"item": "外壳", "quantity_per_piece": 1, "unit": "套"}],
    }
    values.update(overrides)
    return values


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id))) or 0


def test_create_posts_the_order_and_answers_201(client: Any, coordinator: Any) -> None:
    response = client.post(
        "/api/v1/orders", json=body(piece_rate_fen=35.5, standard_minutes=0.75), headers=bearer(coordinator)
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "posted"
    assert data["piece_rate_fen"] == 35.5
    assert data["standard_minutes"] == 0.75
    assert data["lots"] == 3
    assert data["progress"]["quantity"] == 250
    assert data["pay_per_hour_fen"] == 2840  # 35.5 × 60 / 0.75
    order = db.session.get(Order, data["id"])
    assert order.piece_rate_units == 3550


def test_below_minimum_is_422_unless_a_reason_is_given(client: Any, coordinator: Any) -> None:
    headers = bearer(coordinator)
    before = count_orders()
    response = client.post("/api/v1/orders", json=body(piece_rate_fen=30), headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "below_minimum_wage"
    assert "below_minimum_reason" in error["fields"]
    assert count_orders() == before
    response = client.post(
        "/api/v1/orders", json=body(piece_rate_fen=30, below_minimum_reason="试产"), headers=headers
    )
    assert response.status_code == 201
    assert response.get_json()["below_minimum_reason"] == "试产"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10_000_001}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"lot_size": 251}, "lot_size"),
        ({"piece_rate_fen": 0}, "piece_rate_fen"),
        ({"piece_rate_fen": 1.234}, "piece_rate_fen"),
        ({"standard_minutes": 0}, "standard_minutes"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"product": "x" * 101}, "product"),
        ({"skill": "juggling"}, "skill"),
        ({"station_ids": [987654]}, "station_ids"),
        ({"materials": "lots"}, "materials"),
    ],
)
def test_bad_fields_are_422_with_the_field_named(
    client: Any, coordinator: Any, overrides: dict[str, Any], field: str
) -> None:
    before = count_orders()
    response = client.post("/api/v1/orders", json=body(**overrides), headers=bearer(coordinator))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert count_orders() == before


def test_malformed_json_and_wrong_content_type(client: Any, coordinator: Any) -> None:
    headers = bearer(coordinator)
    response = client.post(
        "/api/v1/orders", data="{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "malformed_json",
        "message": "请求内容不是有效的 JSON。",  # in the caller's language, like every other message
    }
    response = client.post(
        "/api/v1/orders", data="product=x", headers={**headers, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_a_write_the_role_may_not_do_is_403_in_words_for_the_api(
    client: Any, make_order: Any, coordinator: Any
) -> None:
    order = make_order()
    response = client.post(
        f"/api/v1/orders/{order.id}/accept", json={"quantity": 100}, headers=bearer(coordinator)
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "您的账户不能做这个操作。"  # not "see this page"


def test_someone_elses_order_is_404(client: Any, make_order: Any, make_user: Any) -> None:
    order = make_order()
    other = make_user("coordinator")
    headers = bearer(other)
    assert client.get(f"/api/v1/orders/{order.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/orders/{order.id}/cancel", headers=headers).status_code == 404
    listed = client.get("/api/v1/orders", headers=headers).get_json()["orders"]
    assert order.id not in [o["id"] for o in listed]


def test_organiser_accepts_and_sees_the_stations_progress(
    client: Any, make_order: Any, organiser: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=300, lot_size=100)
    headers = bearer(organiser)
    response = client.post(f"/api/v1/orders/{order.id}/accept", json={"quantity": 150}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "whole_lots"
    response = client.post(f"/api/v1/orders/{order.id}/accept", json={"quantity": 200}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "accepted"
    production.append(
        ProductionCount(
            order.id,
            organiser.station_id,
            services.local_today(),
            assigned=100,
            reported=40,
            accepted=35,
            rejected=5,
        )
    )
    production.append(LotCount(order.id, order.lots[0].id, 35))
    data = client.get(f"/api/v1/orders/{order.id}", headers=headers).get_json()
    assert {
        k: data["progress"][k]
        for k in ("accepted_by_stations", "assigned", "reported", "accepted", "rejected", "delivered")
    } == {
        "accepted_by_stations": 200,
        "assigned": 100,
        "reported": 40,
        "accepted": 35,
        "rejected": 5,
        "delivered": 0,
    }
    response = client.post(f"/api/v1/orders/{order.id}/deliveries", json={"pieces": 36}, headers=headers)
    assert response.status_code == 409
    response = client.post(
        f"/api/v1/orders/{order.id}/deliveries", json={"lines": [{"lot": 1, "pieces": 35}]}, headers=headers
    )
    assert response.status_code == 201
    assert response.get_json()["lines"] == [{"lot": 1, "pieces": 35}]


def test_cancel_through_the_api(client: Any, make_order: Any, coordinator: Any) -> None:
    order = make_order()
    response = client.post(f"/api/v1/orders/{order.id}/cancel", headers=bearer(coordinator))
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/orders/{order.id}/cancel", headers=bearer(coordinator))
    assert again.status_code == 409


def test_idempotency_key_replays_the_first_answer(client: Any, coordinator: Any) -> None:
    headers = {**bearer(coordinator), "Idempotency-Key": "erp-42"}
    before = count_orders()
    first = client.post("/api/v1/orders", json=body(), headers=headers)
    second = client.post("/api/v1/orders", json=body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert count_orders() == before + 1
    other = client.post("/api/v1/orders", json=body(quantity=500), headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_workers_cannot_use_the_order_api(client: Any, make_user: Any) -> None:
    headers = bearer(make_user("worker"))
    assert client.get("/api/v1/orders", headers=headers).status_code == 403
    assert client.post("/api/v1/orders", json=body(), headers=headers).status_code == 403


def test_openapi_describes_the_order_paths(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/orders", "/orders/{order_id}", "/orders/{order_id}/cancel", "/orders/{order_id}/accept"):
        assert path in spec["paths"]
    assert "Order" in spec["components"]["schemas"]
    assert "422" in spec["paths"]["/orders"]["post"]["responses"]


def test_receipt_through_the_api_takes_an_optional_count_and_note(
    client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    from factory.orders import deliveries as dl

    from .conftest import passed_in_lots

    order = make_order(quantity=200, lot_size=100)
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100, 2: 100})
    whole = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    short = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    headers = bearer(coordinator)
    response = client.post(f"/api/v1/deliveries/{whole.id}/receive", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["received"] == 100
    bad = client.post(f"/api/v1/deliveries/{short.id}/receive", json={"received": 90}, headers=headers)
    assert bad.status_code == 422 and "receipt_note" in bad.get_json()["error"]["fields"]
    response = client.post(
        f"/api/v1/deliveries/{short.id}/receive", json={"received": 90, "note": "少10件"}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json()["received"] == 90 and response.get_json()["receipt_note"] == "少10件"
    assert services.order_progress([order.id])[order.id].received == 190
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/deliveries/{delivery_id}/receive"]["post"]["requestBody"]
    assert set(body["content"]["application/json"]["schema"]["properties"]) == {"received", "note"}


def test_orders_show_which_order_they_follow_and_cannot_set_it(
    client: Any, make_order: Any, coordinator: Any, organiser: Any
) -> None:
    from .conftest import order_input

    first = make_order()
    draft = services.reorder(first, order_input(), coordinator, missing=False)
    posted = services.reorder(first, order_input(quantity=100), coordinator, missing=False)
    services.post_order(posted, coordinator)
    headers = bearer(coordinator)
    got = client.get(f"/api/v1/orders/{first.id}", headers=headers).get_json()
    assert (got["follows_order_id"], got["follow_up_order_ids"]) == (None, [draft.id, posted.id])
    follows = client.get(f"/api/v1/orders/{draft.id}", headers=headers).get_json()
    assert (follows["follows_order_id"], follows["for_missing_pieces"]) == (first.id, False)
    listed = {o["id"]: o for o in client.get("/api/v1/orders", headers=headers).get_json()["orders"]}
    assert listed[first.id]["follow_up_order_ids"] == [draft.id, posted.id]
    assert listed[posted.id]["follows_order_id"] == first.id
    # An organiser sees only the follow-ups offered to the station (a draft is offered to none).
    seen = client.get(f"/api/v1/orders/{first.id}", headers=bearer(organiser)).get_json()
    assert seen["follow_up_order_ids"] == [posted.id]
    # Read-only: what a body says about it is not taken.
    created = client.post(
        "/api/v1/orders", json=body(follows_order_id=first.id, for_missing_pieces=True), headers=headers
    )
    assert created.status_code == 201
    assert (created.get_json()["follows_order_id"], created.get_json()["for_missing_pieces"]) == (None, False)
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Order"]["properties"]
    assert schema["follows_order_id"]["readOnly"] and schema["follow_up_order_ids"]["readOnly"]


def test_a_draft_says_its_pay_per_hour_as_the_page_does(
    client: Any, make_order: Any, coordinator: Any
) -> None:
    draft = make_order(post=False, piece_rate_units=2000, standard_minutes=Decimal("0.5"))
    db.session.commit()
    got = client.get(f"/api/v1/orders/{draft.id}", headers=bearer(coordinator)).get_json()
    assert got["status"] == "draft"
    assert got["pay_per_hour_fen"] == 2400  # ¥0.20 a piece, 120 pieces an hour
