"""Planning pages: the organiser plans, reviews, pins, moves, re-runs, compares and publishes."""

from __future__ import annotations

import re
from datetime import timedelta
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
    assert html.count('class="fair-row"') == 3  # every worker who offers hours, each labelled
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
    assert "这几天有空的工人里，没有会做「冰箱贴彩绘」的。" in html


def test_publishing_says_which_given_tasks_it_leaves_unplaced_and_keeps_them_unless_asked(
    world: World, make_client: Any
) -> None:
    """A plan that cannot place lots already given out: the page names each lot and who has it, publishing
    leaves them with their workers, and only the ticked box (with the list the organiser saw) withdraws them."""
    from factory.workers import services as workers

    client = make_client(world.organiser)
    first = finished(client, start(client, start=default_start().isoformat()))
    path = f"/planning/runs/{first.id}"
    assert client.submit(f"{path}/publish", {}, token_from=path).status_code == 303
    given = {t.lot_id: t.worker_id for t in db.session.scalars(select(Task)).all()}
    assert len(given) == 3
    for user in world.workers[:2]:  # the remote-control workers are away for these two weeks
        workers.set_weekly_hours(world.organiser, workers.ensure_profile(user), [0] * 7)
    db.session.commit()
    second = finished(client, start(client, start=default_start().isoformat()))
    assert second.plan["assignments"] == []
    path = f"/planning/runs/{second.id}"
    html = client.get(path).get_data(as_text=True)
    assert 'id="publish-effect"' in html
    assert html.count('class="effect-unplaced"') == 3
    assert "这个方案没有排它，所以仍留给 王阿姨" in html
    # they have no hours left in these two weeks: kept, their lots lose the days they can no longer keep
    assert html.count("为了不超出这位工人能干的时间，日期有变：") == 3
    assert html.count('改为 <span class="day">这 14 天里排不上</span>') == 3
    assert 'name="withdraw_unplaced"' in html
    assert "收回后没有人接手" in html

    kept = client.submit(f"{path}/publish", {}, token_from=path)
    assert kept.status_code == 303
    live = db.session.scalars(select(Task).where(Task.status == "assigned")).all()
    assert {t.lot_id: t.worker_id for t in live} == given  # nobody lost a task without being asked
    assert "仍留给原来的工人" in client.get(path).get_data(as_text=True)

    seen = ",".join(str(x) for x in sorted(given))
    stale = client.submit(
        f"{path}/publish", {"withdraw_unplaced": "1", "seen_unplaced": seen.split(",")[0]}, token_from=path
    )
    assert stale.status_code == 409
    assert "请再看一遍清单" in stale.get_data(as_text=True)
    assert len(db.session.scalars(select(Task).where(Task.status == "assigned")).all()) == 3

    withdrawn = client.submit(
        f"{path}/publish", {"withdraw_unplaced": "1", "seen_unplaced": seen}, token_from=path
    )
    assert withdrawn.status_code == 303
    assert db.session.scalars(select(Task).where(Task.status == "assigned")).all() == []


def test_the_page_shows_whose_days_change_before_publishing(
    make_user: Any, make_station: Any, make_client: Any
) -> None:
    """王阿姨 says she cannot work tomorrow: the new plan keeps her lot with her, on another day. The page
    names her, the lot, and the old and new days, before anything is published."""
    from datetime import timedelta

    from factory.workers import services as workers

    from .test_services import _one_assembler

    world, wang = _one_assembler(make_user, make_station)
    world.order(lots=1, lot_size=90, due=6)
    client = make_client(world.organiser)
    first = finished(client, start(client, start=default_start().isoformat()))
    path = f"/planning/runs/{first.id}"
    assert client.submit(f"{path}/publish", {}, token_from=path).status_code == 303
    assert 'id="days-change"' not in client.get(path).get_data(as_text=True)  # published: nothing to change
    day0 = default_start()
    workers.set_days(world.organiser, workers.ensure_profile(wang), {day0: 0})
    db.session.commit()
    second = finished(client, start(client, start=day0.isoformat()))
    html = client.get(f"/planning/runs/{second.id}").get_data(as_text=True)
    assert 'id="days-change"' in html
    assert "工人不变、日期有变（1 个批次）：" in html
    day1 = (day0 + timedelta(days=1)).strftime("%m-%d")
    line = re.search(r'<li class="effect-days">(.*?)</li>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", line)
    assert text == f"王阿姨 · 遥控器组装 第 1 批： 原来 {day0:%m-%d}：90 件 改为 {day1}：90 件"
    assert 'name="withdraw_unplaced"' not in html


def test_publishing_names_the_lots_that_go_to_another_worker(world: World, make_client: Any) -> None:
    client = make_client(world.organiser)
    first = finished(client, start(client, start=default_start().isoformat()))
    path = f"/planning/runs/{first.id}"
    assert client.submit(f"{path}/publish", {}, token_from=path).status_code == 303
    held = domain.holders(first.plan, first.lots)
    wang, li = world.workers[0], world.workers[1]
    lot_id = min(x for x, w in held.items() if w == wang.id) if wang.id in held.values() else min(held)
    holder = held[lot_id]
    other = li if holder == wang.id else wang
    second = finished(client, client.submit(f"{path}/rerun", {}, token_from=path))
    path = f"/planning/runs/{second.id}"
    moved = client.submit(f"{path}/move", {"lot_id": lot_id, "worker_id": other.id}, token_from=path)
    assert moved.status_code == 303
    html = client.get(path).get_data(as_text=True)
    names = {wang.id: "王阿姨", li.id: "李大姐"}
    assert f"从 {names[holder]} 调给 {names[other.id]}" in html
    assert "个批次会调给别人" in html  # the confirmation says it too
    assert 'name="withdraw_unplaced"' not in html  # nothing is left without a worker


def test_the_idle_count_and_the_list_use_one_definition(world: World, make_client: Any) -> None:
    """赵师傅 knits, and no open lot needs knitting: he is listed without work, with the reason, and not
    counted among the residents who could work but get none."""
    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    count = int(re.search(r'id="idle-count">(\d+)<', html).group(1))
    assert count == run.stats["eligible_without_work"]
    idle_links = re.findall(r"能干活却没分到活：(.*?)</p>", html)
    assert len(idle_links) == (1 if count else 0)
    assert "赵师傅（没有对口技能）" in html
    assert "“能干活”指" in html


def test_the_fairness_figures_are_not_read_as_a_wage_and_every_worker_is_labelled(
    world: World, make_client: Any
) -> None:
    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    assert "计划收入 ÷ 可用工时" in html and "这不是时薪" in html
    assert "计划时薪" not in html
    rows = re.findall(r'<span class="fair-name">(.*?)</span>', html)
    assert sorted(rows) == sorted(["王阿姨", "李大姐", "赵师傅"])
    assert "每个可用小时" in html


def test_the_plan_shows_whole_pieces_per_day(world: World, make_client: Any) -> None:
    """1.15 hours a day at 30 or 20 pieces an hour: the engine plans 34.5 or 23 pieces a day (fractions are
    allowed there); the page shows whole pieces that still add up to the lots."""
    from factory.workers import services as workers

    for user in world.workers[:2]:
        workers.set_weekly_hours(world.organiser, workers.ensure_profile(user), ["1.15"] * 5 + [0, 0])
    db.session.commit()
    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    planned = [d["pieces"] for a in run.plan["assignments"] for d in a["days"]]
    assert any(p != int(p) for p in planned)
    shown = [int(x) for x in re.findall(r'<span class="day">\d\d-\d\d <b>(\d+)</b></span>', html)]
    assert sum(shown) == sum(a["pieces"] for a in run.plan["assignments"])
    assert not re.search(r'<span class="day">\d\d-\d\d <b>[\d.]*\.\d', html)


def test_the_organiser_sees_what_changed_since_the_plan_and_decides(world: World, make_client: Any) -> None:
    from factory.workers import services as workers

    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    path = f"/planning/runs/{run.id}"
    assert 'id="plan-changes"' not in client.get(path).get_data(as_text=True)
    workers.set_weekly_hours(world.organiser, workers.ensure_profile(world.workers[0]), [1] * 5 + [0, 0])
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    changes = html[html.index('id="plan-changes"') : html.index('class="row actions"')]
    assert "1 处变动" in changes and "王阿姨 · 修改每周时间" in changes
    seen = re.search(r'name="changes_seen" value="(\d+)"', html)
    assert seen is not None and int(seen.group(1)) > 0
    # a page shown before the change sends an older mark: look again, nothing given out
    stale = client.submit(f"{path}/publish", {"changes_seen": "0"}, token_from=path)
    assert stale.status_code == 409 and "plan-refusal" in stale.get_data(as_text=True)
    assert db.session.scalar(select(Task)) is None
    published = client.submit(f"{path}/publish", {"changes_seen": seen.group(1)}, token_from=path)
    assert published.status_code == 303
    assert db.session.scalar(select(Task)) is not None


def test_a_plan_for_days_gone_by_is_re_run_from_today(world: World, make_client: Any) -> None:
    from factory.orders.services import local_today

    client = make_client(world.organiser)
    run = finished(client, start(client, start=default_start().isoformat()))
    run.start_date = local_today() - timedelta(days=2)
    db.session.commit()
    path = f"/planning/runs/{run.id}"
    html = client.get(path).get_data(as_text=True)
    assert 'id="plan-past"' in html and "publish-form" not in html
    assert client.submit(f"{path}/publish", {}, token_from=path).status_code == 409
    again = finished(client, client.submit(f"{path}/rerun", {}, token_from=path))
    assert again.previous_run_id == run.id and again.start_date == local_today()


def test_a_plan_cannot_start_on_a_day_gone_by(world: World, make_client: Any) -> None:
    from factory.orders.services import local_today

    client = make_client(world.organiser)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    response = start(client, start=yesterday)
    assert response.status_code == 422
    assert f"计划不能从已经过去的日子（{yesterday}）开始" in response.get_data(as_text=True)
    assert db.session.scalar(select(PlanRun)) is None
    assert finished(client, start(client, start=local_today().isoformat())).start_date == local_today()
