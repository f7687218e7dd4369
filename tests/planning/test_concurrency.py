"""Two organisers publish two plans of the same station at the same moment, on real connections.

The test has a database of its own (a temp SQLite file, or a fresh PostgreSQL database on that pass), so
each request really commits and the two really race: exactly one plan wins, the other organiser is told
plainly, and the workers hold the winner's tasks only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from factory.extensions import db


@dataclass
class Race:
    app: Flask
    run_ids: list[int]  # one finished run per organiser, different plans
    tokens: list[str]  # the organisers' API tokens
    holders: dict[int, dict[int, int]]  # run id -> lot id -> worker id


@pytest.fixture
def race(tmp_path: Path, own_queue: None) -> Iterator[Race]:
    from factory.accounts import services as accounts
    from factory.accounts.models import Enterprise, Station
    from factory.orders import services as orders
    from factory.planning import domain, services
    from factory.reference.models import District
    from factory.workers import services as workers
    from tests.conftest import committing_app

    with committing_app(tmp_path, "planning", PLANNING_TIME_LIMIT=5) as app:
        with app.app_context(), app.test_request_context():
            district = db.session.scalar(select(District).where(District.name == "市北区"))
            station = Station(name="并发排产站", district=district)
            enterprise = Enterprise(name="并发排产企业")
            db.session.add_all([station, enterprise])
            db.session.flush()
            organisers = [
                accounts.create_user("organiser", f"1370000000{i}", f"站长{i}", station=station)[0]
                for i in range(2)
            ]
            for i, speed in enumerate((30, 25, 20)):
                user = accounts.create_user("worker", f"1370000001{i}", f"工人{i}", station=station)[0]
                profile = workers.ensure_profile(user)
                workers.set_skill(organisers[0], profile, "remote_assembly", speed)
                workers.set_weekly_hours(organisers[0], profile, [3] * 5 + [0, 0])
            coordinator = accounts.create_user("coordinator", "13700000020", "专员", enterprise=enterprise)[0]
            data = orders.OrderInput(
                product="遥控器组装",
                skill_code="remote_assembly",
                quantity=300,
                lot_size=100,
                piece_rate_units=4000,
                standard_minutes=Decimal("1"),
                due_date=orders.local_today() + timedelta(days=10),
            )
            order = orders.create_order(enterprise.id, data, coordinator)
            orders.post_order(order, coordinator)
            orders.accept_order(order, station.id, 300, organisers[0])
            db.session.commit()
            runs = []
            for organiser in organisers:
                run = services.start_run(organiser, station.id)
                db.session.commit()  # the job solves it once the run is committed
                db.session.refresh(run)
                assert run.state == "done", run.failure
                runs.append(run)
            # the second organiser moves a lot, so that the two plans differ
            first = domain.holders(runs[0].plan, runs[0].lots)
            lot_id = min(first)
            other = next(
                w
                for w in db.session.scalars(select(services.User.id).where(services.User.role == "worker"))
                if w != first[lot_id]
            )
            services.move(organisers[1], runs[1], lot_id, other)
            db.session.commit()
            race = Race(
                app,
                [r.id for r in runs],
                [accounts.create_token(o, "t")[1] for o in organisers],
                {r.id: domain.holders(r.plan, r.lots) for r in runs},
            )
            db.session.commit()
            assert race.holders[runs[0].id] != race.holders[runs[1].id]
        yield race


def test_two_organisers_publishing_at_once_cannot_publish_over_each_other(race: Race) -> None:
    from factory.planning.models import PlanRun
    from factory.production.models import DEAD, Notice, Task

    barrier = threading.Barrier(2)

    def publish(i: int) -> tuple[int, dict[str, Any]]:
        client = race.app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/plans/{race.run_ids[i]}/publish",
            headers={"Authorization": f"Bearer {race.tokens[i]}", "Accept-Language": "zh-CN"},
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(publish, range(2)))
    statuses = [status for status, _ in answers]
    assert sorted(statuses) == [200, 409], answers
    winner = race.run_ids[statuses.index(200)]
    loser_body = answers[statuses.index(409)][1]
    assert loser_body["error"]["code"] == "superseded"
    assert f"#{winner}" in loser_body["error"]["message"]
    assert "重新排产" in loser_body["error"]["message"]  # what to do next, in the organiser's language
    with race.app.app_context():
        live = db.session.scalars(select(Task).where(Task.status.not_in(DEAD))).all()
        assert {t.lot_id: t.worker_id for t in live} == race.holders[winner]
        assert {t.plan_run_id for t in live} == {winner}
        assert len(db.session.scalars(select(Task)).all()) == 3  # nothing was written and then undone
        published = db.session.scalars(select(PlanRun.id).where(PlanRun.published_at.is_not(None))).all()
        assert published == [winner]
        told = set(db.session.scalars(select(Notice.user_id).where(Notice.kind == "task_new")))
        assert told == set(race.holders[winner].values())
        db.session.remove()
