"""Planning pages: the organiser plans, reviews, pins, moves, re-runs, compares and publishes."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from factory.extensions import db
from factory.planning import domain
from factory.planning.models import PlanPin, PlanRun
from factory.planning.services import default_start
from factory.production.models import Task

from .conftest import World


def start(client: Any, **data: Any) -> Any:
    values = {"start": "", "days": "14"}
    values.update(data)
    return client.submit("/planning/runs", values, token_from="/planning/")


def finished(client: Any, response: Any) -> PlanRun:
    assert response.status_code == 303
    db.session.commit()
    run = db.session.scalars(select(PlanRun).order_by(PlanRun.id.desc())).first()
    db.session.refresh(run)
    return run


def test_organiser_plans_in_a_few_clicks_and_reviews(world: World, make_client: Any) -> None:
    client = make_client(world.organiser)
    page = client.get("/planning/")
    assert page.status_code == 200
    assert default_start().isoformat() in page.get_data(as_text=True)
    run = finished(client, start(client, start=default_start().isoformat()))
    review = client.get(f"/planning/runs/{run.id}")
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "王阿姨" in html and "李大姐" in html
    assert "<svg" in html  # the fairness chart
    assert "<meter" in html  # hours used of hours offered
    assert 'id="orders"' in html


def test_a_bad_start_form_is_refused_and_nothing_kept(world: World, make_client: Any) -> None:
    client = make_client(world.organiser)
    response = start(client, start="2026-13-40", days="0")
    assert response.status_code == 422
    assert db.session.scalar(select(PlanRun)) is None


def test_nothing_to_plan_is_said_plainly(world: World, make_client: Any) -> None:
    for order in world.orders:
        order.status = "cancelled"
    client = make_client(world.organiser)
    response = start(client, start=default_start().isoformat())
    assert response.status_code == 422
    assert "plan-refusal" in response.get_data(as_text=True)
    assert db.session.scalar(select(PlanRun)) is None


def test_pin_move_refusal_rerun_compare_publish(world: World, make_client: Any) -> None:
    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    held = domain.holders(run.plan, run.lots)
    lot_id = min(held)
    path = f"/planning/runs/{run.id}"
    # a move that breaks a rule is refused, with the rule named, and nothing changes
    refused = client.submit(
        f"{path}/move", {"lot_id": lot_id, "worker_id": world.workers[2].id}, token_from=path
    )
    assert refused.status_code == 422
    assert "赵师傅" in refused.get_data(as_text=True)
    db.session.refresh(run)
    assert domain.holders(run.plan, run.lots) == held
    # pin a lot to its worker
    pinned = client.submit(f"{path}/pins", {"lot_id": lot_id, "worker_id": held[lot_id]}, token_from=path)
    assert pinned.status_code == 303
    assert db.session.scalar(select(PlanPin).where(PlanPin.lot_id == lot_id)) is not None
    # re-run keeps the pin and starts from this plan
    again = client.submit(f"{path}/rerun", {}, token_from=path)
    second = finished(client, again)
    assert second.previous_run_id == run.id
    assert domain.holders(second.plan, second.lots)[lot_id] == held[lot_id]
    compare = client.get(f"/planning/runs/{second.id}/compare?with={run.id}")
    assert compare.status_code == 200
    assert f"#{run.id}" in compare.get_data(as_text=True)
    # publish: the workers get their tasks
    published = client.submit(
        f"/planning/runs/{second.id}/publish", {}, token_from=f"/planning/runs/{second.id}"
    )
    assert published.status_code == 303
    tasks = db.session.scalars(select(Task)).all()
    assert {t.lot_id for t in tasks} == set(held)
    # the older plan cannot be published over the newer one
    late = client.submit(f"{path}/publish", {}, token_from=path)
    assert late.status_code == 409
    assert len(db.session.scalars(select(Task)).all()) == 3


def test_the_run_page_shows_progress_and_cancel_while_it_runs(world: World, make_client: Any) -> None:
    from factory.jobs.models import Job

    job = Job(kind="plan_solve", user_id=world.organiser.id, params={}, status="running")
    db.session.add(job)
    db.session.flush()
    run = PlanRun(
        station_id=world.station.id, start_date=default_start(), days=14, instance={}, lots={}, job_id=job.id
    )
    db.session.add(run)
    db.session.flush()
    client = make_client(world.organiser)
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    assert "<progress" in html
    assert f"/planning/runs/{run.id}/cancel" in html
    status = client.get(f"/planning/runs/{run.id}.json").get_json()
    assert status["status"] == "running"
    assert status["finished"] is False


def test_another_station_cannot_see_the_run(world: World, make_client: Any, make_user: Any) -> None:
    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    stranger = make_client(make_user("organiser"))
    assert stranger.get(f"/planning/runs/{run.id}").status_code == 404


def test_the_unplaced_reason_reads_in_chinese(world: World, make_client: Any) -> None:
    world.order(skill="fridge_magnet", product="冰箱贴彩绘", lots=1)
    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    assert re.search("没有会做「冰箱贴彩绘」的工人", html)
