"""The floor on a 360x640 phone in Chinese: a worker reports through a lost network; an organiser hands
material out and takes it back, inspects and sends pieces back for rework."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select

from factory.extensions import db
from factory.production.models import Inspection, MaterialMovement, Report, Task
from tests.e2e.conftest import login, shot

WORKER = "13900000001"  # the first demo worker of 辽源路 (README's worker login)
ORGANISER = "13800000021"  # 李秀英, the organiser there


def _task(live_app: Any, task_id: int) -> tuple[int, int]:
    with live_app.app_context():
        task = db.session.get(Task, task_id)
        reports = db.session.scalar(select(func.count(Report.id)).where(Report.task_id == task_id))
        out = (task.reported, reports)
        db.session.remove()
    return out


def test_worker_reports_offline_twice_and_each_report_counts_once(page: Any, live_app: Any) -> None:
    login(page, WORKER)
    assert page.url.endswith("/today")  # a worker lands on today's tasks
    card = page.locator("article.task").first
    assert card.locator("h2").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "worker-today")
    form = card.locator("form.report")
    field = form.locator("input[name=pieces]")
    left = card.locator("[data-left-of]")
    task_id = int(form.get_attribute("data-task"))
    reported_before, reports_before = _task(live_app, task_id)
    left_before = int(left.inner_text())

    page.context.set_offline(True)
    for _ in range(4):
        form.locator("button.step[data-step='1']").click()  # + four times
    assert field.input_value() == "4"
    first_key = form.locator("input[name=key]").input_value()
    form.locator("button.wide").click()
    outbox = page.locator("#outbox")
    assert "待发送：1" in outbox.inner_text()
    assert "没有网络" in outbox.inner_text()
    # the report is queued: the field is empty again, with a new key, and "left" counts the queued pieces
    assert field.input_value() == ""
    assert form.locator("input[name=key]").input_value() != first_key
    assert int(left.inner_text()) == left_before - 4
    form.locator("button.wide").click()  # a second tap on the same report adds nothing
    assert "待发送：1" in outbox.inner_text()

    field.fill("3")  # a second report, made later that day, still offline
    form.locator("button.wide").click()
    assert "待发送：2" in outbox.inner_text()
    assert field.input_value() == ""
    assert int(left.inner_text()) == left_before - 7
    queued = page.evaluate("() => JSON.parse(localStorage.getItem('mf.outbox.v1'))")
    assert [i["pieces"] for i in queued] == [4, 3] and queued[0]["key"] != queued[1]["key"]
    shot(page, "worker-offline-outbox", full_page=False)
    assert _task(live_app, task_id) == (reported_before, reports_before)  # nothing reached the server

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(outbox).to_have_text("已发送，只计一次。")
    assert int(left.inner_text()) == left_before - 7
    assert _task(live_app, task_id) == (reported_before + 7, reports_before + 2)

    # the phone sends the same report again (its answer was lost on the way back): still counted once
    page.evaluate(
        """([task, url]) => {
            const items = [{key: 'replayed-' + task, url: url, task: String(task), pieces: 2, at: Date.now()}];
            localStorage.setItem('mf.outbox.v1', JSON.stringify(items.concat(items)));
            document.getElementById('outbox').textContent = '';
            window.dispatchEvent(new Event('online'));
        }""",
        [task_id, form.get_attribute("action")],
    )
    expect(outbox).to_have_text("已发送，只计一次。")
    assert page.evaluate("() => localStorage.getItem('mf.outbox.v1')") == "[]"
    assert _task(live_app, task_id) == (reported_before + 9, reports_before + 3)
    page.reload()
    assert int(page.locator(f"[data-left-of='{task_id}']").inner_text()) == left_before - 9


def test_worker_page_without_javascript_reports_once(browser: Any, base_url: str, live_app: Any) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="zh-CN", base_url=base_url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        login(page, "13900000021")  # the first worker of 东山社区
        page.goto("/today")
        form = page.locator("form.report").first
        task_id = int(form.get_attribute("data-task"))
        before = _task(live_app, task_id)
        form.locator("input[name=pieces]").fill("3")
        form.locator("button.wide").click()
        assert "已记录 3 件" in page.content()
        assert _task(live_app, task_id) == (before[0] + 3, before[1] + 1)
    finally:
        context.close()


def test_organiser_material_inspection_and_rework(page: Any, live_app: Any) -> None:
    login(page, ORGANISER)
    page.click("nav >> text=今日看板")
    assert page.locator("h1").inner_text().startswith("今日看板")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "organiser-day-board")

    # a lot handed in yesterday: inspect it, three pieces go back for rework
    page.locator("#inspect li a").first.click()
    task_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    waiting = int(page.locator("#accepted").get_attribute("max"))
    page.fill("#accepted", str(waiting - 3))
    page.fill("#rejected", "3")
    page.select_option("#reason_code", label="做工粗糙")
    page.fill("#reason", "针脚松")
    page.check("input[name=rework]")
    page.click("button:has-text('记录质检')")
    assert "已记录质检结果" in page.content()
    assert "有 3 件在工人手上返工" in page.content()
    shot(page, "organiser-inspection")

    # more than is waiting is refused with a message, and nothing is kept
    page.fill("#accepted", "3")  # the three in rework are all that wait now
    page.fill("#rejected", "2")
    page.fill("#reason", "脏污")
    page.click("button:has-text('记录质检')")
    assert "最多能质检 3 件" in page.content() and "返工中 3 件" in page.content()

    # take back what was left over
    page.click("summary:has-text('退料')")
    page.locator("form[action$='/material/return'] input[name^=material_]").first.fill("1")
    page.locator("form[action$='/material/return'] button").click()
    assert "已退料" in page.content()

    with live_app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.rework, task.status) == (3, "in_progress")
        inspection = db.session.scalar(
            select(Inspection).where(Inspection.task_id == task_id).order_by(Inspection.id.desc())
        )
        assert (inspection.rejected, inspection.rework, inspection.reason) == (3, True, "做工粗糙：针脚松")
        kinds = set(
            db.session.scalars(select(MaterialMovement.kind).where(MaterialMovement.task_id == task_id))
        )
        assert kinds == {"issue", "return"}
        db.session.remove()

    # tomorrow's kits: hand one out
    page.click("text=今日看板")
    page.locator("section:has(h2:has-text('明天要备的物料')) li a").first.click()
    page.click("form[action$='/material/issue'] button")
    assert "已发料" in page.content() and "已领料" in page.content()
    page.goto("/production/material")
    assert "差额" in page.content()
    shot(page, "organiser-material-ledger")


def test_closed_material_sections_look_like_buttons_with_a_marker(page: Any) -> None:
    login(page, ORGANISER)
    page.goto("/production/tasks/1")
    for label in ("发料", "退料", "记录损耗"):
        summary = page.locator(f"#material details > summary:text-is('{label}')")
        box = summary.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        style = summary.evaluate(
            """(el) => { const s = getComputedStyle(el); const m = getComputedStyle(el, '::before');
                 return {border: parseFloat(s.borderTopWidth), cursor: s.cursor, marker: m.content}; }"""
        )
        opened = summary.evaluate("(el) => el.parentElement.open")
        assert style["border"] >= 1 and style["cursor"] == "pointer", label
        assert style["marker"] == ('"▾"' if opened else '"▸"'), label
        if not opened:
            summary.click()
            assert summary.evaluate("(el) => getComputedStyle(el, '::before').content") == '"▾"'
            expect(summary.locator("xpath=..").locator("form")).to_be_visible()
