"""Declining a task and handing its pieces in from a phone without network: the change waits in the outbox,
is sent once when the network is back, and a change the station refuses by then says so and stays listed."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select

from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.production.models import Notice, Task, TaskRequestKey
from tests.e2e.conftest import login, shot
from tests.e2e.test_offline_pages import COPY_OF, wait_until

DECLINER = "13900000044"  # 宋桂英, a demo worker of the third station with a task starting tomorrow
HANDER = "13900000042"  # 黄丽华, a demo worker there with a task under way
TAKER = "13900000043"  # 高慧敏, a worker there without a task


def _state(live_app: Any, task_id: int) -> dict[str, Any]:
    with live_app.app_context():
        task = db.session.get(Task, task_id)
        out = {
            "status": task.status,
            "declines": db.session.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.action == "task.decline", AuditEntry.object_id == task_id
                )
            ),
            "keys": db.session.scalar(
                select(func.count(TaskRequestKey.id)).where(TaskRequestKey.task_id == task_id)
            ),
            "notices": db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "task_declined")),
        }
        db.session.remove()
    return out


def back_online_until(page: Any, locator: Any, text: str) -> None:
    """Tell the page the network is back (as the phone does, and its timer every 15 s) until `locator` shows
    `text`: a send that failed is tried again on the next nudge."""
    for _ in range(200):
        page.evaluate("window.dispatchEvent(new Event('online'))")
        if locator.inner_text() == text:
            return
        page.wait_for_timeout(50)
    expect(locator).to_have_text(text)


def test_worker_declines_a_task_offline_and_it_is_sent_once(page: Any, live_app: Any) -> None:
    login(page, DECLINER)
    wait_until(page, COPY_OF, "/today", True)  # the service worker is in charge
    link = page.locator("a[data-task-link]").first
    path = link.get_attribute("href")
    task_id = int(path.rsplit("/", 1)[1])
    page.goto(path)
    wait_until(page, COPY_OF, path, True)
    before = _state(live_app, task_id)
    assert before["status"] == "assigned" and before["declines"] == 0

    page.context.set_offline(True)
    page.reload()  # the copy the phone kept
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    page.locator("details.decline summary").click()
    page.fill(f"#reason-{task_id}", "孩子生病，这周做不了")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))  # asked first; not now
    page.locator("form.queued-action[data-kind=decline] button").click()
    assert asked and asked[0].startswith("确定不做") and "站点会把它交给别人" in asked[0]
    expect(page.locator("#outbox")).not_to_contain_text("待发送")
    page.once("dialog", lambda d: d.accept())
    page.locator("form.queued-action[data-kind=decline] button").click()
    note = page.locator(f"[data-pending-of='{task_id}']")
    expect(note).to_have_text("等待发送：您拒绝了这个任务。")
    expect(page.locator("#outbox")).to_contain_text("待发送：1")
    expect(page.locator("details.decline")).to_be_hidden()  # no second tap
    shot(page, "worker-offline-decline")
    page.reload()  # still waiting on the phone
    expect(note).to_have_text("等待发送：您拒绝了这个任务。")
    assert _state(live_app, task_id) == before

    # the first answer is lost on the way back: the phone sends the decline again, with the same key
    lost: list[str] = []

    def lose_answer(route: Any) -> None:
        if not lost:
            route.fetch()
            lost.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/decline", lose_answer)
    page.context.set_offline(False)
    back_online_until(page, note, "您已拒绝这个任务，已通知站点负责人。")
    expect(page.locator(".badge[data-status]")).to_have_text("已拒绝")
    assert lost
    after = _state(live_app, task_id)
    assert after["status"] == "declined" and after["declines"] == 1 and after["keys"] == 1
    assert after["notices"] == before["notices"] + 1


def test_a_hand_in_the_station_refuses_when_it_arrives_says_so_and_stays_listed(
    page: Any, live_app: Any
) -> None:
    from factory.accounts.models import Role, User
    from factory.production import services

    login(page, HANDER)
    wait_until(page, COPY_OF, "/today", True)
    form = page.locator("form.queued-action[data-kind=hand_in]").first
    task_id = int(form.get_attribute("data-task"))
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))  # not now: nothing queued
    form.locator("button").click()
    assert asked and asked[0].startswith("确定交回") and "的成品吗？交回后由站点质检。" in asked[0]
    expect(page.locator("#outbox")).not_to_contain_text("待发送：1")
    page.once("dialog", lambda d: d.accept())
    form.locator("button").click()
    note = page.locator(f"[data-pending-of='{task_id}']")
    expect(note).to_have_text("等待发送：您已交回成品。")
    expect(page.locator("#outbox")).to_contain_text("待发送：1")
    expect(form).to_be_hidden()

    # meanwhile the organiser gives the rest of the lot to someone else
    with live_app.app_context():
        task = db.session.get(Task, task_id)
        organiser = db.session.scalar(
            select(User).where(User.station_id == task.station_id, User.role == Role.ORGANISER)
        )
        taker = db.session.scalar(select(User).where(User.mobile == TAKER))
        services.reassign_task(task_id, taker.id, organiser)
        db.session.commit()
        db.session.remove()

    page.context.set_offline(False)
    refused = page.locator("#outbox-refused")
    back_online_until(
        page, note, "这个任务已经不归您了：站点负责人已收回，或把这批活交给了别人。请联系站点负责人。"
    )
    expect(refused).to_be_visible()
    assert "交回成品 · " in refused.inner_text() and "这个任务已经不归您了" in refused.inner_text()
    expect(page.locator("#outbox")).to_be_hidden()  # nothing waits any more
    expect(form).to_be_hidden()  # the page is from before: a reload shows what can be done now
    refused.scroll_into_view_if_needed()
    shot(page, "worker-outbox-refused")
    with live_app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "cancelled" and task.returned_at is None
        db.session.remove()

    page.reload()  # the server's page now; the refusal stays until the worker has read it
    expect(refused).to_be_visible()
    refused.locator("button").click()
    expect(refused).to_be_hidden()
    assert page.evaluate("() => localStorage.getItem('mf.outbox.v1')") == "[]"
