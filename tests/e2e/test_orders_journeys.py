"""The coordinator posts an order on a phone, an organiser takes part of it on, the coordinator follows it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

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


def test_coordinator_confirms_a_short_receipt_after_being_asked(page: Any, live_app: Any) -> None:
    from factory.accounts.models import User
    from factory.extensions import db
    from factory.orders import deliveries as dl
    from factory.orders.models import Delivery, Order

    with live_app.app_context():  # a station delivers what passed inspection on one of 海岳's orders
        coordinator = db.session.scalar(select(User).where(User.mobile == COORDINATOR))
        organiser = db.session.scalar(select(User).where(User.mobile == ORGANISER))
        orders = db.session.scalars(select(Order).where(Order.enterprise_id == coordinator.enterprise_id))
        order = next(o for o in orders if dl.deliverable(o, organiser.station_id) >= 10)
        delivery_id = dl.record_delivery(order, organiser.station_id, organiser, pieces=10).id
        db.session.commit()
        db.session.remove()
    login(page, COORDINATOR)
    page.goto(f"/orders/deliveries/{delivery_id}/receive")
    page.fill("#received", "8")
    page.fill("#receipt_note", "2 件外壳破损")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.click("button:has-text('确认收货')")  # asked, and says no: nothing is recorded
    assert asked == ["确认收到 8 件吗？确认后计入应付款，以后不能再改。"]
    assert page.url.endswith(f"/orders/deliveries/{delivery_id}/receive")
    with live_app.app_context():
        assert db.session.get(Delivery, delivery_id).received_at is None
        db.session.remove()
    page.click("button:has-text('确认收货')")  # asked again, and says yes
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert len(asked) == 2
    with live_app.app_context():
        got = db.session.get(Delivery, delivery_id)
        assert (got.pieces_received, got.short) == (8, 2)
        db.session.remove()
