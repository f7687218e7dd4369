"""The coordinator posts an order on a phone, an organiser takes part of it on, the coordinator follows it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from tests.e2e.conftest import login, shot

COORDINATOR = "13800000011"  # 王建华, 青岛海岳电器配件有限公司
ORGANISER = "13800000021"  # 李秀英, 辽源路街道乐业服务站微工厂


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_coordinator_posts_an_order_and_a_station_takes_part_of_it(
    page: Any, browser: Any, base_url: str
) -> None:
    login(page, COORDINATOR)
    page.click("nav >> text=新建订单")
    assert page.locator("h1").inner_text() == "新建订单"
    fits(page)
    page.fill("#product", "遥控器组装（E2E 批次）")
    page.select_option("#skill", "remote_assembly")
    page.fill("#quantity", "1000")
    page.fill("#lot_size", "200")
    page.fill("#piece_rate", "0.25")  # ¥15 an hour at 1 minute: below the minimum wage
    page.fill("#standard_minutes", "1")
    page.fill("#due_date", (date.today() + timedelta(days=20)).isoformat())
    page.fill("#materials", "外壳, 1, 套\n螺丝, 2, 颗")
    page.click("text=保存并发布给站点")
    assert "低于" in page.locator(".flash-error").inner_text()
    assert "¥15.00" in page.content()
    fits(page)
    page.fill("#piece_rate", "0.40")
    page.click("text=保存并发布给站点")
    assert "已发布给站点" in page.locator(".flash").inner_text()
    order_url = page.url
    order_id = int(re.search(r"/orders/(\d+)", order_url).group(1))
    assert "已发布" in page.locator("h1").inner_text()
    fits(page)
    shot(page, "order-posted")

    station = browser.new_context(
        viewport={"width": 360, "height": 640},
        locale="zh-CN",
        base_url=base_url,
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    try:
        tablet = station.new_page()
        login(tablet, ORGANISER)
        tablet.click("nav >> text=订单")
        tablet.click(f"a[href='/orders/{order_id}']")
        tablet.fill("#quantity", "300")
        tablet.click("button:has-text('承接')")
        assert "整批" in tablet.locator(".flash-error").inner_text()
        tablet.fill("#quantity", "400")
        tablet.click("button:has-text('承接')")
        assert "承接了" in tablet.locator(".flash").inner_text()
        fits(tablet)
        shot(tablet, "order-taken-on")
    finally:
        station.close()

    page.goto(order_url)
    tiles = page.locator(".counts").inner_text()
    assert "400" in tiles
    assert "已承接" in page.locator("h1").inner_text()
    assert "辽源路街道乐业服务站微工厂" in page.content()
    fits(page)
    shot(page, "order-progress")
