"""The organiser closes the demo station's half-month, tops up a minimum-wage shortfall, prints every slip;
the worker who fell short opens the slip on the phone and as a PDF."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import login, shot

ORGANISER = "13800000021"  # 李秀英, 辽源路街道乐业服务站微工厂
SLOW_WORKER = "13900000002"  # the demo worker whose slow half-month falls short of the minimum wage


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_organiser_closes_the_half_month_tops_up_and_prints(page: Any, browser: Any, base_url: str) -> None:
    login(page, ORGANISER)
    page.click("nav >> text=工资")
    assert page.locator("h1").inner_text() == "结算周期"
    # The newest period is the running half-month; the one below it has ended and waits to be closed.
    page.locator(".period-list a").nth(1).click()
    assert "未结算" in page.locator("h1").inner_text()
    shortfalls = page.locator("#shortfalls")
    assert "低于最低工资" in shortfalls.inner_text()
    assert "¥" in shortfalls.inner_text()
    fits(page)
    shot(page, "pay-close-shortfall")
    shortfalls.locator("button").click()
    assert "补足最低工资" in page.locator(".flash-success").inner_text()
    assert page.locator("#shortfalls").count() == 0

    close = page.locator("#close")
    # The lots waiting for inspection were reported after the half-month ended: they do not hold up its close.
    assert page.locator("#uninspected").count() == 0
    close.locator("text=结算后不能更改").click()
    close.locator("button").click()
    closed = page.locator(".flash-success").inner_text()
    assert "周期已结算" in closed
    # The top-ups made with the button above are on the slips, and the message says so.
    assert "笔最低工资补足" in closed and "都是结算前补的" in closed
    assert "已结算" in page.locator("h1").inner_text()
    fits(page)
    shot(page, "pay-closed")

    page.click("text=打印全部工资条（PDF）")
    assert "/jobs/" in page.url
    download = page.locator("#job-download a")
    download.wait_for(state="visible")
    pdf = page.request.get(download.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    phone = browser.new_context(
        viewport={"width": 360, "height": 640},
        locale="zh-CN",
        base_url=base_url,
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    try:
        worker = phone.new_page()
        login(worker, SLOW_WORKER)
        worker.click("nav >> text=我的工资")
        assert worker.locator("h1").inner_text() == "我的工资"
        fits(worker)
        worker.locator(".slip-list a").first.click()
        body = worker.locator("main").inner_text()
        assert "最低工资补足" in body and "合格 20 件 × ¥0.40 = ¥8.00" in body
        total = worker.locator("#slip-total").inner_text()
        # 103 pieces of this order were paid in earlier half-months, but 20 × ¥0.40 is exact: no history shown.
        assert "一共 123 件" not in body and "已经付过" not in body
        assert "计件工资 ¥8.00 + 调整 ¥25.00 = ¥33.00" in body and total == "¥33.00"
        fits(worker)
        shot(worker, "pay-slip-phone")
        slip_pdf = worker.request.get(worker.locator("text=打开 PDF").get_attribute("href"))
        assert slip_pdf.ok and slip_pdf.body().startswith(b"%PDF")
    finally:
        phone.close()
