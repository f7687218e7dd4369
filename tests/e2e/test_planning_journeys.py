"""Browser journey for planning: the organiser plans the coming two weeks, reviews, pins, re-runs,
compares and publishes; the workers then hold their tasks."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.e2e.conftest import login, shot


def test_organiser_plans_two_weeks_pins_reruns_compares_and_publishes(page: Any, live_app: Any) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "13800000021")  # 李秀英, organiser of the demo station
    page.get_by_role("link", name="排未来两周的活").click()
    page.wait_for_url("**/planning/")
    page.get_by_role("button", name="开始排产").click()
    page.wait_for_url(re.compile(r"/planning/runs/\d+$"))
    page.locator("#workers").wait_for()  # the review (a small station solves in well under a second)
    first_url = page.url

    # why each unplaced lot is unplaced, in plain words
    unplaced = page.locator("#unplaced .lot")
    assert unplaced.count() > 0
    for i in range(unplaced.count()):
        reason = unplaced.nth(i).locator(".reason").inner_text()
        assert re.search(r"[\u4e00-\u9fff]", reason)
    assert "没有会做「手工编花」的工人" in page.locator("#unplaced").inner_text()
    assert page.locator("#fairness svg").count() == 1
    shot(page, "planning-review")

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
        from factory.extensions import db
        from factory.production.models import Notice, Task

        tasks = db.session.scalars(select(Task).where(Task.plan_run_id == run_id)).all()
        assert tasks
        assert all(t.status == "assigned" and t.days for t in tasks)
        told = set(db.session.scalars(select(Notice.user_id).where(Notice.kind == "task_new")))
        assert {t.worker_id for t in tasks} <= told
