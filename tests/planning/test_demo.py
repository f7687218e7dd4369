"""The demo is believable for planning: every station's residents can do the work their station holds, so
a new user who plans a station's coming two weeks sees every lot with a worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from factory.accounts.models import Station
from factory.extensions import db
from factory.planning import services
from factory.scheduling import check_plan, parse_instance, solve
from factory.workers.models import Course


def test_every_demo_station_can_place_all_its_open_lots(app: Any) -> None:
    from factory.demo.seed import STATIONS, seed

    seed()
    for name, _district, _address in STATIONS:
        station = db.session.scalar(select(Station).where(Station.name == name))
        built = services.build(station.id, services.default_start(), services.DEFAULT_DAYS)
        inst = built.instance
        assert inst["orders"], name  # the demo leaves work to plan at every station
        offered = {
            skill
            for w in inst["workers"]
            if sum(w["hours"]) > 0
            for skill, speed in w["speed"].items()
            if speed > 0
        }
        assert {o["skill"] for o in inst["orders"]} <= offered, name
        plan = solve(inst, time_limit=5)
        assert check_plan(parse_instance(inst), plan).valid
        assert plan["unassigned"] == [], (name, plan["unassigned"])


def test_the_flower_weavers_of_the_first_station_learnt_it_in_a_class(app: Any) -> None:
    from factory.demo.seed import seed

    seed()
    course = db.session.scalar(select(Course).where(Course.name.contains("手工编花")))
    assert course.skill.code == "flower_weaving"
    finished = [p for p in course.participants if p.completed_at]
    assert len(finished) == 2 and len(course.participants) == 3
    assert all(any(s.skill.code == "flower_weaving" for s in p.worker.skills) for p in finished)
    seed()  # twice: still one class
    assert len(db.session.scalars(select(Course).where(Course.name.contains("手工编花"))).all()) == 1
