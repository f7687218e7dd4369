"""Browser journey for planning: the organiser plans the coming two weeks, reviews, pins, re-runs,
compares and publishes; a worker then finds the task on their phone. A re-run with one lot moved and
published again changes only that lot, and its two workers are told.

The demo station can make everything it holds, so the journey makes its own unplaced lots: the station's
two flower weavers (the demo's weaving class) are away for these weeks, and the organiser pauses them. The
plan then says why the flower lots have nobody, and that the lot one of them already has stays with her."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from factory.accounts.models import User
from factory.extensions import db
from factory.orders.models import Lot
from factory.planning import domain
from factory.planning.models import PlanPin, PlanRun
from factory.production.models import Task
from tests.e2e.conftest import login, shot

WEAVERS = ("13900000008", "13900000009")  # 吴美玲 and 何金凤, who finished 辽源路's weaving class


def _set_paused(page: Any, live_app: Any, mobile: str, button: str) -> str:
    """On the worker's page, the organiser pauses them or gives them work again; returns their name."""
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.mobile == mobile))
        user_id, name = user.id, user.name
        db.session.remove()
    page.goto(f"/workers/{user_id}")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    assert name in page.locator(".flash").inner_text()
    return name


def pinned_lots() -> set[int]:
    return set(db.session.scalars(select(PlanPin.lot_id)))


def _phone(browser: Any, base_url: str) -> Any:
    """A second phone (its own cookies): 360x640, Chinese."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        locale="zh-CN",
        base_url=base_url,
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    context.set_default_timeout(15000)
    return context


def _worker_sees(browser: Any, base_url: str, mobile: str, notice: str, task_id: int | None) -> None:
    context = _phone(browser, base_url)
    try:
        phone = context.new_page()
        login(phone, mobile)
        phone.goto("/today")
        assert notice in phone.locator(".notices").inner_text()
        if task_id is not None:  # the plan starts tomorrow: the task waits under the next tasks
            assert phone.locator(f"a[href$='/today/tasks/{task_id}']").count() == 1
            shot(phone, "planning-worker-today")
        phone.get_by_role("button", name="知道了").click()  # the notices are read
        phone.wait_for_load_state()
        assert phone.locator(".notices").count() == 0
    finally:
        context.close()


def test_organiser_plans_two_weeks_pins_reruns_compares_and_publishes(
    page: Any, live_app: Any, browser: Any, base_url: str
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "13800000021")  # 李秀英, organiser of the demo station
    # the two residents who weave flowers cannot work in the coming two weeks: no new work for them
    holder, _other = [_set_paused(page, live_app, m, "暂停（不派新活）") for m in WEAVERS]
    page.goto("/")
    page.get_by_role("link", name="排未来两周的活").click()
    page.wait_for_url("**/planning/")
    page.get_by_role("button", name="开始排产").click()
    page.wait_for_url(re.compile(r"/planning/runs/\d+$"))
    page.locator("#workers").wait_for()  # the review (a small station solves in well under a second)
    first_url = page.url

    # why each unplaced lot is unplaced, in plain words: nobody with hours weaves flowers now
    unplaced = page.locator("#unplaced .lot")
    assert unplaced.count() > 0
    for i in range(unplaced.count()):
        reason = unplaced.nth(i).locator(".reason").inner_text()
        assert re.search(r"[\u4e00-\u9fff]", reason)
    assert "这几天有空的工人里，没有会做「手工编花」的。" in page.locator("#unplaced").inner_text()
    assert page.locator("#fairness .fair-row").count() >= 10  # every worker who offers hours, by name
    assert "这不是时薪" in page.locator("#fairness").inner_text()
    # the flower lot 吴美玲 was already given stays with her, on the days she was told, unless withdrawn
    effect = page.locator("#publish-effect .effect-unplaced")
    assert effect.count() == 1
    assert f"仍留给 {holder}" in effect.inner_text() and "日期不变" in effect.inner_text()
    assert page.locator("input[name=withdraw_unplaced]").count() == 1
    shot(page, "planning-review")
    # giving a flower lot by hand to someone who cannot weave is refused, with the reason
    lot = unplaced.first
    lot.locator("summary", has_text="手动分给某人").click()
    lot.locator("select[name=worker_id]").select_option(label="王秀英")
    lot.get_by_role("button", name="分给他").click()
    page.wait_for_load_state()
    assert "不能这样调：王秀英不会做「手工编花」" in page.locator("#refusal").inner_text()

    # pin one lot to its worker
    first_lot = page.locator("#workers .lot").first
    lot_id = first_lot.get_attribute("id")
    first_lot.get_by_role("button", name="固定").click()
    page.wait_for_load_state()
    assert page.locator(f"#{lot_id} .badge").inner_text().strip().endswith("已固定")

    # re-run keeping the pin
    page.get_by_role("button", name="保留固定，重新排产").click()
    page.wait_for_url(lambda url: url != first_url and "/planning/runs/" in url)
    page.locator("#workers").wait_for()
    assert "重排" in page.locator("main, body").first.inner_text()
    assert page.locator(f"#{lot_id} .badge").inner_text().strip().endswith("已固定")

    # compare the two runs
    page.get_by_role("button", name="对比").click()
    page.wait_for_url("**/compare?**")
    assert page.get_by_text("哪些批次变了").count() == 1
    assert page.locator("table.compare tbody tr").count() >= 6
    shot(page, "planning-compare")
    page.go_back()

    # publish: the workers get their tasks
    page.get_by_role("button", name="发布给工人").click()
    page.wait_for_load_state()
    note = page.locator(".ok-note").inner_text()
    assert "已发布" in note and "已通知" in note
    shot(page, "planning-published")

    run_id = int(page.url.rstrip("/").split("/")[-1])
    with live_app.app_context():
        from factory.production.models import Notice

        tasks = db.session.scalars(select(Task).where(Task.plan_run_id == run_id)).all()
        assert tasks
        assert all(t.status == "assigned" and t.days for t in tasks)
        told = set(db.session.scalars(select(Notice.user_id).where(Notice.kind == "task_new")))
        assert {t.worker_id for t in tasks} <= told
        first = min(tasks, key=lambda t: t.id)
        worker = db.session.get(User, first.worker_id)
        mobile = worker.mobile
        notice = f"新任务：{first.order.product}，批次 {first.lot.index}"
        first_id = first.id
        # every task given out and not yet picked up at the station, as it stands now
        before = {
            t.lot_id: (t.id, t.worker_id, [(d.day, d.pieces) for d in t.days])
            for t in db.session.scalars(
                select(Task).where(Task.station_id == first.station_id, Task.status == "assigned")
            )
        }
        db.session.remove()

    # the worker whose lot was published opens their phone: the notice, and the task on /today
    _worker_sees(browser, base_url, mobile, notice, first_id)

    # the organiser re-runs, moves one lot to someone else, and publishes again
    page.get_by_role("button", name="保留固定，重新排产").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1] != str(run_id))
    page.locator("#workers").wait_for()
    third = int(page.url.rstrip("/").split("/")[-1])
    with live_app.app_context():
        run = db.session.get(PlanRun, third)
        held = domain.holders(run.plan, run.lots)
        ref = domain.lot_index(run.lots)
        lot_id = next(x for x in sorted(held) if x not in pinned_lots())
        order_key, k = ref[lot_id].order_key, ref[lot_id].k
        target = next(
            domain.id_number(w["id"])
            for w in run.instance["workers"]
            if domain.id_number(w["id"]) != held[lot_id]
            and domain.move_lot(run.instance, run.plan, order_key, k, w["id"])[1] is None
        )
        loser = db.session.get(User, held[lot_id])
        winner = db.session.get(User, target)
        lot = db.session.get(Lot, lot_id)
        product, index = lot.order.product, lot.index
        mobiles = (loser.mobile, winner.mobile)
        db.session.remove()
    row = page.locator(f"#lot-{lot_id}")
    row.locator("summary", has_text="调给别人").click()
    row.locator("select").select_option(str(target))
    row.get_by_role("button", name="调给别人").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="发布给工人").click()
    page.wait_for_load_state()
    assert "已发布" in page.locator(".ok-note").inner_text()
    with live_app.app_context():
        run = db.session.get(PlanRun, third)
        placed = set(domain.holders(run.plan, run.lots))
        live = db.session.scalars(select(Task).where(Task.status.not_in(("cancelled", "declined")))).all()
        mine = {t.lot_id: t for t in live if t.lot_id in before}
        assert mine[lot_id].worker_id == target
        changed = {
            x
            for x, t in mine.items()
            if (t.id, t.worker_id, [(d.day, d.pieces) for d in t.days]) != before[x]
        }
        assert lot_id in changed
        # only what changed was written: every other task is the same row as before, on the same days
        assert run.publish_result["changed"] == len(changed)
        assert run.publish_result["unchanged"] == len((set(before) & placed) - changed)
        assert run.publish_result["kept_unplaced"] == 1  # 吴美玲's flower lot, still with her
        assert run.publish_result["created"] == 0 and run.publish_result["cancelled"] == 0
        db.session.remove()
    # the worker who lost the lot is told, and so is the one who got it
    _worker_sees(browser, base_url, mobiles[0], f"任务已撤回：{product}，批次 {index}", None)
    _worker_sees(browser, base_url, mobiles[1], f"新任务：{product}，批次 {index}", None)

    # the weavers are back: they can be given work again
    for mobile in WEAVERS:
        _set_paused(page, live_app, mobile, "恢复派活")
