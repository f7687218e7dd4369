"""The employment service's administrator reads the audit log on a desktop and on a tablet."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login, shot

ADMIN = "13800000001"  # 张敏, 青岛市公共就业服务中心

# For each name, action and time cell: its text and the number of lines it takes on the screen.
LINES = """() => [...document.querySelectorAll('table.audit td.who, table.audit td.action, table.audit td.when')]
  .map(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    return [td.className, td.textContent.trim(), tops.size];
  })"""


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1024, 768)])
def test_the_audit_log_uses_the_screen_and_keeps_names_and_actions_on_one_line(
    browser: Any, base_url: str, width: int, height: int
) -> None:
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": width, "height": height}
    )
    try:
        page = context.new_page()
        login(page, ADMIN)
        page.goto("/admin/audit/")
        cells = page.evaluate(LINES)
        assert len(cells) >= 30, cells  # the demo's history fills the page
        wrapped = [cell for cell in cells if cell[2] != 1]
        assert not wrapped, wrapped
        actions = [text for cls, text, _n in cells if cls == "action"]
        assert actions and not [a for a in actions if "." in a or a.isascii()], actions  # words, not codes
        table = page.locator("table.audit").bounding_box()
        assert table is not None and table["width"] >= width - 60  # the whole width, less the margins
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
        page.locator("table.audit details.raw summary").first.click()
        assert page.locator("table.audit details.raw pre").first.is_visible()
        shot(page, f"audit-log-{width}")
    finally:
        context.close()
