"""Browser journeys for workers: the organiser registers a resident, who activates on a phone and sets hours."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import login, shot


def test_a_new_worker_activates_on_the_phone_and_sets_next_weeks_hours(
    page: Any, browser: Any, base_url: str
) -> None:
    # the organiser (on the same small screen) registers a resident and reads out the code
    login(page, "13800000021")
    page.goto("/workers/new")
    page.fill("#name", "韩春梅")
    page.fill("#mobile", "139 8888 0001")
    page.fill("#skills", "remote_assembly:28")
    page.fill("#weekly_hours", "6 6 6 6 6 0 0")
    page.click("button[type=submit]")
    code = page.locator(".code").inner_text().strip()
    assert re.fullmatch(r"\d{8}", code)
    shot(page, "workers-registered")

    # the resident, on their own phone
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="zh-CN", base_url=base_url,
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )  # fmt: skip
    phone = context.new_page()
    phone.goto("/activate")
    phone.fill("#mobile", "13988880001")
    phone.fill("#code", code)
    phone.fill("#password", "chunmei-2026")
    phone.fill("#confirm", "chunmei-2026")
    phone.click("button[type=submit]")
    phone.wait_for_load_state()
    # home: skills and two weeks of hours at a glance
    assert phone.locator("#my-skills").get_by_text("28").count() == 1
    assert phone.locator("#my-hours .hours-cell").count() == 14
    shot(phone, "worker-home")

    phone.click("#my-hours a.button")
    phone.wait_for_url("**/my/hours")
    cells = phone.locator("#days .hours-cell")
    assert cells.count() == 14
    # next week's Monday..: tap − four times on the 8th day (JavaScript changes it in place), + once on the 9th
    eighth = cells.nth(7)
    start = float(eighth.locator("input").input_value())
    minus = eighth.locator("button.step").nth(1)
    for _ in range(4):
        minus.click()
    ninth = cells.nth(8)
    ninth_start = float(ninth.locator("input").input_value())
    ninth.locator("button.step").nth(0).click()
    expected_eighth = max(0.0, start - 2)
    assert float(eighth.locator("input").input_value()) == expected_eighth
    box = minus.bounding_box()
    assert box["height"] >= 44  # large controls
    shot(phone, "worker-hours")
    phone.click("#days button.primary")
    phone.wait_for_load_state()
    assert "已保存" in phone.locator(".flash").inner_text()
    cells = phone.locator("#days .hours-cell")
    assert float(cells.nth(7).locator("input").input_value()) == expected_eighth
    assert float(cells.nth(8).locator("input").input_value()) == ninth_start + 0.5
    # the page stays within the phone's width
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
