"""The worker's pages open on a phone without network (a service worker keeps the last copy), the
outbox works on that copy, and logging out deletes it. A page the phone has no copy of opens the offline
page, which leads back to the kept today page; that page marks which task pages are kept."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import login, shot
from tests.e2e.test_production_journeys import _task
from tests.e2e.test_worker_phone import MEASURE, _problems

WORKER = "13900000003"  # a demo worker of 辽源路 with a task in hand

COPY_OF = """async (path) => {
    for (const name of await caches.keys()) {
        if (name.startsWith('mf-pages-') && await (await caches.open(name)).match(path)) { return true; }
    }
    return false;
}"""
LEFT_IN_COPY = """async ([path, task]) => {
    for (const name of await caches.keys()) {
        if (!name.startsWith('mf-pages-')) { continue; }
        const kept = await (await caches.open(name)).match(path);
        if (kept) {
            const m = (await kept.text()).match(new RegExp('data-left-of="' + task + '" data-server-left="([0-9]+)"'));
            return m ? Number(m[1]) : null;
        }
    }
    return null;
}"""


def wait_until(page: Any, probe: str, arg: Any, expected: Any) -> None:
    """Wait until the async `probe(arg)` (JavaScript source) answers `expected` in the page.

    `page.wait_for_function` takes a returned promise for a truthy answer, so the probe runs in a loop in
    the page and the wait reads its last answer.
    """
    page.evaluate(
        "([arg]) => { window.__probe = undefined; const probe = " + probe + ";"
        " const tick = () => probe(arg).then((v) => { window.__probe = v; setTimeout(tick, 25); }); tick(); }",
        [arg],
    )
    page.wait_for_function("(expected) => window.__probe === expected", arg=expected)


OFFLINE_PAGE_LANGUAGE = """async () => {
    for (const name of await caches.keys()) {
        const kept = name.startsWith('mf-static-') && await (await caches.open(name)).match('/today/offline');
        if (kept) { return kept.headers.get('Content-Language'); }
    }
    return null;
}"""
PAGE_CACHES = "async () => (await caches.keys()).filter((name) => name.startsWith('mf-pages-'))"


def test_worker_opens_today_offline_reports_on_the_copy_and_logging_out_forgets_it(
    page: Any, live_app: Any
) -> None:
    login(page, WORKER)
    assert page.url.endswith("/today")
    card = page.locator("article.task:has(form.report)").first
    product = card.locator("h2").evaluate("(h2) => h2.firstChild.textContent.trim()")
    task_id = int(card.locator("form.report").get_attribute("data-task"))
    details = card.locator("a.button.small").get_attribute("href")
    banner = page.locator("[data-offline-copy]")
    expect(banner).to_be_hidden()  # online: the page is the server's, no banner
    # the service worker keeps a copy of the page that registered it
    wait_until(page, COPY_OF, "/today", True)
    page.goto(details)  # a task page opened online is kept too
    wait_until(page, COPY_OF, details, True)
    page.goto("/today")
    # A report sent online: the kept copy is brought up to date, so offline it shows what is left now.
    online_form = page.locator(f"#task-{task_id} form.report")
    online_form.locator("input[name=pieces]").fill("1")
    online_form.locator("button.wide").click()
    expect(page.locator("#outbox")).to_have_text("已发送，只计一次。")
    now_left = int(page.locator(f"[data-left-of='{task_id}']").inner_text())
    wait_until(page, LEFT_IN_COPY, ["/today", task_id], now_left)
    reported_before, reports_before = _task(live_app, task_id)

    page.context.set_offline(True)
    page.reload()
    expect(banner).to_be_visible()
    assert "没有网络：显示的是" in banner.inner_text() and "报工会先存在手机上" in banner.inner_text()
    card = page.locator(f"#task-{task_id}")
    assert card.locator("h2").inner_text().startswith(product)
    assert page.evaluate("getComputedStyle(document.querySelector('.offline-copy')).borderTopWidth") == "2px"
    left = card.locator("[data-left-of]")
    left_before = int(left.inner_text())
    assert left_before == now_left  # the copy counts the report sent online
    shot(page, "worker-offline-copy")
    form = card.locator("form.report")
    form.locator("input[name=pieces]").fill("2")
    form.locator("button.wide").click()
    outbox = page.locator("#outbox")
    assert "待发送：1" in outbox.inner_text()
    assert int(left.inner_text()) == left_before - 2
    assert _task(live_app, task_id) == (reported_before, reports_before)

    page.goto(details)  # the task page opens from its copy as well
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    assert product in page.locator("h1").inner_text()
    page.go_back()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox")).to_have_text("已发送，只计一次。")
    assert _task(live_app, task_id) == (reported_before + 2, reports_before + 1)
    page.reload()  # online again: the server's page, counted once, no banner
    expect(page.locator("[data-offline-copy]")).to_be_hidden()
    assert int(page.locator(f"[data-left-of='{task_id}']").inner_text()) == left_before - 2
    assert _task(live_app, task_id) == (reported_before + 2, reports_before + 1)

    page.locator("form.logout button").click()
    page.wait_for_url("**/login**")
    assert page.evaluate(PAGE_CACHES) == []
    page.context.set_offline(True)
    # no copy left: the offline page says that nothing is kept on this phone, and shows no one's tasks
    page.goto("/today")
    expect(page.locator("[data-offline-when=nothing]")).to_be_visible()
    expect(page.locator("[data-offline-when=saved]")).to_be_hidden()
    expect(page.locator("article.task")).to_have_count(0)
    assert "高春梅" not in page.content()  # the worker's name either
    page.context.set_offline(False)


def test_reports_queued_when_the_session_ended_wait_for_their_own_worker(page: Any, live_app: Any) -> None:
    login(page, "13900000004")
    # the service worker installed and kept its copy: no request of its own is under way when the cookies go
    # (an answer arriving after that would set the session cookie again)
    wait_until(page, COPY_OF, "/today", True)
    form = page.locator("form.report").first
    task_id = int(form.get_attribute("data-task"))
    before = _task(live_app, task_id)
    page.context.set_offline(True)
    form.locator("input[name=pieces]").fill("1")
    form.locator("button.wide").click()
    outbox = page.locator("#outbox")
    assert "待发送：1" in outbox.inner_text()

    page.context.clear_cookies()  # the session ended meanwhile (logged out elsewhere, or expired)
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(outbox).to_contain_text("请重新登录")  # not "no network": the report waits for a login
    assert "待发送：1" in outbox.inner_text()
    assert _task(live_app, task_id) == before

    login(page, "13900000005")  # someone else on the same phone: the report is neither shown nor sent
    assert page.url.endswith("/today")
    expect(page.locator("#outbox")).to_be_hidden()
    assert len(page.evaluate("() => JSON.parse(localStorage.getItem('mf.outbox.v1'))")) == 1
    assert _task(live_app, task_id) == before
    page.locator("form.logout button").click()
    page.wait_for_url("**/login**")

    login(page, "13900000004")  # its own worker again: sent, and counted once
    expect(page.locator("#outbox")).to_have_text("已发送，只计一次。")
    assert _task(live_app, task_id) == (before[0] + 1, before[1] + 1)
    assert page.evaluate("() => localStorage.getItem('mf.outbox.v1')") == "[]"


def test_a_task_page_never_opened_online_shows_the_offline_page_that_leads_back_to_today(page: Any) -> None:
    login(
        page, "13900000041"
    )  # 王春梅, the first demo worker of the third station: three tasks on today's page
    wait_until(page, COPY_OF, "/today", True)
    links = page.locator("a[data-task-link]")
    kept, never = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    page.goto(kept)  # opened online: kept
    wait_until(page, COPY_OF, kept, True)

    page.context.set_offline(True)
    page.goto("/today")
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    # the kept today page says which task pages open without network
    expect(page.locator(f"a[href='{kept}'] + .kept-mark")).to_have_text("已存在手机上")
    expect(page.locator(f"a[href='{never}'] + .kept-mark")).to_have_text("没存在手机上，要有网络才能打开")
    page.locator(f"a[href='{never}']").click()
    page.wait_for_url("**" + never)
    expect(page.locator("h1")).to_have_text("没有网络")
    assert "这个页面还没有存在手机上" in page.locator("main").inner_text()
    expect(page.locator("[data-offline-when=nothing]")).to_be_hidden()
    assert _problems(page.evaluate(MEASURE)) == []  # readable on the 360 px phone, large targets
    shot(page, "worker-offline-not-kept")
    page.get_by_role("link", name="回到“今天”（已存在手机上）").click()
    page.wait_for_url("**/today")
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    page.locator(f"a[href='{kept}']").click()  # and the kept task page opens
    page.wait_for_url("**" + kept)
    expect(page.locator("[data-offline-copy]")).to_be_visible()

    # the worker switches to English: the phone fetches its offline page again, in English
    page.context.set_offline(False)
    page.goto("/today")
    page.locator("button[name=locale][value=en]").click()
    page.wait_for_url("**/today")
    wait_until(page, OFFLINE_PAGE_LANGUAGE, None, "en")
    page.context.set_offline(True)
    page.goto(never)
    expect(page.locator("h1")).to_have_text("No network")
    page.context.set_offline(False)


def test_the_copy_says_when_the_network_is_back(page: Any) -> None:
    login(page, WORKER)
    wait_until(page, COPY_OF, "/today", True)
    page.context.set_offline(True)
    page.reload()
    banner = page.locator("[data-offline-copy]")
    expect(banner).to_contain_text("没有网络")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(banner).to_contain_text("网络恢复了：手机上待发送的会自动发出。")
    banner.locator("a").click()  # to the live page: the server's, with no banner
    expect(page.locator("[data-offline-copy]")).to_be_hidden()


def test_the_worker_looks_at_her_pay_without_network(page: Any) -> None:
    login(page, "13900000001")  # 王秀英: pay this period and slips of earlier ones
    wait_until(page, COPY_OF, "/today", True)
    page.locator("a[href='/today/pay']").first.click()  # 我的收入, from the menu
    page.wait_for_url("**/today/pay")
    wait_until(page, COPY_OF, "/today/pay", True)
    total = page.locator(".total-line strong").first.inner_text()
    slips = page.locator(".slip-list li").all_inner_texts()
    assert total.startswith("¥") and slips  # something to look at later

    page.context.set_offline(True)
    page.goto("/today")
    page.locator("a[href='/today/pay']").first.click()
    page.wait_for_url("**/today/pay")
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    assert "没有网络：显示的是" in page.locator("[data-offline-copy]").inner_text()
    assert page.locator(".total-line strong").first.inner_text() == total
    assert page.locator(".slip-list li").all_inner_texts() == slips
    assert page.evaluate("getComputedStyle(document.querySelector('.offline-copy')).borderTopWidth") == "2px"
    assert _problems(page.evaluate(MEASURE)) == []  # readable on the 360 px phone, large targets
    shot(page, "worker-offline-pay")
    page.context.set_offline(False)
    page.goto("/pay/me")  # a link saved before still leads to the pay page
    page.wait_for_url("**/today/pay")
    expect(page.locator("[data-offline-copy]")).to_be_hidden()
