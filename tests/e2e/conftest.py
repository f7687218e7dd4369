"""Browser journeys: Playwright driving Debian's chromium, headless, at a 360x640 phone in zh-CN.

A live server (the real app in a thread, on its own SQLite database with the demo data) serves every
journey; each test gets a fresh browser context (its own cookies). `shot(page, name)` saves a screenshot
to docs/screenshots/ when SCREENSHOTS=1 (`make screenshots`), for README.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from factory import create_app
from factory.extensions import db
from tests.conftest import app_config

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    instance = tmp_path_factory.mktemp("e2e")
    config = app_config(instance, url=f"sqlite:///{instance / 'e2e.db'}")
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        db.create_all()
        from factory.demo.seed import seed

        seed()
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def base_url(live_app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: make system-packages installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        locale="zh-CN",
        base_url=base_url,
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


def login(page: Any, mobile: str, password: str | None = None) -> None:
    from factory.demo.seed import DEMO_PASSWORD

    page.goto("/login")
    page.fill("#mobile", mobile)
    page.fill("#password", password or DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str, full_page: bool = False) -> None:
    """Save a screenshot (the phone screen, or the whole page) for README when SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
