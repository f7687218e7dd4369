"""Each role logs in on a phone-sized screen in Chinese and reaches its home page (a worker: today's tasks)."""

from __future__ import annotations

from typing import Any

import pytest

from factory.demo.seed import demo_logins
from tests.e2e.conftest import login, shot

HOME_HEADINGS = {
    "admin": "就业服务概览",
    "coordinator": "青岛",  # the enterprise's name
    "organiser": "微工厂",  # the station's name
    "worker": "今天",  # a worker lands on today's tasks
}
LANDING = {"admin": "/", "coordinator": "/", "organiser": "/", "worker": "/today"}


def test_login_page_is_chinese_and_fits_a_phone(page: Any) -> None:
    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"
    shot(page, "login")


@pytest.mark.parametrize("role", ["admin", "coordinator", "organiser", "worker"])
def test_each_role_logs_in_and_reaches_home(page: Any, role: str) -> None:
    account = next(a for a in demo_logins() if a.role == role)
    login(page, account.mobile)
    assert page.url.endswith(LANDING[role]), page.url
    heading = page.locator("h1").first.inner_text()
    assert HOME_HEADINGS[role] in heading, heading
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, f"home-{role}")
    page.click("text=退出登录")
    page.wait_for_url("**/login**")  # a worker's page first deletes its offline copies, then logs out


def test_wrong_password_shows_a_chinese_message(page: Any) -> None:
    login(page, "13800000001", "not-the-password")
    assert "手机号码或密码错误" in page.content()
