"""Access control: every route declares who may use it, and nobody reaches another tenant's objects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from factory.access import declared_roles
from factory.extensions import db
from factory.reference.models import MinimumWage


def undeclared_routes(app: Flask) -> list[str]:
    """Rules whose view declares no roles."""
    with app.test_request_context():
        return sorted(rule.rule for rule in app.url_map.iter_rules() if declared_roles(rule.endpoint) is None)


def test_every_route_declares_who_may_use_it(app: Flask) -> None:
    assert undeclared_routes(app) == []


def test_an_undeclared_route_is_caught_and_refused(app: Flask, tmp_path: Any) -> None:
    from factory import create_app
    from tests.conftest import app_config

    other = create_app(app_config(tmp_path, url=f"sqlite:///{tmp_path / 'x.db'}"))
    other.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert undeclared_routes(other) == ["/forgotten"]
    response = other.test_client().get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data


# ---------------------------------------------------------------- tenants

ROLES = ["admin", "coordinator", "organiser", "worker"]


@pytest.fixture
def two_tenants(make_user: Any, make_station: Any, make_enterprise: Any) -> dict[str, Any]:
    """Two of everything: tenant A (whose users act) and tenant B (whose objects they must not reach)."""
    from factory.accounts import services
    from factory.jobs.models import Job

    out: dict[str, Any] = {}
    for side in ("a", "b"):
        station = make_station()
        enterprise = make_enterprise()
        users = {
            "admin": make_user("admin"),
            "coordinator": make_user("coordinator", enterprise=enterprise),
            "organiser": make_user("organiser", station=station),
            "worker": make_user("worker", station=station),
        }
        tokens = {role: services.create_token(user, "t")[0] for role, user in users.items()}
        jobs = {role: Job(kind="audit_export", user_id=user.id, params={}) for role, user in users.items()}
        db.session.add_all(jobs.values())
        db.session.flush()
        order, delivery = _order_with_delivery(users["coordinator"], users["organiser"], station)
        from factory.workers import services as workers
        from factory.workers import training

        worker = workers.ensure_profile(users["worker"])
        course = training.create_course(users["organiser"], station, "面点培训班", "steamed_buns", 20)
        task, inspection, reason = _task_with_inspection(order, users["worker"], users["organiser"])
        run, pin = _plan_run_with_pin(users["organiser"], station, order)
        period, slip, adjustment = _pay(station, users["worker"], users["organiser"])
        out[side] = {
            "station": station,
            "enterprise": enterprise,
            "users": users,
            "tokens": tokens,
            "jobs": jobs,
            "order": order,
            "delivery": delivery,
            "worker": worker,
            "course": course,
            "task": task,
            "inspection": inspection,
            "reason": reason,
            "run": run,
            "pin": pin,
            "period": period,
            "slip": slip,
            "adjustment": adjustment,
        }
    return out


def _task_with_inspection(order: Any, worker: Any, organiser: Any) -> tuple[Any, Any, Any]:
    """Lot 2 of the order given to the station's worker, reported and inspected, and a reject reason."""
    from datetime import date

    from factory.production import floor
    from factory.production import services as production

    task = production.create_task(order.lots[1].id, worker.id, organiser)
    production.record_report(task.id, worker, 5, "k", "h")
    inspection = production.record_inspection(task.id, organiser, 4, 1, "脏污", date.today(), False)
    return task, inspection, floor.reject_reasons(task.station_id)[0]


def _plan_run_with_pin(organiser: Any, station: Any, order: Any) -> tuple[Any, Any]:
    """A finished planning run of `station` with one pinned lot."""
    from datetime import date

    from factory.planning.models import PlanPin, PlanRun

    run = PlanRun(
        station_id=station.id,
        status="done",
        start_date=date.today(),
        days=1,
        instance={},
        lots={},
        plan={"assignments": [], "unassigned": [], "stats": {}},
        stats={},
        created_by_id=organiser.id,
    )
    db.session.add(run)
    db.session.flush()
    pin = PlanPin(station_id=station.id, run_id=run.id, lot_id=order.lots[0].id, worker_id=organiser.id)
    db.session.add(pin)
    db.session.flush()
    return run, pin


def _pay(station: Any, worker: Any, organiser: Any) -> tuple[Any, Any, Any]:
    """A closed pay period with the worker's slip, and an open one with an adjustment."""
    from datetime import date

    from factory.payroll import services as payroll

    closed = payroll.create_period(station.id, date(2024, 6, 1), date(2024, 6, 15), organiser)
    payroll.add_adjustment(closed.id, worker.id, "bonus", 100, "奖励", organiser)
    payroll.close_period(closed.id, organiser, today=date(2024, 7, 1))
    slip = payroll.period_slips(closed.id)[0]
    open_ = payroll.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    adjustment = payroll.add_adjustment(open_.id, worker.id, "bonus", 100, "奖励", organiser)
    return closed, slip, adjustment


def _order_with_delivery(coordinator: Any, organiser: Any, station: Any) -> tuple[Any, Any]:
    """An order offered only to `station`, taken on by it, with one delivery."""
    from datetime import date, timedelta
    from decimal import Decimal

    from factory.orders import services as orders
    from factory.orders.models import Delivery, DeliveryLine

    data = orders.OrderInput(
        product="遥控器组装",
        skill_code="remote_assembly",
        quantity=100,
        lot_size=50,
        piece_rate_units=4000,
        standard_minutes=Decimal("1"),
        due_date=date.today() + timedelta(days=30),
        open_to_all=False,
        station_ids=[station.id],
    )
    order = orders.create_order(coordinator.enterprise_id, data, coordinator)
    orders.post_order(order, coordinator)
    orders.accept_order(order, station.id, 100, organiser)
    delivery = Delivery(
        order=order,
        station_id=station.id,
        delivered_on=date.today(),
        pieces=10,
        lines=[DeliveryLine(lot=order.lots[0], pieces=10)],
    )
    db.session.add(delivery)
    db.session.flush()
    return order, delivery


# How to find, for an acting role, an object id of the other tenant for each URL parameter name.
# A new object route whose parameter is not here makes test_object_routes_cover_every_parameter fail.
def other_tenant_ids(tenants: dict[str, Any], role: str) -> dict[str, int]:
    b = tenants["b"]
    return {
        "token_id": b["tokens"][role].id,
        "job_id": b["jobs"][role].id,
        "user_id": b["users"]["admin"].id,  # only admin routes take a user id; others must refuse
        "order_id": b["order"].id,
        "delivery_id": b["delivery"].id,
        # reference data only the administrator edits (the routes are admin-only)
        "wage_id": db.session.scalar(db.select(MinimumWage.id).limit(1)),
        "district_id": b["station"].district_id,
        "worker_id": b["worker"].user_id,
        "course_id": b["course"].id,
        "skill_id": b["course"].skill_id,  # skills are reference data: only the administrator edits them
        "task_id": b["task"].id,
        "inspection_id": b["inspection"].id,
        "reason_id": b["reason"].id,
        "run_id": b["run"].id,
        "plan_id": b["run"].id,
        "pin_id": b["pin"].id,
        "period_id": b["period"].id,
        "slip_id": b["slip"].id,
        "adjustment_id": b["adjustment"].id,
        "fmt": "csv",  # not an object: the file format of a download
    }


# Parameters the administrator (the city's employment service) may reach in every tenant by design, or that
# name reference data only the administrator edits; the administrator skips them in the tenant walk.
ADMIN_SEES_EVERY_TENANT = {
    "user_id",
    "wage_id",
    "district_id",
    "order_id",
    "delivery_id",
    "skill_id",
    "worker_id",
    "course_id",
    "run_id",  # the administrator sees every station's plans
    "plan_id",
    "period_id",
    "slip_id",
    "job_id",  # the administrator looks after everyone's background jobs
}


def object_rules(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint != "static"]


def test_object_routes_cover_every_parameter(app: Flask, two_tenants: dict[str, Any]) -> None:
    known = set(other_tenant_ids(two_tenants, "admin"))
    for rule in object_rules(app):
        assert rule.arguments <= known, f"{rule.rule}: add its parameters to other_tenant_ids"


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_another_tenants_objects(
    app: Flask, make_client: Any, two_tenants: dict[str, Any], role: str
) -> None:
    user = two_tenants["a"]["users"][role]
    client = make_client(user)
    token = _token(two_tenants, role)
    ids = other_tenant_ids(two_tenants, role)
    checked = 0
    for rule in object_rules(app):
        with app.test_request_context():
            roles = declared_roles(rule.endpoint)
        if rule.arguments & ADMIN_SEES_EVERY_TENANT and role == "admin":
            continue  # the administrator manages every account by design
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", str(ids[name]), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            data = {"csrf_token": client.csrf_token("/account")} if method == "POST" else None
            response = client.open(path, method=method, data=data, headers=headers)
            assert response.status_code in (403, 404), (
                f"{role} {method} {path} -> {response.status_code} (declares {roles})"
            )
            checked += 1
    assert checked > 0


def _token(tenants: dict[str, Any], role: str) -> str:
    from factory.accounts import services

    _, secret = services.create_token(tenants["a"]["users"][role], "acting")
    db.session.flush()
    return secret


def test_own_objects_are_reachable(app: Flask, make_client: Any, two_tenants: dict[str, Any]) -> None:
    """The same routes answer for the user's own objects, so the refusals above are about tenancy."""
    a = two_tenants["a"]
    for role in ROLES:
        client = make_client(a["users"][role])
        assert client.get(f"/jobs/{a['jobs'][role].id}").status_code == 200
        response = client.post(
            f"/account/tokens/{a['tokens'][role].id}/revoke",
            data={"csrf_token": client.csrf_token("/account")},
        )
        assert response.status_code == 302


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/admin/stations", {"admin"}),
        ("/admin/enterprises", {"admin"}),
        ("/admin/staff", {"admin"}),
        ("/admin/audit/", {"admin"}),
        ("/admin/reference", {"admin", "organiser", "coordinator"}),
        ("/admin/skills", {"admin"}),
        ("/workers/", {"admin", "organiser"}),
        ("/workers/new", {"admin", "organiser"}),
        ("/workers/import", {"admin", "organiser"}),
        ("/workers/courses", {"admin", "organiser"}),
        ("/workers/export.csv", {"admin", "organiser"}),
        ("/my/hours", {"worker"}),
        ("/my/profile", {"worker"}),
        ("/account", set(ROLES)),
        ("/", set(ROLES)),
    ],
)
def test_pages_by_role(make_client: Any, make_user: Any, path: str, allowed: set[str]) -> None:
    for role in ROLES:
        client = make_client(make_user(role))
        status = client.get(path).status_code
        assert (status == 200) == (role in allowed), f"{role} {path} -> {status}"


def test_anonymous_is_sent_to_login(client: Any) -> None:
    response = client.get("/admin/stations")
    assert response.status_code == 302
    assert "/login?next=/admin/stations" in response.headers["Location"]


def test_api_without_token_is_401_in_the_error_shape(client: Any) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
