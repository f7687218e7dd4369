"""Generated requests against the order endpoints: never a 5xx, never an answer outside the documented shapes.

Hypothesis builds requests from the OpenAPI document's paths (bodies near the documented schemas, and
plenty that are not: wrong types, huge numbers, long and odd text, broken JSON, wrong content types,
other tenants' ids, no token). Each answer must carry a status the document lists for that operation,
and a body that matches the documented schema for that status.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factory.accounts import services as accounts
from factory.extensions import db

from .conftest import future

REQUESTS_PER_EXAMPLE = 4
EXAMPLES = 260  # 260 × 4 = 1,040 requests


# ------------------------------------------------------------------ a small JSON-schema check


def check(value: Any, schema: dict[str, Any], spec: dict[str, Any], where: str = "$") -> None:
    """Raise AssertionError when `value` does not match the OpenAPI `schema` (the subset the API uses)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        check(value, spec["components"]["schemas"][name], spec, where)
        return
    if value is None:
        assert schema.get("nullable"), f"{where}: null where {schema.get('type')} is documented"
        return
    kind = schema.get("type")
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "integer": int,
        "number": (int, float),
    }
    if kind:
        assert isinstance(value, types[kind]), f"{where}: {value!r} is not {kind}"
        if kind in ("integer", "number"):
            assert not isinstance(value, bool), f"{where}: boolean where {kind} is documented"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if kind == "object":
        for name in schema.get("required", []):
            assert name in value, f"{where}: missing {name}"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check(value[name], sub, spec, f"{where}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, item in value.items():
                if name not in schema.get("properties", {}):
                    check(item, extra, spec, f"{where}.{name}")
    if kind == "array":
        for i, item in enumerate(value):
            check(item, schema.get("items", {}), spec, f"{where}[{i}]")


# ------------------------------------------------------------------ what to send

odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\x00'\"<>{}=+-@、遥控"),
    max_size=130,
)
numbers = st.one_of(
    st.integers(min_value=-5, max_value=500),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.decimals(min_value=0, max_value=1000, places=2).map(float),
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    odd_text,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(odd_text, st.integers(), max_size=2),
)


def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a good value, sometimes anything at all."""
    return st.one_of(good, good, good, anything)


dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.just(future().isoformat()),
    st.sampled_from(["2026-02-30", "tomorrow", "", "9999-12-31", "2020-01-01T00:00:00"]),
)
material = st.fixed_dictionaries(
    {
        "item": field(odd_text),
        "quantity_per_piece": field(st.decimals(min_value=0, max_value=10, places=3).map(float)),
    },
    optional={"unit": field(st.sampled_from(["个", "套", "g", ""]))},
)
order_body = st.fixed_dictionaries(
    {},
    optional={
        "product": field(st.sampled_from(["遥控器组装", "冰箱贴彩绘", "手工编花"]) | odd_text),
        "skill": field(st.sampled_from(["remote_assembly", "fridge_magnet", "flower_weaving", "nope", ""])),
        "quantity": field(st.integers(min_value=-3, max_value=3000) | st.just(10_000_001)),
        "lot_size": field(st.integers(min_value=-1, max_value=600)),
        "piece_rate_fen": field(st.decimals(min_value=-1, max_value=400, places=2).map(float)),
        "standard_minutes": field(st.decimals(min_value=-1, max_value=20, places=2).map(float)),
        "service_fee_fen": field(st.integers(min_value=-2, max_value=50)),
        "due_date": field(dates),
        "reference": field(odd_text),
        "description": field(odd_text),
        "quality_standard": field(odd_text),
        "note": field(odd_text),
        "materials": field(st.lists(material, max_size=3)),
        "station_ids": field(st.lists(st.integers(min_value=-2, max_value=10**12), max_size=3)),
        "below_minimum_reason": field(odd_text),
        "post": field(st.booleans()),
    },
)


@st.composite
def near_valid_order(draw: Any) -> dict[str, Any]:
    """A valid order body with none, one or two fields changed or dropped."""
    body: dict[str, Any] = {
        "product": draw(st.sampled_from(["遥控器组装", "冰箱贴彩绘", "手工编花"])),
        "skill": draw(st.sampled_from(["remote_assembly", "fridge_magnet", "flower_weaving"])),
        "quantity": draw(st.integers(min_value=1, max_value=2000)),
        "lot_size": 1,
        "piece_rate_fen": draw(st.decimals(min_value=30, max_value=300, places=2).map(float)),
        "standard_minutes": draw(st.decimals(min_value=0.5, max_value=2, places=2).map(float)),
        "due_date": future().isoformat(),
    }
    body["lot_size"] = draw(st.integers(min_value=max(1, body["quantity"] // 40), max_value=body["quantity"]))
    if draw(st.booleans()):
        body["below_minimum_reason"] = draw(st.sampled_from(["试产批次", ""]))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        name = draw(st.sampled_from([*body, "materials", "station_ids", "service_fee_fen", "post"]))
        if draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(anything)
    return body


accept_body = st.fixed_dictionaries(
    {},
    optional={
        "quantity": field(st.sampled_from([100, 200, 300]) | st.integers(min_value=-10, max_value=3000))
    },
)
delivery_body = st.fixed_dictionaries(
    {},
    optional={
        "pieces": field(st.integers(min_value=-1, max_value=500)),
        "lines": field(
            st.lists(
                st.fixed_dictionaries({"lot": st.integers(-1, 30), "pieces": st.integers(-1, 300)}),
                max_size=3,
            )
        ),
        "delivered_on": field(dates),
        "note": field(odd_text),
    },
)


@st.composite
def raw_body(draw: Any, body: st.SearchStrategy[dict[str, Any]]) -> tuple[bytes, str]:
    """A body and its content type: mostly JSON, sometimes broken JSON, a JSON array, or another type."""
    kind = draw(st.sampled_from(["json"] * 6 + ["broken", "array", "form", "none", "surrogate"]))
    if kind == "json":
        return json.dumps(draw(body)).encode(), "application/json"
    if kind == "broken":
        return draw(st.text(alphabet=string.printable, max_size=40)).encode() + b"{", "application/json"
    if kind == "array":
        return b"[1, 2]", "application/json"
    if kind == "form":
        return b"product=x&quantity=1", draw(
            st.sampled_from(["application/x-www-form-urlencoded", "text/plain"])
        )
    if kind == "surrogate":
        return b'{"product": "\\ud800", "skill": "remote_assembly", "quantity": 1}', "application/json"
    return b"", "application/json"


@st.composite
def api_request(draw: Any) -> dict[str, Any]:
    op = draw(
        st.sampled_from(
            [
                "create",
                "create",
                "create",
                "list",
                "get",
                "cancel",
                "accept",
                "accept",
                "deliver",
                "deliveries",
                "receive",
            ]
        )
    )
    who = draw(
        st.sampled_from(
            ["coordinator"] * 4 + ["organiser"] * 3 + ["stranger", "worker", "admin", "nobody", "bad"]
        )
    )
    order_ref = draw(st.sampled_from(["own", "own", "targeted", "missing", "huge"]))
    if op == "create":
        data, ctype = draw(raw_body(st.one_of(near_valid_order(), near_valid_order(), order_body)))
        return {
            "method": "POST",
            "path": "/orders",
            "spec": ("/orders", "post"),
            "data": data,
            "ctype": ctype,
            "who": who,
            "key": draw(st.sampled_from([None, None, "k1", "k2", "x" * 101])),
        }
    if op == "list":
        query = draw(
            st.sampled_from(
                [
                    "",
                    "?status=posted",
                    "?status=bogus",
                    "?limit=2&offset=1",
                    "?limit=abc",
                    "?limit=-5",
                    "?offset=99999999999",
                ]
            )
        )
        return {"method": "GET", "path": "/orders" + query, "spec": ("/orders", "get"), "who": who}
    if op == "get":
        return {
            "method": "GET",
            "path": "/orders/{id}",
            "ref": order_ref,
            "spec": ("/orders/{order_id}", "get"),
            "who": who,
        }
    if op == "cancel":
        return {
            "method": "POST",
            "path": "/orders/{id}/cancel",
            "ref": order_ref,
            "spec": ("/orders/{order_id}/cancel", "post"),
            "who": who,
        }
    if op == "accept":
        data, ctype = draw(raw_body(accept_body))
        return {
            "method": "POST",
            "path": "/orders/{id}/accept",
            "ref": order_ref,
            "spec": ("/orders/{order_id}/accept", "post"),
            "data": data,
            "ctype": ctype,
            "who": who,
            "key": draw(st.sampled_from([None, "a1"])),
        }
    if op == "deliver":
        data, ctype = draw(raw_body(delivery_body))
        return {
            "method": "POST",
            "path": "/orders/{id}/deliveries",
            "ref": order_ref,
            "spec": ("/orders/{order_id}/deliveries", "post"),
            "data": data,
            "ctype": ctype,
            "who": who,
        }
    if op == "deliveries":
        return {
            "method": "GET",
            "path": "/orders/{id}/deliveries",
            "ref": order_ref,
            "spec": ("/orders/{order_id}/deliveries", "get"),
            "who": who,
        }
    return {
        "method": "POST",
        "path": "/deliveries/{id}/receive",
        "ref": order_ref,
        "spec": ("/deliveries/{delivery_id}/receive", "post"),
        "who": who,
    }


# ------------------------------------------------------------------ the test


@pytest.fixture
def world(
    client: Any, make_user: Any, make_order: Any, coordinator: Any, organiser: Any, production: Any
) -> dict[str, Any]:
    from factory.orders import deliveries as dl
    from factory.orders import services

    from .conftest import passed_in_lots

    own = make_order(quantity=3000, lot_size=100)
    targeted = make_order(quantity=500, lot_size=100, open_to_all=False, station_ids=[organiser.station_id])
    services.accept_order(targeted, organiser.station_id, 200, organiser)
    passed_in_lots(production, targeted, organiser.station_id, {1: 100, 2: 50})
    delivery = dl.record_delivery(targeted, organiser.station_id, organiser, pieces=20)
    users = {
        "coordinator": coordinator,
        "organiser": organiser,
        "stranger": make_user("coordinator"),
        "worker": make_user("worker"),
        "admin": make_user("admin"),
    }
    tokens = {role: accounts.create_token(user, "fuzz")[1] for role, user in users.items()}
    db.session.commit()
    spec = client.get("/api/v1/openapi.json").get_json()
    return {
        "ids": {"own": own.id, "targeted": targeted.id, "missing": 987654, "huge": 10**30},
        "delivery_ids": {"own": delivery.id, "targeted": delivery.id, "missing": 987654, "huge": 10**30},
        "tokens": tokens,
        "spec": spec,
    }


def send(client: Any, world: dict[str, Any], req: dict[str, Any]) -> Any:
    ids = world["delivery_ids"] if req["path"].startswith("/deliveries") else world["ids"]
    path = "/api/v1" + req["path"].replace("{id}", str(ids.get(req.get("ref", "own"), 0)))
    headers = {}
    who = req["who"]
    if who == "bad":
        headers["Authorization"] = "Bearer not-a-token"
    elif who != "nobody":
        headers["Authorization"] = f"Bearer {world['tokens'][who]}"
    if req.get("key"):
        headers["Idempotency-Key"] = req["key"]
    if req["method"] == "GET":
        return client.get(path, headers=headers)
    return client.post(
        path, data=req.get("data", b""), content_type=req.get("ctype", "application/json"), headers=headers
    )


def test_generated_requests_get_documented_answers(app: Any, client: Any, world: dict[str, Any]) -> None:
    spec = world["spec"]
    sent = {"n": 0}
    app.config["RENDER_ERRORS_IN_TESTS"] = True  # a crash must show up as the 500 a client would get
    try:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
            ],
        )
        @given(st.lists(api_request(), min_size=REQUESTS_PER_EXAMPLE, max_size=REQUESTS_PER_EXAMPLE))
        def run(requests: list[dict[str, Any]]) -> None:
            for req in requests:
                response = send(client, world, req)
                sent["n"] += 1
                sent[response.status_code] = sent.get(response.status_code, 0) + 1
                path, method = req["spec"]
                operation = spec["paths"][path][method]
                status = str(response.status_code)
                assert response.status_code < 500, (
                    f"{req} -> {status}: {response.get_data(as_text=True)[:500]}"
                )
                # Routing answers (a path that names no object, e.g. a huge id) are 404 in the error shape.
                documented = set(operation["responses"]) | {"404"}
                assert status in documented, f"{req} -> undocumented {status}"
                body = response.get_json(silent=True)
                assert body is not None, f"{req} -> {status} without a JSON body"
                schema = (
                    operation["responses"]
                    .get(status, {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema")
                )
                check(body, schema or {"$ref": "#/components/schemas/Error"}, spec)

        run()
    finally:
        app.config["RENDER_ERRORS_IN_TESTS"] = False
    assert sent["n"] >= 1000
    assert sent.get(201, 0) > 0  # the generated orders reach the success path too, not only refusals
